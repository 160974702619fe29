"""Helpers for study tests: tiny synthetic datasets installed by a worker hook, and tiny study specs.

`install_tiny_data` is a worker hook ("study_fixtures:install_tiny_data"): every process that runs trials
(driver, spawned pool workers, Ray workers) calls it, so trials load tiny in-memory data named like the real sets.
"""

from __future__ import annotations

import numpy as np

from ablab.studies.worker import Outcome
from ablab.train.spec import TrialResult

HOOK = "study_fixtures:install_tiny_data"
N_TRAIN, N_VALID, N_TEST = 200, 50, 100


def bar_splits(name: str, n_train: int, n_valid: int, n_test: int, rng: np.random.Generator):
    """A learnable 10-class (N, 28, 28) uint8 set: class c lights a 4-pixel bar at column 2c+4. Shared by all tests."""
    from ablab.data import Splits

    def part(n):
        y = rng.integers(0, 10, n)
        x = rng.integers(0, 60, (n, 28, 28)).astype(np.uint8)
        for i, c in enumerate(y):
            x[i, :, 2 * c + 4 : 2 * c + 8] = 255
        return x, y.astype(np.int64)

    (xt, yt), (xv, yv), (xs, ys) = part(n_train), part(n_valid), part(n_test)
    return Splits(name=name, source="synthetic", x_train=xt, y_train=yt, x_valid=xv, y_valid=yv, x_test=xs, y_test=ys)


def tiny_splits(name: str):
    """The tiny bar set for study tests; its seed comes from the name, so mnist and fashion-mnist differ."""
    return bar_splits(name, N_TRAIN, N_VALID, N_TEST, np.random.default_rng(sum(map(ord, name))))


_CACHE: dict = {}


def _load(name, **kwargs):
    if name not in _CACHE:
        _CACHE[name] = tiny_splits(name)
    return _CACHE[name]


def install_tiny_data() -> None:
    """Make ablab.data.load_dataset return tiny synthetic splits (this process only)."""
    import ablab.data

    ablab.data.load_dataset = _load


def tiny_spec(name: str = "tiny", *, seeds=2, rows=3, extra: dict | None = None) -> dict:
    """A small MLP study: `rows` learning rates on two datasets, hidden layer of 8 units, 1 epoch."""
    spec = {
        "name": name,
        "title": "tiny study",
        "model": "mlp",
        "datasets": ["mnist", "fashion-mnist"],
        "base": {"hidden_units": [8], "epochs": 1, "batch_size": 50},
        "seeds": seeds,
        "vary": [
            {
                "group": "Learning rate",
                "rows": [{"label": "default"}]
                + [{"label": f"lr {lr}", "set": {"learning_rate": lr}} for lr in (0.1, 0.05, 0.02, 0.2)[: rows - 1]],
            }
        ],
    }
    spec.update(extra or {})
    return spec


class FakeExecutor:
    """An executor that answers each trial at once, without training: `accuracy(spec)` gives its test accuracy,
    `metrics(spec)` its other metrics (none by default), and every trial 'takes' `wall_s`. `ran` lists the keys it
    answered, in order."""

    name, slots = "fake", 2

    def __init__(self, accuracy, wall_s: float = 10.0, metrics=lambda spec: {}):
        self.accuracy, self.wall_s, self.metrics = accuracy, wall_s, metrics
        self.pending, self.ran = [], []

    def submit(self, spec):
        self.pending.append(spec)

    def next_done(self, timeout_s):
        done, self.pending = self.pending, []
        return [self._outcome(s) for s in done]

    def _outcome(self, spec):
        self.ran.append(spec.key)
        result = TrialResult(key=spec.key, state="complete", test_loss=0.1, test_accuracy=float(self.accuracy(spec)),
                             history={}, metrics=self.metrics(spec), wall_time_s=self.wall_s, fit_time_s=0.9 * self.wall_s,
                             backend="fake", versions={})
        return Outcome(key=spec.key, result=result, error=None, worker_wall_s=self.wall_s, pid=1)

    def close(self):
        pass
