"""Shared test set-up (everyone's). The backend is chosen here, the test suite's entry point, before keras loads."""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402


def make_tiny_splits(name: str = "tiny", n_train: int = 256, n_valid: int = 64, n_test: int = 128, seed: int = 0):
    """A learnable 10-class (N, 28, 28) uint8 dataset: class c lights up a 4-pixel-wide bar at column 2c+4."""
    from ablab.data import Splits

    rng = np.random.default_rng(seed)

    def part(n):
        y = rng.integers(0, 10, n)
        x = rng.integers(0, 60, (n, 28, 28)).astype(np.uint8)
        for i, c in enumerate(y):
            x[i, :, 2 * c + 4 : 2 * c + 8] = 255
        return x, y.astype(np.int64)

    (xt, yt), (xv, yv), (xs, ys) = part(n_train), part(n_valid), part(n_test)
    return Splits(name=name, source="synthetic", x_train=xt, y_train=yt, x_valid=xv, y_valid=yv, x_test=xs, y_test=ys)


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
