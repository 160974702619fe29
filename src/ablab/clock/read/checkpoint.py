"""Resumable training of a clock reader: after every finished epoch of a stage, what continues it exactly, kept in
a folder next to the reader being trained (`<out>.ckpt/`, checkpoint_folder), so that `ablab clock train` run
again after a kill continues from the last finished epoch of the stage it was in, and a finished stage is not
trained again.

What an epoch's save holds: the network's weights and its optimizer's state (one `model.save_weights` file; the
optimizer's step counter is where its learning-rate schedule stands), the variables save_weights leaves out (the
augmentation layers' seed-generator states: without them a resumed run would augment its next epochs as the first
ones), the state of the training batches (their shuffle order and random generators: train.py's PyDataset),
the epochs finished, the learning curves so far and the stage's training time. The stages keep no best-on-
validation weights (they train a fixed recipe), so there are none to save.

Why not keras.callbacks.BackupAndRestore (Keras 3.15, read for this): it writes the weights and the epoch counter
in place, one after the other, so a kill during or between the writes leaves a truncated file or a counter that
disagrees with the weights; it counts epochs inside one `fit` call, while the polar stage calls `fit` once per epoch
(its two sets of strips take turns) and a finished `fit` deletes the backup; it saves no seed-generator state; and it
records nothing of what it trained, so a rerun with another config would silently continue the wrong training.

Layout and atomicity: `checkpoint.json` (the manifest) names, per stage, the folder of its last saved epoch
(`<stage>-e<E>/`). An epoch is written into a temporary folder, renamed to its own name, and only then is the
manifest replaced (written to a temporary file, os.replace): a kill at any point leaves a manifest that names a
complete folder. What no manifest names (temporary folders, older epochs) is removed when the folder is opened.
The manifest also holds the fingerprint of the training (config, seed, data): a rerun that differs is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from ablab.errors import AblabError

MANIFEST = "checkpoint.json"
WEIGHTS = "model.weights.h5"  # keras needs this suffix to write weights (and the optimizer's state) as HDF5
EXTRA = "extra.npz"  # the variables save_weights leaves out, and the batches' shuffle order
TMP_PREFIX = ".tmp-"
PYTHON_RANDOM = "python_random"  # StageState.data's key for random.getstate()

Say = Callable[[str], None]


def checkpoint_folder(model_path: Path) -> Path:
    """Where a reader saved to model_path keeps its checkpoint while it trains: `<model_path>.ckpt/` beside it."""
    model_path = Path(model_path)
    return model_path.with_name(model_path.name + ".ckpt")


def discard_checkpoint(folder: Path) -> None:
    """Remove the checkpoint an interrupted training left in folder (`clock train --restart`), if any."""
    shutil.rmtree(folder, ignore_errors=True)


def data_digest(*arrays: np.ndarray) -> str:
    """A BLAKE2b digest of the arrays' shapes, types and bytes (the training data, told apart without a copy:
    0.64 s for 19,200 training and 2,400 validation images of 150 px and their labels on a 2-core AMD EPYC)."""
    digest = hashlib.blake2b(digest_size=16)
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(memoryview(array).cast("B"))
    return digest.hexdigest()


@dataclass
class StageState:
    """What a stage had done when it was last saved: epochs finished, finished as a whole, its learning curves
    ({name: one value per epoch}) and its training wall time in s over every run."""

    epochs_done: int = 0
    done: bool = False
    history: dict[str, list[float]] = field(default_factory=dict)
    wall_s: float = 0.0
    data: dict = field(default_factory=dict)  # the training batches' random generators (data_state), JSON-able
    order: np.ndarray | None = None  # the training batches' shuffle order (data_state), kept beside the weights

    def record(self, logs: dict) -> None:
        """One more epoch finished, with its logs ({name: value}) appended to the curves."""
        self.epochs_done += 1
        for key, value in logs.items():
            self.history.setdefault(key, []).append(float(value))


class TrainingCheckpoint:
    """The checkpoint folder of one training (`open_checkpoint` makes one); `stage(name, title)` gives the handle a
    stage's training loop restores from and saves to."""

    def __init__(self, folder: Path, fingerprint: dict, manifest: dict, say: Say):
        self.folder, self.fingerprint, self._manifest, self.say = Path(folder), fingerprint, manifest, say

    def stage(self, name: str, title: str) -> StageCheckpoint:
        return StageCheckpoint(self, name, title)

    def state(self, name: str) -> StageState | None:
        """The stage's last saved state, or None when it saved none."""
        entry = self._manifest["stages"].get(name)
        return None if entry is None else StageState(entry["epochs_done"], entry["done"], entry["history"],
                                                     entry["wall_s"], entry.get("data", {}))

    def epoch_folder(self, name: str) -> Path:
        return self.folder / self._manifest["stages"][name]["dir"]

    def save(self, name: str, model, state: StageState, extra: dict[str, np.ndarray]) -> None:
        """Write the stage's epoch atomically (the module's docstring), then drop the epoch it replaces."""
        self.folder.mkdir(parents=True, exist_ok=True)
        final = self.folder / f"{name}-e{state.epochs_done}"
        tmp = self.folder / f"{TMP_PREFIX}{final.name}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        model.save_weights(tmp / WEIGHTS)
        np.savez(tmp / EXTRA, **extra)
        for path in (tmp / WEIGHTS, tmp / EXTRA):  # on disk before any name points to them (a crash, not only a kill)
            _fsync(path)
        shutil.rmtree(final, ignore_errors=True)  # only a folder no manifest names (a run killed after its rename)
        os.replace(tmp, final)
        old = self._manifest["stages"].get(name, {}).get("dir")
        entry = {"dir": final.name, "epochs_done": state.epochs_done, "done": state.done,
                 "history": state.history, "wall_s": state.wall_s, "data": state.data}
        self._manifest["stages"][name] = entry
        _write_json_atomically(self.folder / MANIFEST, self._manifest)
        if old and old != final.name:
            shutil.rmtree(self.folder / old, ignore_errors=True)

    def mark_done(self, name: str) -> None:
        """The stage's last saved epoch is its end: a rerun loads it and trains the stage no more."""
        self._manifest["stages"][name]["done"] = True
        _write_json_atomically(self.folder / MANIFEST, self._manifest)

    def remove(self) -> None:
        """The training is saved as a reader: its checkpoint is no longer needed."""
        discard_checkpoint(self.folder)


def open_checkpoint(folder: Path, fingerprint: dict, *, say: Say = lambda _: None) -> TrainingCheckpoint:
    """The checkpoint in `folder` (a new one when there is none); AblabError naming the folder and the fix when it
    was written by a training with another fingerprint. Leftovers no manifest names are removed."""
    folder = Path(folder)
    manifest_path = folder / MANIFEST
    if not manifest_path.exists():
        shutil.rmtree(folder, ignore_errors=True)  # at most a first epoch killed before its manifest was written
        return TrainingCheckpoint(folder, fingerprint, {"fingerprint": fingerprint, "stages": {}}, say)
    try:
        manifest = json.loads(manifest_path.read_text())
        stages = {entry["dir"] for entry in manifest["stages"].values()}
    except (ValueError, KeyError, TypeError, AttributeError) as err:  # written by no run of this module
        raise AblabError(f"{manifest_path}: not a checkpoint this version reads ({err}); start afresh with --restart "
                         f"(or delete {folder})") from None
    if manifest.get("fingerprint") != fingerprint:
        changes = "; ".join(fingerprint_changes(manifest.get("fingerprint") or {}, fingerprint))
        raise AblabError(f"{folder} holds an interrupted training with another config or data ({changes}): rerun "
                         "with the options and data it was started with to resume it, or start afresh with "
                         f"--restart (or delete {folder})")
    for path in folder.iterdir():
        if path.is_dir() and path.name not in stages:
            shutil.rmtree(path, ignore_errors=True)
        elif path.is_file() and path.name != MANIFEST:
            path.unlink()
    return TrainingCheckpoint(folder, fingerprint, manifest, say)


def fingerprint_changes(old: dict, new: dict, prefix: str = "") -> list[str]:
    """The fields where two fingerprints differ, as "key: old → new" (nested keys joined by dots)."""
    changes = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            changes += fingerprint_changes(a, b, f"{prefix}{key}.")
        elif a != b:
            changes.append(f"{prefix}{key}: {a} → {b}")
    return changes


def _fsync(path: Path) -> None:
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


def _write_json_atomically(path: Path, content: dict) -> None:
    tmp = path.with_name(TMP_PREFIX + path.name)
    with open(tmp, "w") as f:
        json.dump(content, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class StageCheckpoint:
    """One stage's part of a TrainingCheckpoint: `restore(model)` before its first epoch, `save(model, state)` after
    each finished one. `title` names the stage to the user ("stage 1/2: clock-lm-polar")."""

    def __init__(self, checkpoint: TrainingCheckpoint, name: str, title: str):
        self.checkpoint, self.name, self.title = checkpoint, name, title

    def restore(self, model, epochs: int) -> StageState:
        """Load the stage's last saved epoch into model (compiled: its optimizer is built first, so that its state
        loads too) and say so; a StageState of nothing done when there is none."""
        state = self.checkpoint.state(self.name)
        if state is None:
            return StageState()
        if model.optimizer is not None and not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
        folder = self.checkpoint.epoch_folder(self.name)
        model.load_weights(folder / WEIGHTS)
        with np.load(folder / EXTRA) as extra:
            _assign_unsaved(model, [extra[f"var{i}"] for i in range(len(_unsaved_variables(model)))])
            state.order = extra["order"] if "order" in extra else None
        if state.done:
            self.checkpoint.say(f"{self.title}: finished in an earlier run ({state.epochs_done} epochs), not "
                                "trained again")
        else:
            self.checkpoint.say(f"resuming {self.title} at epoch {state.epochs_done + 1} of {epochs}")
        return state

    def save(self, model, state: StageState) -> None:
        """Save the epoch state says is finished (its weights: model's now)."""
        extra = {f"var{i}": np.asarray(v) for i, v in enumerate(_unsaved_variables(model))}
        if state.order is not None:
            extra["order"] = np.asarray(state.order)
        self.checkpoint.save(self.name, model, state, extra)

    def finish(self) -> None:
        """The stage trained all its epochs: a rerun loads its last epoch and does not train it again."""
        self.checkpoint.mark_done(self.name)

    def saved_epochs(self) -> int:
        state = self.checkpoint.state(self.name)
        return 0 if state is None else state.epochs_done


def _unsaved_variables(model) -> list:
    """model's variables that model.save_weights leaves out (Keras 3.15: the seed generators' states)."""
    saved = {id(v) for v in model.weights}
    return [v for v in model.variables if id(v) not in saved]


def _assign_unsaved(model, values: list[np.ndarray]) -> None:
    for variable, value in zip(_unsaved_variables(model), values):
        variable.assign(value)


# ---------------------------------------------------------------- the training batches' state (train.make_batches)


def epoch_recorder(state: StageState, model, batches, *, checkpoint: StageCheckpoint | None,
                   epoch_values: Callable[[], dict] = dict):
    """A Keras callback for one `fit` over `batches` (a PyDataset of ablab.clock.read.batches): after each epoch, its
    logs and epoch_values() go into state's curves and, with a checkpoint, the epoch is saved (model's weights and
    optimizer, the batches' state, and Python's `random`, with which Keras 3.15 shuffles the order of a PyDataset's
    batches in each epoch). A resumed state's batches state is put back at the start of training: after `fit` has
    drawn its first batches to learn their shapes and reset the batches (a reshuffle), as the run it continues had."""
    import keras

    class Recorder(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.start_s, self.before_s = time.perf_counter(), state.wall_s
            if state.epochs_done:
                restore_data_state(batches, state.data, state.order)
                random.setstate(_as_tuples(state.data[PYTHON_RANDOM]))

        def on_epoch_end(self, epoch, logs=None):
            state.record({**(logs or {}), **epoch_values()})
            state.wall_s = self.before_s + time.perf_counter() - self.start_s
            state.data, state.order = data_state(batches)
            state.data[PYTHON_RANDOM] = random.getstate()  # the next epoch's batch order: not drawn yet
            if checkpoint is not None:
                checkpoint.save(model, state)

    return Recorder()


def _as_tuples(value):
    """A random.getstate() read back from JSON (lists) → the nested tuples random.setstate takes."""
    return tuple(_as_tuples(v) for v in value) if isinstance(value, (list, tuple)) else value


def data_state(batches) -> tuple[dict, np.ndarray | None]:
    """A PyDataset of ablab.clock.read.batches → (its random generators' states, JSON-able; its shuffle order)."""
    generators = {name: getattr(batches, name, None) for name in ("rng", "flip_rng")}
    states = {name: None if g is None else g.bit_generator.state for name, g in generators.items()}
    order = getattr(batches, "order", None)
    return states, None if order is None else np.array(order)


def restore_data_state(batches, states: dict, order: np.ndarray | None) -> None:
    """Put a state data_state took back into batches (made alike: same part, batch size and seed)."""
    for name, state in states.items():
        generator = getattr(batches, name, None)
        if state is not None and generator is not None:
            generator.bit_generator.state = state
    if order is not None:
        batches.order = np.array(order)
