"""Train and evaluate one clock reader: `run_clock_trial(config, seed, ...)` → metrics and learning curves.

The trial generates (or reuses, cached under data_dir) `n_images` clocks of the config's preset, splits them
80/10/10, trains the encoding's heads on a CNN from `ablab.clock.read.networks` with augmentation in the training graph,
and scores decoded times on the test split with the common-sense error (`ablab.clock.read.metrics.summarize`).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Callable

import numpy as np

from ablab.clock.data.parts import ClockArrays
from ablab.clock.data.sets import clock_data, preset_test_set
from ablab.clock.read.batches import augmenter, make_batches
from ablab.clock.read.checkpoint import StageState, TrainingCheckpoint, data_digest, epoch_recorder, open_checkpoint
from ablab.clock.read.config import ClockTrialConfig
from ablab.clock.read.encodings import get_encoding, keras_loss
from ablab.clock.read.metrics import MISTAKES_ARTIFACT, cse_minutes, mistakes_npz, summarize, uncertain_threshold
from ablab.clock.read.networks import build_clock_model, get_arch, parse_model_name
from ablab.clock.read.reader import Reader
from ablab.clock.read.stage_bar import StageBar
from ablab.clock.read.stages import get_stage, stage_steps, two_stage_model
from ablab.errors import AblabError
from ablab.precision import keras_precision, resolve_precision

Progress = bool | Callable[[dict], None]
Say = Callable[[str], None]  # where a long call says what it is doing (the command: stderr)
CSE_CURVE = "val_mean_cse_min"  # the history's validation curve in decoded minutes (_CseCurve)


def run_clock_trial(
    config: ClockTrialConfig, seed: int, *, data_dir: Path, model_path: Path | None = None, progress: Progress = False
) -> dict:
    """Train config's reader with `seed` on data cached under data_dir; save it to model_path if given.

    Returns {"metrics": {evaluate fields, "test_loss", "train_time_s", "samples_per_s", per extra preset ...},
    "history": {"loss": [...], "val_loss": [...], "val_mean_cse_min": [...], ...},
    "artifacts": {"clock-errors": npz bytes of the test errors and worst readings (ablab.clock.read.metrics)}}.
    """
    data = clock_data(config.preset, config.n_images, size=config.image_size, seed=config.data_seed,
                      data_dir=Path(data_dir))
    extra = {p: preset_test_set(p, config, data_dir=Path(data_dir)) for p in config.eval_presets}
    return train_reader(config, seed, data, model_path=model_path, progress=progress, extra_tests=extra)


def train_reader(config: ClockTrialConfig, seed: int, data: ClockArrays, *, model_path: Path | None = None,
                 progress: Progress = False, extra_tests: dict | None = None, checkpoint: Path | None = None,
                 say: Say = lambda _: None) -> dict:
    """Fit on data.train (validating on data.valid), score data.test and each extra test set; save if asked.

    checkpoint: a folder (checkpoint.checkpoint_folder) where every finished epoch of each stage is saved, so that
    the same call after a kill continues from there (say tells the user where it resumes); removed once the reader
    is saved. A folder written by a training with another config, seed or data is refused (AblabError)."""
    import keras

    keras.utils.set_random_seed(seed)
    encoding = get_encoding(config.encoding)
    with keras_precision(config.precision):
        reader = build_clock_model(config.model, config.image_size, config.encoding)
    saved = None if checkpoint is None else open_checkpoint(checkpoint, _fingerprint(config, seed, data), say=say)
    trainer, points = _train_points(reader, config, seed, data, progress, saved)
    second_s = 0.0
    if get_arch(config.model).second_stage:
        reader, second_s = _with_second_stage(reader, config, seed, data, progress is True, saved)
    reading = Reader.of(reader)
    test_pred, _ = read_all(reading, data.test.images, progress is True)  # once: metrics and worst readings
    metrics = summarize(data.test.labels, test_pred)
    threshold = validation_threshold(reading, data.valid.images, data.valid.labels, progress is True)
    if threshold is not None:  # `read` and `evaluate` use it (registry.recorded_threshold)
        metrics["uncertain_below"] = threshold
    test = make_batches(data.test, encoding, batch_size=256, seed=None)
    metrics["test_loss"] = float(np.atleast_1d(trainer.evaluate(test, verbose=0))[0])
    metrics["train_time_s"] = points.wall_s + second_s  # both networks, over every run of a resumed training
    metrics["second_stage_time_s"] = second_s
    metrics["precision"] = resolve_precision(config.precision)
    metrics["samples_per_s"] = len(data.train.images) * config.epochs / points.wall_s
    for preset, arrays in (extra_tests or {}).items():
        metrics[preset] = evaluate_reader(reading, arrays.images, arrays.labels)
    if model_path is not None:
        Path(model_path).parent.mkdir(parents=True, exist_ok=True)
        reader.save(model_path)
    if saved is not None:
        saved.remove()
    artifacts = {MISTAKES_ARTIFACT: mistakes_npz(data.test.labels, test_pred, data.test.images)}
    return {"metrics": metrics, "history": points.history, "artifacts": artifacts}


def _fingerprint(config: ClockTrialConfig, seed: int, data: ClockArrays) -> dict:
    """What a checkpoint must have been written by to be resumed: the config, the seed, each stage's epochs and the
    training and validation data (a digest of their images and labels: another split or data set differs)."""
    arch = get_arch(config.model)
    return {"config": config.model_dump(mode="json"), "seed": seed,
            "epochs": {"points": config.epochs, arch.second_stage or "second": arch.second_epochs},
            "data": data_digest(data.train.images, data.train.labels, data.valid.images, data.valid.labels)}


def _train_points(reader, config: ClockTrialConfig, seed: int, data: ClockArrays, progress: Progress,
                  saved: TrainingCheckpoint | None):
    """(the training model, the first stage's StageState): reader trained on data.train under a stage bar,
    resumed from and saved to `saved` when given; a stage finished in an earlier run is loaded, not trained."""
    encoding = get_encoding(config.encoding)
    trainer = _training_model(reader, config, seed, encoding)
    steps = math.ceil(len(data.train.images) / config.batch_size) * config.epochs
    trainer.compile(optimizer=_optimizer(config, steps), loss={h.name: keras_loss(h) for h in encoding.heads})
    title = f"stage 1/{2 if get_arch(config.model).second_stage else 1}: {config.model}"
    stage = None if saved is None else saved.stage("points", title)
    state = StageState() if stage is None else stage.restore(trainer, config.epochs)
    if state.done:
        return trainer, state
    train = make_batches(data.train, encoding, batch_size=config.batch_size, seed=seed,
                         mirror_prob=config.augment.mirror_prob)
    valid = make_batches(data.valid, encoding, batch_size=256, seed=None)
    curve = _CseCurve(reader, data.valid, progress)
    curve.values = list(state.history.get(CSE_CURVE, []))
    record = epoch_recorder(state, trainer, train, checkpoint=stage, epoch_values=lambda: {CSE_CURVE: curve.values[-1]})
    with StageBar(title, epochs=config.epochs, steps_per_epoch=len(train), enabled=progress is True,
                  epochs_done=state.epochs_done) as bar:
        trainer.fit(train, validation_data=valid, initial_epoch=state.epochs_done, epochs=config.epochs,
                    callbacks=[curve, record, bar.callback()], verbose=0)
    if stage is not None:
        stage.finish()
    return trainer, state


def _with_second_stage(reader, config: ClockTrialConfig, seed: int, data: ClockArrays, show_bar: bool,
                       saved: TrainingCheckpoint | None):
    """(reader joined with its second stage trained on data.train, the stage's training wall time in s over every
    run), resumed from and saved to `saved` when given."""
    arch = get_arch(config.model)
    frame = data.train.frame
    if frame is None or frame.landmarks is None or not get_encoding(config.encoding).needs_landmarks:
        raise AblabError(f"clock model {config.model!r} trains a second stage ({arch.second_stage}) from the clocks' "
                         "landmarks: use it with encoding 'landmarks' on data made by `ablab clock generate`")
    stage = get_stage(arch.second_stage)
    with keras_precision(config.precision):
        net = stage.build()
    epochs, n = arch.second_epochs, len(data.train.images)
    stage.compile(net, steps=stage_steps(n, config.batch_size, epochs))
    title = f"stage 2/2: {arch.second_stage} reader"
    saving = None if saved is None else saved.stage(arch.second_stage, title)
    state = StageState() if saving is None else saving.restore(net, epochs)
    if not state.done:
        with StageBar(title, epochs=epochs, steps_per_epoch=stage_steps(n, config.batch_size, 1), enabled=show_bar,
                      epochs_done=state.epochs_done) as bar:
            stage.fit(net, data.train, state, epochs=epochs, seed=seed, batch_size=config.batch_size,
                      callbacks=[bar.callback()], checkpoint=saving)
        if saving is not None:
            saving.finish()
    return two_stage_model(reader, net), state.wall_s


def _training_model(reader, config: ClockTrialConfig, seed: int, encoding):
    """reader, preceded by the augmentation stack when there is one (the saved reader stays augmentation-free)."""
    import keras

    aug = augmenter(config.augment, seed, rotate_ok=encoding.rotation_invariant, shift_ok=encoding.shift_invariant)
    if aug is None:
        return reader
    inputs = keras.Input(reader.input_shape[1:], name="image")
    return keras.Model(inputs, reader(aug(inputs)), name="trainer")


def _optimizer(config: ClockTrialConfig, total_steps: int):
    """AdamW; cosine decay to 0 after a linear warm-up (a one-cycle-like schedule), or a constant rate."""
    import keras

    lr = config.lr
    if config.lr_schedule == "cosine":
        warmup = int(total_steps * config.warmup_epochs / config.epochs)
        lr = keras.optimizers.schedules.CosineDecay(
            0.0 if warmup else config.lr, max(1, total_steps - warmup), alpha=0.0,
            warmup_target=config.lr if warmup else None, warmup_steps=warmup,
        )
    return keras.optimizers.AdamW(learning_rate=lr, weight_decay=config.weight_decay)


EVAL_CHUNK = 256  # images per read when a bar is shown: a two-stage reader reads ~20 a second on 2 cores


def read_all(reader: Reader, images: np.ndarray, show_bar: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """reader.read(images), in chunks under a progress bar on stderr when show_bar (a two-stage reader takes a
    minute or two over a 2,400-image split); stdout stays the figures'."""
    if not show_bar:
        return reader.read(images)
    from rich.console import Console
    from rich.progress import Progress

    labels, confidence = [], []
    with Progress(transient=True, console=Console(stderr=True)) as bar:
        task = bar.add_task("reading the clocks", total=len(images))
        for start in range(0, len(images), EVAL_CHUNK):
            chunk_labels, chunk_confidence = reader.read(images[start : start + EVAL_CHUNK])
            labels.append(chunk_labels)
            confidence.append(chunk_confidence)
            bar.update(task, advance=len(chunk_labels))
    if not labels:
        return np.zeros((0, 2), np.int64), None
    return np.concatenate(labels), None if confidence[0] is None else np.concatenate(confidence)


def evaluate_reader(reader: Reader, images: np.ndarray, labels: np.ndarray, show_bar: bool = False) -> dict:
    """The `evaluate --json` fields for `reader` on images (N, S, S) with labels (N, 2)."""
    return summarize(labels, read_all(reader, images, show_bar)[0])


def validation_threshold(reader: Reader, images: np.ndarray, labels: np.ndarray,
                         show_bar: bool = False) -> float | None:
    """The confidence under which `read` calls this reader's readings "uncertain" (metrics.uncertain_threshold),
    chosen on validation clocks; None for a reader that states no confidence or reads none of them right."""
    read, confidence = read_all(reader, images, show_bar)
    if confidence is None or not len(read):
        return None
    try:
        return uncertain_threshold(confidence, cse_minutes(labels, read))
    except ValueError:  # no right reading: nothing to choose a threshold from
        return None


class _CseCurve:
    """Keras callback: the validation mean common-sense error after each epoch (a curve in decoded minutes)."""

    def __new__(cls, reader, valid, progress):
        import keras

        one_view = Reader(reader, parse_model_name(reader.name)[0])

        class Curve(keras.callbacks.Callback):
            def __init__(self):
                super().__init__()
                self.values: list[float] = []

            def on_epoch_end(self, epoch, logs=None):
                pred, _ = one_view.read(valid.images)  # one view, no second stage: 8× cheaper, inside the timed fit
                self.values.append(float(cse_minutes(valid.labels, pred).mean()))
                if callable(progress):
                    progress({"epoch": epoch + 1, **(logs or {}), "val_mean_cse_min": self.values[-1]})
                elif progress:
                    print(f"epoch {epoch + 1}: val mean CSE {self.values[-1]:.2f} min", flush=True)

        return Curve()
