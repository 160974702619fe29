"""`ablab clock train|evaluate|read`: the clock reader's commands, added to the `clock` sub-app.

The commands are attached to `ablab.commands.clock.clock_app` when this module is imported (build_app imports every
group); `register(root)` has nothing left to do. Without --model, evaluate and read use the best reader recorded
in the store (ablab.clock.read.registry; `--store runs/ablab.db` by default), else the reader that ships with ablab
(`ablab.clock.read.shipped`). Each command parses its options, calls the library and prints; none imports keras
(no module it imports does at import time), so the backend `ablab` sets first still holds.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from ablab.clock.data.dataset import load, load_arrays, read_clock_dir
from ablab.clock.data.images import load_image_file
from ablab.clock.read.explain import write_explained
from ablab.clock.read.reader import images_for, read_images
from ablab.clock.read.registry import open_reader, reader_name
from ablab.clock.read.train import evaluate_reader
from ablab.clock.read.workflow import AdaptedReader, ClockTrainRequest, train_clock_reader
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
    restart: bool = typer.Option(False, "--restart", help=(
        "Start afresh: discard the checkpoint (<out>.ckpt/) that an interrupted training of the same reader left. "
        "Without it, rerunning a killed `clock train` continues from the last finished epoch of its stage."
    )),
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
    Every finished epoch is saved in <out>.ckpt/: the same command rerun after a kill resumes there.
    DIR with labels only (images.npy, labels.npy: the report's format) and no --encoding: adapt a reader instead."""
    request = ClockTrainRequest(data, store_path, encoding=encoding, epochs=epochs, arch=model, sets=parse_sets(sets),
                                out=out, seed=seed, split_seed=split_seed, restart=restart, minutes=minutes,
                                parent=parent)
    result = train_clock_reader(request, say=lambda line: typer.echo(line, err=True))
    if isinstance(result, AdaptedReader):
        _print_adapted(result, data)
        return
    _print_metrics(result.metrics, title=f"{result.config.encoding} on the test split of {data}")
    typer.echo(f"saved {result.out} (trained in {result.metrics['train_time_s']:.0f} s)")


def _print_adapted(result: AdaptedReader, data: Path) -> None:
    before, info = result.before, result.info
    _print_metrics(result.metrics, title=f"adapted reader on the test split of {data}")
    typer.echo(f"before adapting: mean {before['mean_cse_min']:.2f} min, {before['within_1min']:.1%} within 1 min; "
               f"saved {result.out} ({info['epochs']:.2f} epochs, the best on validation after {info['best_step']} "
               f"of {info['steps']} steps; {info['wall_s']:.0f} s)")


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
    x, y, name = _evaluation_arrays(data, split, images, labels)
    path, reader, _ = open_reader(model, store_path)
    metrics = evaluate_reader(reader, images_for(reader, x, name), y, show_bar=not as_json)
    if as_json:
        typer.echo(json.dumps({k: metrics[k] for k in EVAL_FIELDS}))
    else:
        _print_metrics(metrics, title=f"{reader_name(path)} ({reader.encoding.name}) on {name}")


def _evaluation_arrays(data, split, images, labels):
    """(images, labels, name) from --data DIR [--split] or --images/--labels; exactly one source."""
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
        d = read_clock_dir(data)
        return d.images, d.labels, str(data)
    test = load(data).test
    return test.images, test.labels, f"{data} (test split)"


@clock_app.command("read")
def read_command(
    files: list[Path] = typer.Argument(..., help="Clock pictures (PNG, JPEG, ...; any size, colour or gray)."),
    model: Path = ModelOption,
    as_json: bool = JsonOption,
    explain: Path = typer.Option(None, "--explain", help=(
        "Also write, into this folder, one PNG per picture showing what the reader saw: the dial it found, where it "
        "put the 12, both hands, and the reading with its confidence."
    )),
    store_path: Path = StoreOption,
) -> None:
    """Print the time each picture shows, HH:MM (12-hour dial), with the reader's confidence where it has one, and
    "uncertain" where it is under the reader's threshold (chosen on its validation clocks: the shipped reader's
    card states it, `clock train` records it for the readers it trains and adapts). Below it a two-stage reader
    also searches the picture for a dial it missed."""
    path, reader, uncertain_below = open_reader(model, store_path)
    start = time.perf_counter()
    pictures = [load_image_file(f) for f in files]  # all loaded first: a bad file fails before any output
    readings = read_images(reader, pictures, [str(f) for f in files], uncertain_below)
    per_image_ms = 1000 * (time.perf_counter() - start) / max(1, len(files))
    if as_json:
        rows = [{"file": r.source, "time": r.hhmm, "hour": r.hour, "minute": r.minute, "confidence": r.confidence,
                 "uncertain": r.uncertain} for r in readings]
        typer.echo(json.dumps(rows))
    else:
        for r in readings:
            conf = "" if r.confidence is None else f"  confidence {r.confidence:.2f}"
            typer.echo(f"{r.hhmm}{conf}{'  uncertain' if r.uncertain else ''}  {r.source}")
        typer.echo(f"({reader_name(path)}, {reader.encoding.name}; {per_image_ms:.1f} ms per image)", err=True)
    if explain is not None:  # drawn from the readings just printed: what that read measured, not a second read
        written = write_explained(explain, pictures, readings)
        typer.echo(f"what the reader saw: {len(written)} pictures in {explain}", err=True)


def _print_metrics(metrics: dict, *, title: str) -> None:
    table = Table(title=title)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key in EVAL_FIELDS:
        value = metrics.get(key)
        table.add_row(key, "—" if value is None else (f"{value:.4g}" if isinstance(value, float) else str(value)))
    Console().print(table)
