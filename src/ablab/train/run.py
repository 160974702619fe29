"""run_trial(): seed, load data, build, fit, evaluate, optionally save. It never writes the store; callers do."""

from __future__ import annotations

import math
import platform
import time
from importlib import metadata
from pathlib import Path

import keras
import numpy as np

from ablab.data.transforms import permute_pixels, pixel_permutation
from ablab.models import build_model
from ablab.models.geron import permute_input_rows
from ablab.precision import keras_precision, resolve_precision
from ablab.models.config import TrialConfig
from ablab.models.layers import loss_name, make_optimizer
from ablab.train.spec import TrialResult, TrialSpec

BACKEND_DISTRIBUTIONS = {"tensorflow": ("tensorflow-cpu", "tensorflow"), "jax": ("jax",), "torch": ("torch",)}


def library_versions() -> dict:
    """Versions that can change a result: python, numpy, keras, the backend, ablab."""
    import ablab

    versions = {"python": platform.python_version(), "numpy": np.__version__, "keras": keras.__version__}
    versions["ablab"] = ablab.__version__
    for dist in BACKEND_DISTRIBUTIONS.get(keras.backend.backend(), ()):
        try:
            versions[keras.backend.backend()] = metadata.version(dist)
            break
        except metadata.PackageNotFoundError:
            continue
    return versions


def load_trial_data(config: TrialConfig, *, data_dir: Path | None):
    """The dataset's splits, pixel-permuted and subset as the config says."""
    from ablab.data import load_dataset

    splits = load_dataset(config.dataset, cache_dir=data_dir)
    if config.permutation_seed is not None:
        splits = permute_pixels(splits, config.permutation_seed)
    return splits


def _targets(labels: np.ndarray, config: TrialConfig, num_classes: int) -> np.ndarray:
    if config.labels == "sparse":
        return labels
    return np.eye(num_classes, dtype="float32")[labels]  # one-hot (N, num_classes)


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def compile_model(config: TrialConfig, num_classes: int = 10) -> keras.Model:
    """Build and compile the trial's model (optimizer, loss, accuracy, steps_per_execution)."""
    with keras_precision(getattr(config, "precision", "float32")):
        model = build_model(config, num_classes=num_classes)
    model.compile(
        optimizer=make_optimizer(config),
        loss=loss_name(config),
        metrics=["accuracy"],
        steps_per_execution=config.steps_per_execution,
    )
    return model


class EpochTimer(keras.callbacks.Callback):
    """Wall seconds of each epoch's training steps (validation excluded), for throughput figures.

    Only epoch-level hooks: a per-batch hook makes Keras sync every step, which costs the MLP ~30% throughput.
    Validation starts with on_test_begin, which marks the end of the epoch's training steps.
    """

    def __init__(self):
        super().__init__()
        self.epoch_time_s: list[float] = []
        self._start: float | None = None

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_test_begin(self, logs=None):
        self._stop_clock()

    def on_epoch_end(self, epoch, logs=None):
        self._stop_clock()

    def _stop_clock(self):
        if self._start is not None:
            # JAX dispatches steps asynchronously: without waiting for the last step's result the clock would
            # stop when the epoch's steps were queued, not done (a 10 s epoch timed as 0.02 s)
            keras.ops.convert_to_numpy(self.model.optimizer.iterations)
            self.epoch_time_s.append(time.perf_counter() - self._start)
            self._start = None


class StopOnNonFiniteLoss(keras.callbacks.Callback):
    """Stop training after an epoch whose loss is NaN/inf (the trial is then stored as diverged).

    Checked per epoch rather than per batch (keras's TerminateOnNaN) to keep the training loop free of host syncs.
    """

    def on_epoch_end(self, epoch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            self.model.stop_training = True


def _first(x: np.ndarray, y: np.ndarray, n: int | None) -> tuple[np.ndarray, np.ndarray]:
    return (x, y) if n is None else (x[:n], y[:n])


def fit_and_evaluate(model: keras.Model, config: TrialConfig, splits, *, verbose: int) -> tuple[dict, float, float]:
    """Train with validation curves, stop after the first non-finite epoch loss, evaluate on test.

    Returns (history: metric -> per-epoch list, plus "epoch_time_s", test_loss, test_accuracy).
    """
    x_train, y_train = _first(splits.x_train, splits.y_train, config.train_subset)
    x_valid, y_valid = _first(splits.x_valid, splits.y_valid, config.valid_subset)
    x_test, y_test = _first(splits.x_test, splits.y_test, config.test_subset)
    fit = model.fit(
        x_train,
        _targets(y_train, config, 10),
        validation_data=(x_valid, _targets(y_valid, config, 10)),
        batch_size=config.batch_size,
        epochs=config.epochs,
        callbacks=[StopOnNonFiniteLoss(), timer := EpochTimer()],
        verbose=verbose,
    )
    history = {name: [float(v) for v in values] for name, values in fit.history.items()}
    history["epoch_time_s"] = timer.epoch_time_s
    test_loss, test_accuracy = model.evaluate(
        x_test, _targets(y_test, config, 10), batch_size=max(config.batch_size, 256), verbose=0
    )
    return history, float(test_loss), float(test_accuracy)


def _diverged(history: dict, test_loss: float) -> bool:
    losses = history.get("loss", [])
    return not _finite(test_loss) or any(not _finite(v) for v in losses)


def run_trial(
    spec: TrialSpec,
    *,
    data_dir: Path | None = None,
    model_dir: Path | None = None,
    verbose: int = 0,
    device: str | None = None,
) -> TrialResult:
    """Run one trial from a fixed seed. NaN/inf loss gives state 'diverged' with the metrics kept.

    `device` is recorded with the result ("cpu" or the GPU's model); the entry point that chose the backend
    detects it (ablab.studies.worker.detect_device), since naming the device needs the backend's own API.
    """
    if spec.config.task == "clock":
        result = run_clock_trial_spec(spec, data_dir=data_dir, model_dir=model_dir, verbose=verbose)
        result.device = device
        return result
    start = time.perf_counter()
    keras.utils.set_random_seed(spec.seed)
    splits = load_trial_data(spec.config, data_dir=data_dir)
    model = compile_model(spec.config)
    if spec.config.init_permuted:  # common random numbers with the unpermuted run of this seed (TrialConfig)
        permute_input_rows(model, pixel_permutation(spec.config.permutation_seed))
    fit_start = time.perf_counter()
    history, test_loss, test_accuracy = fit_and_evaluate(model, spec.config, splits, verbose=verbose)
    fit_time_s = time.perf_counter() - fit_start
    model_path = None
    if model_dir is not None:
        model_path = str(Path(model_dir) / f"{spec.key}.keras")
        Path(model_dir).mkdir(parents=True, exist_ok=True)
        model.save(model_path)
    state = "diverged" if _diverged(history, test_loss) else "complete"
    return TrialResult(
        key=spec.key,
        state=state,
        test_loss=test_loss if _finite(test_loss) else None,
        test_accuracy=test_accuracy,
        history=_json_safe(history),
        metrics={"test_loss": test_loss if _finite(test_loss) else str(test_loss), "test_accuracy": test_accuracy,
                 "precision": resolve_precision(spec.config.precision)},
        wall_time_s=time.perf_counter() - start,
        fit_time_s=fit_time_s,
        backend=keras.backend.backend(),
        versions=library_versions(),
        model_path=model_path,
        device=device,
    )


def _json_safe(history: dict) -> dict:
    """NaN/inf are not JSON: store them as None so the curves keep their length."""
    return {k: [v if _finite(v) else None for v in values] for k, values in history.items()}


def run_clock_trial_spec(spec: TrialSpec, *, data_dir: Path | None, model_dir: Path | None,
                         verbose: int) -> TrialResult:
    """A clock-reader trial (ablab.clock.read.train), in the same TrialResult shape; its metrics are the CSE summary."""
    from ablab.clock.read.train import run_clock_trial

    start = time.perf_counter()
    model_path = None if model_dir is None else Path(model_dir) / f"{spec.key}.keras"
    out = run_clock_trial(spec.config, spec.seed, data_dir=Path(data_dir or "."), model_path=model_path,
                          progress=verbose > 0)
    metrics = out["metrics"]
    test_loss = metrics.get("test_loss")
    return TrialResult(
        key=spec.key,
        state="complete" if _finite(test_loss) else "diverged",
        test_loss=test_loss if _finite(test_loss) else None,
        test_accuracy=metrics.get("hour_accuracy"),
        history=_json_safe(out["history"]),
        metrics=metrics,
        wall_time_s=time.perf_counter() - start,
        fit_time_s=metrics.get("train_time_s", 0.0),
        backend=keras.backend.backend(),
        versions=library_versions(),
        model_path=None if model_path is None else str(model_path),
        artifacts=out.get("artifacts", {}),
    )
