"""The real MNIST / Fashion-MNIST from the real cache (~/.cache/ablab/datasets): sizes and class counts.

`make test` fetches both first; without them these tests skip, saying what to run.
"""

from __future__ import annotations

import numpy as np
import pytest

from ablab.data import DATASETS, default_cache_dir, load_dataset

# Official class counts: MNIST train (60,000) and test; Fashion-MNIST is balanced (6,000 / 1,000 per class).
OFFICIAL_TRAIN_COUNTS = {
    "mnist": [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
    "fashion-mnist": [6000] * 10,
}
OFFICIAL_TEST_COUNTS = {
    "mnist": [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009],
    "fashion-mnist": [1000] * 10,
}


def _load_real(name: str):
    if not (default_cache_dir() / name / "manifest.json").exists():
        pytest.skip(f"{name} not fetched into {default_cache_dir()}; run `ablab data fetch {name}` (make test does)")
    return load_dataset(name)  # verifies every file's SHA-256 against the manifest and the registry


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_real_files_sizes_and_class_counts(name):
    splits = _load_real(name)
    assert splits.sizes() == {"train": 55_000, "valid": 5_000, "test": 10_000}
    assert splits.x_train.shape == (55_000, 28, 28) and splits.x_train.dtype == np.uint8
    assert splits.x_valid.shape == (5_000, 28, 28) and splits.x_test.shape == (10_000, 28, 28)
    assert splits.y_train.dtype == np.int64
    counts = splits.class_counts()
    assert (counts["train"] + counts["valid"]).tolist() == OFFICIAL_TRAIN_COUNTS[name]
    assert counts["test"].tolist() == OFFICIAL_TEST_COUNTS[name]
    assert int(splits.x_train.max()) == 255 and int(splits.x_train.min()) == 0


def test_real_mnist_order_is_official():
    """Valid is the *last* 5,000 of the official train: check known labels at both ends of each split."""
    splits = _load_real("mnist")
    assert splits.y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert splits.y_test[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert counts_valid(splits) == [489, 530, 493, 509, 499, 458, 482, 563, 494, 483]


def counts_valid(splits) -> list[int]:
    return splits.class_counts()["valid"].tolist()
