import math

import keras
import numpy as np
import pytest

from ablab.errors import AblabError
from ablab.models import make_config
from ablab.train import TrialSpec
from ablab.train.run import run_trial


def test_key_is_stable_and_seed_sensitive():
    config = make_config({"optimizer": "adam"})
    assert TrialSpec(config, 1).key == TrialSpec(make_config({"optimizer": "adam"}), 1).key
    assert TrialSpec(config, 1).key != TrialSpec(config, 2).key
    assert len(TrialSpec(config, 1).key) == 16
    assert TrialSpec(config, 1, study="a").key == TrialSpec(config, 1, study="b").key


def test_mlp_learns_tiny_task_and_saves_loadable_model(fake_dataset, tmp_path):
    spec = TrialSpec(make_config({"optimizer": "adam", "epochs": 3, "hidden_units": [32]}), seed=0)
    result = run_trial(spec, model_dir=tmp_path)
    assert result.state == "complete"
    assert result.test_accuracy > 0.8  # chance is 0.1
    assert len(result.history["loss"]) == 3 and len(result.history["val_accuracy"]) == 3
    assert result.history["loss"][-1] < result.history["loss"][0]
    assert result.backend == "tensorflow" and "keras" in result.versions
    assert 0 < result.fit_time_s <= result.wall_time_s
    model = keras.saving.load_model(result.model_path)  # stock Keras, no custom objects
    probs = model.predict(fake_dataset.x_test[:8], verbose=0)
    assert probs.shape == (8, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1, rtol=1e-5)


def test_same_seed_same_result(fake_dataset):
    spec = TrialSpec(make_config({"epochs": 1, "hidden_units": [16]}), seed=7)
    a, b = run_trial(spec), run_trial(spec)
    assert a.test_loss == pytest.approx(b.test_loss, rel=1e-6)
    assert a.history["loss"] == pytest.approx(b.history["loss"], rel=1e-6)


def test_non_finite_loss_is_diverged_not_a_crash(fake_dataset):
    config = make_config({"activation": "exponential", "learning_rate": 50.0, "hidden_units": [64, 64], "epochs": 4})
    result = run_trial(TrialSpec(config, seed=0))
    assert result.state == "diverged"
    assert len(result.history["loss"]) == 1, "training stops after the first non-finite epoch"
    assert any(v is None for v in result.history["loss"]) or result.test_loss is None
    assert result.test_accuracy is not None and not math.isnan(result.test_accuracy)


def test_one_hot_labels_and_cnn(fake_dataset):
    config = make_config({"model": "cnn", "labels": "onehot", "conv_blocks": [[8], [8]], "dense_units": [16],
                          "optimizer": "rmsprop", "learning_rate": 0.003, "epochs": 2, "steps_per_execution": 4})
    result = run_trial(TrialSpec(config, seed=0))
    assert result.state == "complete" and result.test_accuracy > 0.3


def test_train_subset_limits_the_training_set(fake_dataset, monkeypatch):
    fitted = []  # the training arrays each model.fit call receives
    real_fit = keras.Model.fit

    def fit(model, x=None, y=None, **kwargs):
        fitted.append((np.asarray(x), np.asarray(y)))
        return real_fit(model, x, y, **kwargs)

    monkeypatch.setattr(keras.Model, "fit", fit)
    config = make_config({"train_subset": 32, "batch_size": 32, "epochs": 1})
    result = run_trial(TrialSpec(config, seed=0))
    assert result.state == "complete"
    [(x, y)] = fitted  # trained once, on the first 32 of the 256 training images and their labels
    np.testing.assert_array_equal(x, fake_dataset.x_train[:32])
    np.testing.assert_array_equal(y, fake_dataset.y_train[:32])


def test_init_permuted_pairs_a_seed_with_its_unpermuted_run(fake_dataset):
    """Common random numbers: with the first layer's rows in the pixels' order, the obfuscated MLP of a seed
    trains as its unpermuted run does (up to the order of float sums); without, it is an independent draw."""
    base = {"epochs": 1, "hidden_units": [16], "optimizer": "adam"}
    original = run_trial(TrialSpec(make_config(base), seed=3))
    paired = run_trial(TrialSpec(make_config({**base, "permutation_seed": 42, "init_permuted": True}), seed=3))
    unpaired = run_trial(TrialSpec(make_config({**base, "permutation_seed": 42}), seed=3))
    assert paired.history["loss"][0] == pytest.approx(original.history["loss"][0], rel=1e-4)
    assert paired.test_loss == pytest.approx(original.test_loss, rel=1e-4)
    assert unpaired.test_loss != pytest.approx(original.test_loss, rel=1e-4)


def test_init_permuted_keeps_stored_keys_and_needs_an_mlp_permutation():
    plain = make_config({"permutation_seed": 42})
    assert TrialSpec(plain, 0).key == TrialSpec(make_config({"permutation_seed": 42, "init_permuted": False}), 0).key
    assert TrialSpec(plain, 0).key != TrialSpec(make_config({"permutation_seed": 42, "init_permuted": True}), 0).key
    for bad in ({"init_permuted": True}, {"init_permuted": True, "permutation_seed": 1, "model": "cnn"}):
        with pytest.raises(AblabError, match="init_permuted needs model mlp and a permutation_seed"):
            make_config(bad)
