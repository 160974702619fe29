"""Pixel permutation (the report's Task 2): one fixed permutation for every split, and the MLP can't tell."""

import dataclasses

import numpy as np
import pytest

from ablab.data.transforms import permute_images, permute_pixels, pixel_permutation


def test_permutation_is_a_seeded_rearrangement():
    p = pixel_permutation(7)
    assert sorted(p.tolist()) == list(range(784))
    assert np.array_equal(p, pixel_permutation(7))
    assert not np.array_equal(p, pixel_permutation(8))


def test_same_permutation_applied_to_every_split(tiny_splits):
    permuted = permute_pixels(tiny_splits, 3)
    p = pixel_permutation(3)
    for split in ("train", "valid", "test"):
        before, after = getattr(tiny_splits, f"x_{split}"), getattr(permuted, f"x_{split}")
        assert after.shape == before.shape and after.dtype == np.uint8
        assert np.array_equal(after.reshape(len(after), -1), before.reshape(len(before), -1)[:, p])
        assert np.array_equal(getattr(permuted, f"y_{split}"), getattr(tiny_splits, f"y_{split}"))
    # pixel values are moved, never changed: every image keeps its histogram
    assert np.array_equal(np.sort(permuted.x_test.reshape(len(permuted.x_test), -1)),
                          np.sort(tiny_splits.x_test.reshape(len(tiny_splits.x_test), -1)))


def test_returns_a_new_splits_and_leaves_the_input_alone(tiny_splits):
    copy = tiny_splits.x_train.copy()
    permuted = permute_pixels(tiny_splits, 1)
    assert permuted is not tiny_splits and dataclasses.is_dataclass(permuted)
    assert np.array_equal(tiny_splits.x_train, copy)
    assert permuted.name == tiny_splits.name


def test_rejects_a_permutation_of_the_wrong_size():
    with pytest.raises(ValueError):
        permute_images(np.zeros((2, 28, 28), np.uint8), np.arange(10))


def test_mlp_outputs_identical_when_data_and_first_kernel_rows_are_permuted(tiny_splits):
    """The strong sense of 'the MLP is unaffected': x[:, p] @ W[p] == x @ W, so every output is the same."""
    import keras

    from ablab.models import build_model, make_config

    config = make_config({"hidden_units": (16, 8), "activation": "selu"})
    keras.utils.set_random_seed(0)
    model = build_model(config)
    twin = build_model(config)
    perm = pixel_permutation(5)
    weights = model.get_weights()  # [W1 (784,16), b1, W2, b2, W3, b3]
    assert weights[0].shape == (784, 16)
    twin.set_weights([weights[0][perm], *weights[1:]])
    x = tiny_splits.x_test
    original = model.predict(x, verbose=0)
    scrambled = twin.predict(permute_images(x, perm), verbose=0)
    np.testing.assert_allclose(scrambled, original, rtol=1e-5, atol=1e-7)
    assert np.array_equal(scrambled.argmax(axis=1), original.argmax(axis=1))
    # and the permutation matters for a model that was not adjusted
    assert not np.allclose(model.predict(permute_images(x, perm), verbose=0), original, atol=1e-3)
