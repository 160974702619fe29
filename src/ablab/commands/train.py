"""`ablab train`: one trial from the command line, stored like any study trial."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from ablab.commands._options import DataDirOption, StoreOption, data_dir, parse_sets
from ablab.models.config import make_config
from ablab.studies.single import SingleTrial, run_single
from ablab.train.spec import TrialSpec


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
    overrides = {"model": model, "dataset": dataset, **parse_sets(sets)}
    if epochs is not None:
        overrides["epochs"] = epochs
    spec = TrialSpec(make_config(overrides, where="--set", preset=preset), seed=seed)
    trial = run_single(spec, store_path, data_dir=data_dir(cache_dir), model_dir=store_path.parent / "models",
                       force=force, verbose=1 if sys.stdout.isatty() else 2)
    if trial.already_stored:
        Console().print(f"trial {trial.key} is already stored ({trial.state}); use --force to rerun it")
    _print_result(trial)
    if trial.model_path:
        Console().print(f"model saved to {trial.model_path}")


def _print_result(trial: SingleTrial) -> None:
    table = Table("trial", "state", "test loss", "test accuracy", "time (s)")
    fmt = lambda v, d: "nan" if v is None else f"{v:.{d}f}"  # noqa: E731
    table.add_row(trial.key, trial.state, fmt(trial.test_loss, 4), fmt(trial.test_accuracy, 4),
                  fmt(trial.wall_time_s, 1))
    Console().print(table)
