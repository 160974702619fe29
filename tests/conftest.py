"""Shared test set-up (everyone's). The backend is chosen here, the test suite's entry point, before keras loads."""

import os
import sys
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")

sys.path.insert(0, str(Path(__file__).parent / "studies"))  # study_fixtures: also imported by study workers

import numpy as np  # noqa: E402
import pytest  # noqa: E402


def make_tiny_splits(name: str = "tiny", n_train: int = 256, n_valid: int = 64, n_test: int = 128, seed: int = 0):
    """A learnable 10-class (N, 28, 28) uint8 dataset: class c lights up a 4-pixel-wide bar at column 2c+4."""
    from study_fixtures import bar_splits  # tests/studies is on sys.path (above): one generator for all tests

    return bar_splits(name, n_train, n_valid, n_test, np.random.default_rng(seed))


@pytest.fixture
def tiny_splits():
    return make_tiny_splits()


@pytest.fixture
def fake_dataset(monkeypatch):
    """Make ablab.data.load_dataset return tiny synthetic splits for any name (no files, no network)."""
    import ablab.data

    splits = make_tiny_splits()
    monkeypatch.setattr(ablab.data, "load_dataset", lambda name, **kwargs: splits)
    return splits
