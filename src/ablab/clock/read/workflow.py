"""What `ablab clock train` does, as one library call (train_clock_reader): train a reader on a clock directory, or
adapt one to a directory with labels only; score it, save it and record it in the store (ablab.clock.read.registry).

A directory made by `ablab clock generate` carries landmarks: a reader is trained on it from scratch (its config
built by ablab.models.config.make_config, as every trial's is). One in the report's format (images.npy, labels.npy)
has labels only: the reader there is (`--from`, else the best recorded, else the shipped one) is adapted to it from
its labels (ablab.clock.read.adapt), scored on the test split before and after.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ablab.clock.data.dataset import load
from ablab.clock.data.parts import ClockArrays
from ablab.clock.read.adapt import adapt_reader, check_adaptable
from ablab.clock.read.checkpoint import checkpoint_folder, discard_checkpoint
from ablab.clock.read.config import BEST_ENCODING, ClockTrialConfig, best_config, full_config
from ablab.clock.read.encodings import ENCODINGS
from ablab.clock.read.reader import Reader, images_for, load_reader
from ablab.clock.read.registry import best_model_path, record_model, reader_name
from ablab.clock.read.train import evaluate_reader, train_reader, validation_threshold
from ablab.errors import AblabError
from ablab.models.config import make_config

Say = Callable[[str], None]  # where a long call says what it is doing (the command: stderr)


@dataclass(frozen=True)
class ClockTrainRequest:
    """Everything `ablab clock train` is asked: the data, the store to record in, and the training's knobs (None:
    the defaults the docs measured; see train_clock_reader)."""

    data: Path
    store_path: Path
    encoding: str | None = None
    epochs: int | None = None
    arch: str | None = None
    sets: dict = field(default_factory=dict)  # ClockTrialConfig fields set by hand (--set)
    out: Path | None = None
    seed: int = 0
    split_seed: int = 0
    restart: bool = False  # training from scratch: discard the checkpoint an interrupted training left, not resume it
    minutes: float = 30.0  # adapting: the time budget (wall-clock minutes, cutting the dials included)
    parent: Path | None = None  # adapting: the reader to adapt


@dataclass(frozen=True)
class TrainedReader:
    """A reader trained from scratch: where it was saved, its config and its test figures (train.train_reader)."""

    out: Path
    config: ClockTrialConfig
    metrics: dict


@dataclass(frozen=True)
class AdaptedReader:
    """A reader adapted from labels: the reader it started from, where it was saved, its test figures before
    ("before") and after adapting (`metrics`, with its threshold and "train_time_s"), and adapt_reader's facts."""

    parent: Path
    out: Path
    before: dict
    metrics: dict
    info: dict


def train_clock_reader(request: ClockTrainRequest, say: Say = lambda _: None) -> TrainedReader | AdaptedReader:
    """Train a reader on the train split of request.data (split 80/10/10 by split_seed), or adapt one when the data
    has labels only and no encoding is asked for; save it and record it in the store at request.store_path."""
    arrays = load(request.data, seed=request.split_seed)
    frame = arrays.train.frame
    if request.encoding is None and (frame is None or frame.landmarks is None):
        return adapt_to_labels(request, arrays, say)
    if request.parent is not None:
        raise AblabError(f"--from {request.parent}: only a reader adapted to labels-only data starts from another "
                         f"reader; {request.data} has landmarks, so a reader is trained on it from scratch "
                         "(drop --from)")
    config = clock_train_config(request, image_size=int(arrays.train.images.shape[1]))
    name = f"clock-{config.encoding}-{config.model}-seed{request.seed}.keras"
    out = _reader_file(request.out or request.store_path.parent / "models" / name)
    folder = checkpoint_folder(out)  # a rerun after a kill resumes from it (train_reader)
    if request.restart:
        discard_checkpoint(folder)
    result = train_reader(config, request.seed, arrays, model_path=out, progress=True, checkpoint=folder, say=say)
    record_model(request.store_path, out, config.encoding, result["metrics"])
    return TrainedReader(out, config, result["metrics"])


def clock_train_config(request: ClockTrainRequest, *, image_size: int) -> ClockTrialConfig:
    """The config `clock train` trains: the best reader's for landmarks, the full profile's for any other encoding
    (the settings the docs measured; not its extra test sets), then the request's encoding, epochs, arch and sets."""
    encoding = request.encoding or BEST_ENCODING
    base = best_config() if encoding == BEST_ENCODING else full_config(encoding) if encoding in ENCODINGS else None
    overrides = {"encoding": encoding, "image_size": image_size, **request.sets}
    if request.epochs is not None:
        overrides["epochs"] = request.epochs
    if request.arch is not None:
        overrides["model"] = request.arch
    base = None if base is None else base.model_copy(update={"eval_presets": ()})
    return make_config(overrides, where="clock config", base=base, config_class=ClockTrialConfig)


def adapt_to_labels(request: ClockTrainRequest, arrays: ClockArrays, say: Say = lambda _: None) -> AdaptedReader:
    """Adapt request.parent, else the best reader there is (yours, else the shipped one), to the design of
    `arrays` (request.data split) from its labels alone (adapt.adapt_reader, within request.minutes); score its
    test split before and after (read without the search: the adapted reader's threshold, which would start it,
    is chosen only after adapting, on the validation split), save it and record it."""
    if request.minutes <= 0:
        raise AblabError(f"--minutes {request.minutes}: give the adaptation's time budget, e.g. --minutes 30")
    path = request.parent or best_model_path(request.store_path)
    reader = load_reader(path)
    check_adaptable(reader, path)
    name = f"clock-adapted-{Path(request.data).name}-seed{request.seed}.keras"
    out = _reader_file(request.out or request.store_path.parent / "models" / name)
    data = request.data
    test_x = images_for(reader, arrays.test.images, f"{data} (test split)")
    say(f"{data} has labels only: adapting {reader_name(path)} to it from its labels ({request.minutes:g} min); "
        f"first scoring it on the {len(test_x)} test images")
    before = evaluate_reader(reader, test_x, arrays.test.labels, show_bar=True)
    valid_x = images_for(reader, arrays.valid.images, f"{data} (validation split)")
    train_x = images_for(reader, arrays.train.images, f"{data} (train split)")
    model, info = adapt_reader(reader, train_x, arrays.train.labels, budget_s=60 * request.minutes,
                               seed=request.seed, valid=(valid_x, arrays.valid.labels), show_bar=True)
    curve = ", ".join(f"{v:.1f}" for v in info["valid_mean_cse_min"])
    say(f"validation mean error (min; read as `read` reads), before and after each part: {curve}")
    adapted = Reader.of(model)
    after = evaluate_reader(adapted, test_x, arrays.test.labels, show_bar=True)
    metrics = {**after, "train_time_s": info["wall_s"]}
    threshold = validation_threshold(adapted, valid_x, arrays.valid.labels, show_bar=True)
    if threshold is not None:
        metrics["uncertain_below"] = threshold
    out.parent.mkdir(parents=True, exist_ok=True)
    model.save(out)
    record_model(request.store_path, out, "landmarks", metrics)
    return AdaptedReader(Path(path), out, before, metrics, info)


def _reader_file(out: Path) -> Path:
    """out, if it names a .keras file (how a reader is saved); else AblabError naming --out."""
    if Path(out).suffix != ".keras":
        raise AblabError(f"--out {out}: a reader is saved as a .keras file")
    return Path(out)
