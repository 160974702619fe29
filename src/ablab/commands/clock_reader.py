"""`ablab clock train|evaluate|read`: the clock reader's commands, added to the `clock` sub-app.

The commands are attached to `ablab.commands.clock.clock_app` when this module is imported (build_app imports every
group); `register(root)` has nothing left to do. Without --model, evaluate and read use the best reader recorded
next to the store (`runs/clock_models.json` for the default `--store runs/ablab.db`), else the reader that ships
with ablab (`ablab.clock.read.shipped`).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer

from ablab.commands._options import StoreOption, parse_sets
from ablab.commands.clock import clock_app
from ablab.errors import AblabError

ModelOption = typer.Option(None, "--model", help=(
    "A reader saved by `ablab clock train` (default: the best you trained, else the one that ships with ablab)."
))
JsonOption = typer.Option(False, "--json", help="Print JSON instead of a table.")
EVAL_FIELDS = ("n", "mean_cse_min", "median_cse_min", "within_1min", "within_5min", "hour_accuracy")


def register(root: typer.Typer) -> None:
    """Nothing to mount: the commands below joined `clock_app` at import."""


@clock_app.command("train")
def train_command(
    encoding: str = typer.Option(None, "--encoding", help=(
        "Label encoding (default: landmarks, the best reader, on data made by `ablab clock generate`; on data with "
        "labels only, the reader you have, else the shipped one, is adapted to it from the labels: see --minutes)."
    )),
    data: Path = typer.Option(..., "--data", help="Clock directory (images.npy, labels.npy), split 80/10/10."),
    epochs: int = typer.Option(None, "--epochs", help=(
        "Epochs of the (first-stage) network (default: the best reader's recipe for landmarks, its polar stage trained"
        " as its architecture says; 12 for other encodings)."
    )),
    out: Path = typer.Option(None, "--out", help="Where to save the reader (.keras; default runs/models/...)."),
    seed: int = typer.Option(0, "--seed", help="Training seed (the split is fixed by --split-seed)."),
    model: str = typer.Option(None, "--arch", help=(
        "Clock CNN: clock-lm-polar (the default for landmarks: the best reader, ~45 min on 2 cores), clock-lm (the "
        "default for other encodings), clock-quick, clock-kp, clock-base, clock-small, clock-tiny."
    )),
    sets: list[str] = typer.Option([], "--set", help="ClockTrialConfig override key=value (repeatable)."),
    split_seed: int = typer.Option(0, "--split-seed", help="Seed of the 80/10/10 split."),
    minutes: float = typer.Option(30.0, "--minutes", help=(
        "Adapting a reader from labels only: its time budget (wall-clock minutes, cutting the dials included)."
    )),
    parent: Path = typer.Option(None, "--from", help=(
        "Adapting a reader from labels only: the reader to adapt (a two-stage .keras file; default: the best you "
        "trained, else the shipped one)."
    )),
    store_path: Path = StoreOption,
) -> None:
    """Train a reader on DIR's train split, report its test split, save it and remember it as a candidate best.
    DIR with labels only (images.npy, labels.npy: the report's format) and no --encoding: adapt a reader instead."""
    from ablab.clock.data.dataset import load
    from ablab.clock.data.sets import from_splits
    from ablab.clock.read.config import BEST_ENCODING, ClockTrialConfig, best_config, full_config
    from ablab.clock.read.encodings import ENCODINGS
    from ablab.clock.read.reader import record_model
    from ablab.clock.read.train import train_reader

    data_arrays = from_splits(load(data, seed=split_seed))
    frame = data_arrays.train.frame
    if encoding is None and (frame is None or frame.landmarks is None):
        return _adapt(data, data_arrays, out, seed, minutes, store_path, parent)
    if parent is not None:
        raise AblabError(f"--from {parent}: only a reader adapted to labels-only data starts from another reader; "
                         f"{data} has landmarks, so a reader is trained on it from scratch (drop --from)")
    encoding = encoding or BEST_ENCODING
    # the settings the docs measured: the best reader for landmarks, the full profile's for any other encoding
    base = best_config() if encoding == BEST_ENCODING else full_config(encoding) if encoding in ENCODINGS else None
    overrides = {**(base.model_dump(exclude={"eval_presets"}) if base else {}), "encoding": encoding,
                 "image_size": int(data_arrays.train.images.shape[1]), **parse_sets(sets)}
    if epochs is not None:
        overrides["epochs"] = epochs
    if model is not None:
        overrides["model"] = model
    config = _make_config(ClockTrialConfig, overrides)
    out = out or store_path.parent / "models" / f"clock-{config.encoding}-{config.model}-seed{seed}.keras"
    if out.suffix != ".keras":
        raise AblabError(f"--out {out}: a reader is saved as a .keras file")
    result = train_reader(config, seed, data_arrays, model_path=out, progress=True)
    record_model(store_path.parent, out, config.encoding, _recorded(result["metrics"]))
    _print_metrics(result["metrics"], title=f"{config.encoding} on the test split of {data}")
    typer.echo(f"saved {out} (trained in {result['metrics']['train_time_s']:.0f} s)")


def _adapt(data: Path, arrays, out: Path | None, seed: int, minutes: float, store_path: Path,
           parent: Path | None) -> None:
    """Adapt `parent`, else the best reader there is (yours, else the shipped one), to DIR's design from its labels
    alone (ablab.clock.read.adapt); score its test split before and after, save and record the adapted reader."""
    from dataclasses import replace

    from ablab.clock.read.adapt import adapt_reader, check_adaptable
    from ablab.clock.read.reader import Reader, images_for, record_model
    from ablab.clock.read.train import evaluate_reader, validation_threshold

    if minutes <= 0:
        raise AblabError(f"--minutes {minutes}: give the adaptation's time budget, e.g. --minutes 30")
    path = parent or _best(store_path)
    reader, _ = _load(path, store_path)
    check_adaptable(reader, path)
    out = out or store_path.parent / "models" / f"clock-adapted-{Path(data).name}-seed{seed}.keras"
    if out.suffix != ".keras":
        raise AblabError(f"--out {out}: a reader is saved as a .keras file")
    test_x = images_for(reader, arrays.test.images, f"{data} (test split)")
    typer.echo(f"{data} has labels only: adapting {_reader_name(path)} to it from its labels ({minutes:g} min); "
               f"first scoring it on the {len(test_x)} test images", err=True)
    # read as the checks and the adapted reader's score read: without the search (the adapted reader's threshold,
    # which would start it, is chosen only after adapting)
    before = evaluate_reader(replace(reader, search_below=0.0), test_x, arrays.test.labels, show_bar=True)
    valid_x = images_for(reader, arrays.valid.images, f"{data} (validation split)")
    model, info = adapt_reader(reader, images_for(reader, arrays.train.images, f"{data} (train split)"),
                               arrays.train.labels, budget_s=60 * minutes, seed=seed,
                               valid=(valid_x, arrays.valid.labels), show_bar=True)
    curve = ", ".join(f"{v:.1f}" for v in info["valid_mean_cse_min"])
    typer.echo(f"validation mean error (min; read as `read` reads), before and after each part: {curve}", err=True)
    adapted = Reader.of(model)
    after = evaluate_reader(adapted, test_x, arrays.test.labels, show_bar=True)
    metrics = {**after, "train_time_s": info["wall_s"],
               "before_mean_cse_min": before["mean_cse_min"], "before_within_1min": before["within_1min"]}
    threshold = validation_threshold(adapted, valid_x, arrays.valid.labels, show_bar=True)
    if threshold is not None:
        metrics["uncertain_below"] = threshold
    out.parent.mkdir(parents=True, exist_ok=True)
    model.save(out)
    record_model(store_path.parent, out, "landmarks", _recorded(metrics))
    _print_metrics(metrics, title=f"adapted reader on the test split of {data}")
    typer.echo(f"before adapting: mean {before['mean_cse_min']:.2f} min, {before['within_1min']:.1%} within 1 min; "
               f"saved {out} ({info['epochs']:.2f} epochs, the best on validation after {info['best_step']} of "
               f"{info['steps']} steps; {info['wall_s']:.0f} s)")


def _recorded(metrics: dict) -> dict:
    """What the registry keeps of a reader's metrics: the test figures and its "uncertain" threshold, if any."""
    return {k: metrics[k] for k in (*EVAL_FIELDS, "uncertain_below") if k in metrics}


def _make_config(cls, overrides: dict):
    from pydantic import ValidationError

    from ablab.models.config import format_validation_error

    try:
        return cls(**overrides)
    except ValidationError as err:
        raise AblabError(format_validation_error(err, "clock config", cls)) from None


@clock_app.command("evaluate")
def evaluate_command(
    model: Path = ModelOption,
    data: Path = typer.Option(None, "--data", help="Clock directory; scores its test split (see --split)."),
    split: str = typer.Option("test", "--split", help="With --data: test (held out in training) or all."),
    images: Path = typer.Option(None, "--images", help="Images .npy (N, H, W), the report's format."),
    labels: Path = typer.Option(None, "--labels", help="Labels .npy (N, 2) [hour, minute] for --images."),
    as_json: bool = JsonOption,
    store_path: Path = StoreOption,
) -> None:
    """Common-sense error of a reader on a data set: mean/median minutes, share within 1 and 5 min, hour accuracy."""
    from ablab.clock.read.reader import images_for
    from ablab.clock.read.train import evaluate_reader

    x, y, name = _evaluation_arrays(data, split, images, labels)
    path = model or _best(store_path)
    reader, _ = _load(path, store_path)
    metrics = evaluate_reader(reader, images_for(reader, x, name), y, show_bar=not as_json)
    if as_json:
        typer.echo(json.dumps({k: metrics[k] for k in EVAL_FIELDS}))
    else:
        _print_metrics(metrics, title=f"{_reader_name(path)} ({reader.encoding.name}) on {name}")


def _evaluation_arrays(data, split, images, labels):
    """(images, labels, name) from --data DIR [--split] or --images/--labels; exactly one source."""
    from ablab.clock.data.dataset import load_arrays

    if (data is None) == (images is None and labels is None):
        raise AblabError("give either --data DIR or --images X.npy --labels Y.npy")
    if data is None:
        if images is None or labels is None:
            raise AblabError("--images and --labels go together")
        x, y = load_arrays(images, labels)
        return x, y, str(images)
    if split not in ("test", "all"):
        raise AblabError(f"--split {split!r}: use test or all")
    if split == "all":
        from ablab.clock.data.dataset import read_clock_dir

        d = read_clock_dir(data)
        return d.images, d.labels, str(data)
    from ablab.clock.data.dataset import load

    s = load(data)
    return s.x_test, s.y_test, f"{data} (test split)"


@clock_app.command("read")
def read_command(
    files: list[Path] = typer.Argument(..., help="Clock pictures (PNG, JPEG, ...; any size, colour or gray)."),
    model: Path = ModelOption,
    as_json: bool = JsonOption,
    store_path: Path = StoreOption,
) -> None:
    """Print the time each picture shows, HH:MM (12-hour dial), with the reader's confidence where it has one, and
    "uncertain" where it is under the reader's threshold (chosen on its validation clocks: the shipped reader's
    card states it, `clock train` records it for the readers it trains and adapts)."""
    from ablab.clock.read.reader import read_files

    path = model or _best(store_path)
    reader, uncertain_below = _load(path, store_path)
    start = time.perf_counter()
    readings = read_files(reader, files, uncertain_below)
    per_image_ms = 1000 * (time.perf_counter() - start) / max(1, len(files))
    if as_json:
        rows = [{"file": r.source, "time": r.hhmm, "hour": r.hour, "minute": r.minute, "confidence": r.confidence,
                 "uncertain": r.uncertain} for r in readings]
        typer.echo(json.dumps(rows))
        return
    for r in readings:
        conf = "" if r.confidence is None else f"  confidence {r.confidence:.2f}"
        typer.echo(f"{r.hhmm}{conf}{'  uncertain' if r.uncertain else ''}  {r.source}")
    typer.echo(f"({_reader_name(path)}, {reader.encoding.name}; {per_image_ms:.1f} ms per image)", err=True)


def _load(path: Path, store_path: Path):
    """(The reader at path, its "uncertain" threshold or None): the one chosen on validation clocks, stated by the
    shipped reader's card or recorded when the reader was trained (reader.recorded_threshold). Below it a
    two-stage reader also searches the picture for a dial it missed."""
    from dataclasses import replace

    from ablab.clock.read.reader import load_reader, recorded_threshold

    reader = load_reader(path)
    threshold = recorded_threshold(path, store_path.parent, store_path)
    return (reader, None) if threshold is None else (replace(reader, search_below=threshold), threshold)


def _reader_name(path: Path) -> str:
    """The file's name, or "the shipped reader" when no reader of the user's own was found."""
    from ablab.clock.read.shipped import SHIPPED_READER

    return "the shipped reader (none trained here)" if path == SHIPPED_READER else path.name


def _best(store_path: Path) -> Path:
    from ablab.clock.read.reader import best_model_path

    return best_model_path(store_path.parent, store_path)


def _print_metrics(metrics: dict, *, title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key in EVAL_FIELDS:
        value = metrics.get(key)
        table.add_row(key, "—" if value is None else (f"{value:.4g}" if isinstance(value, float) else str(value)))
    Console().print(table)
