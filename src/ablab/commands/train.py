"""`ablab train`: one trial from the command line, stored like any study trial."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from ablab.commands._options import DataDirOption, StoreOption, data_dir, parse_sets
from ablab.errors import AblabError


def register(root: typer.Typer) -> None:
    root.command("train")(train)


def train(
    model: str = typer.Option("mlp", "--model", help="Model name: mlp or cnn."),
    dataset: str = typer.Option("fashion-mnist", "--dataset", help="mnist or fashion-mnist."),
    preset: str = typer.Option(
        None, "--preset", help="Architecture preset (Tables 4 and 7), e.g. extra-layer-between."),
    sets: list[str] = typer.Option([], "--set", help="Config override key=value (repeatable)."),
    seed: int = typer.Option(0, "--seed", help="Random seed (stored with the trial)."),
    epochs: int = typer.Option(None, "--epochs", help="Epochs (default: the config's, 1 for the report's MLP)."),
    store_path: Path = StoreOption,
    cache_dir: Path = DataDirOption,
    force: bool = typer.Option(False, "--force", help="Rerun even if this exact trial is already stored."),
) -> None:
    """Train one model, evaluate it on the test split, store the trial and save the model (.keras)."""
    from ablab.models import make_config, preset_overrides
    from ablab.store import Store
    from ablab.train import TrialSpec

    overrides = {"model": model, "dataset": dataset}
    if preset:
        overrides.update(preset_overrides(model, preset))
    overrides.update(parse_sets(sets))
    if epochs is not None:
        overrides["epochs"] = epochs
    spec = TrialSpec(make_config(overrides, where="--set"), seed=seed)
    _check_dataset(spec.config.dataset)
    store = Store(store_path)
    _claim_or_report(store, spec, force)
    _run_and_store(store, spec, data_dir(cache_dir), store_path.parent / "models")


def _check_dataset(name: str) -> None:
    from ablab.data import DATASETS
    from ablab.errors import unknown_name

    if name not in DATASETS:
        raise unknown_name("dataset", name, DATASETS)


def _claim_or_report(store, spec, force: bool) -> None:
    """Claim the trial; if it is already finished, show it and stop unless --force."""
    if force and store.get(spec.key) is not None:
        store.fail(spec.key, "rerun requested with --force")
    if not store.claim(spec.key, spec.config_dict(), spec.seed):
        row = store.get(spec.key)
        if row.state == "running":
            raise AblabError(f"trial {spec.key} is running in another process ({row.owner}); wait for it")
        Console().print(f"trial {spec.key} is already stored ({row.state}); use --force to rerun it")
        _print_result(row.key, row.state, row.test_loss, row.test_accuracy, row.wall_time_s)
        raise typer.Exit(0)


def _run_and_store(store, spec, cache: Path, model_dir: Path) -> None:
    from ablab.studies.worker import detect_device
    from ablab.train.run import run_trial

    try:
        result = run_trial(spec, data_dir=cache, model_dir=model_dir, verbose=1 if sys.stdout.isatty() else 2,
                           device=detect_device())
    except BaseException as err:
        store.fail(spec.key, f"{type(err).__name__}: {err}")
        raise
    store.finish(spec.key, result)
    _print_result(result.key, result.state, result.test_loss, result.test_accuracy, result.wall_time_s)
    if result.model_path:
        Console().print(f"model saved to {result.model_path}")


def _print_result(key, state, loss, accuracy, wall_time_s) -> None:
    table = Table("trial", "state", "test loss", "test accuracy", "time (s)")
    fmt = lambda v, d: "nan" if v is None else f"{v:.{d}f}"  # noqa: E731
    table.add_row(key, state, fmt(loss, 4), fmt(accuracy, 4), fmt(wall_time_s, 1))
    Console().print(table)
