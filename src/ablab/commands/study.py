"""`ablab study list|run|status`: declarative, resumable studies of the report's tables."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from ablab.commands._options import DataDirOption, StoreOption
from ablab.commands.study_runs import (
    BudgetOption, ExecutorOption, GpusPerTrialOption, HookOption, MaxSeedsOption, NoProgressOption, ProfileOption,
    RayAddressOption, SeedsOption, WorkersOption, run_and_print, run_options,
)
from ablab.errors import AblabError
from ablab.studies.catalog import builtin_specs, resolve_spec
from ablab.studies.expand import count_trials
from ablab.studies.status import status_rows

study_app = typer.Typer(
    help="Studies: the report's tables as YAML specs, run over seeds, resumable.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(study_app, name="study")  # `ablab reproduce`: ablab.commands.reproduce


@study_app.command("list")
def list_studies() -> None:
    """The built-in studies (one per table of the report, then Task 3) with their rows and trials per profile."""
    table = Table("name", "quick cells/trials", "full cells/trials", "title")
    for spec in builtin_specs():
        quick, full = count_trials(spec, "quick"), count_trials(spec, "full")
        table.add_row(spec.name, "/".join(map(str, quick)), "/".join(map(str, full)), spec.title)
    Console().print(table)
    Console().print("cells = rows × datasets × seeds; trials = distinct configs run (shared rows run once)")


@study_app.command("run")
def run(
    spec: str = typer.Argument(..., help="A built-in study name (see `ablab study list`) or a spec YAML file."),
    seeds: int = SeedsOption,
    profile: str = ProfileOption,
    executor: str = ExecutorOption,
    workers: int = WorkersOption,
    ray_address: str = RayAddressOption,
    store_path: Path = StoreOption,
    cache_dir: Path = DataDirOption,
    hook: str = HookOption,
    no_progress: bool = NoProgressOption,
    gpus_per_trial: float = GpusPerTrialOption,
    budget: str = BudgetOption,
    decide: bool = typer.Option(
        False, "--decide", help="Decision mode: 2 seeds per cell, more only for undecided claims."),
    max_seeds: int = MaxSeedsOption,
) -> None:
    """Run a study's unfinished trials (rerunning failed and interrupted ones) and store them. With --decide or
    --budget, seeds go to the cells of claims still undecided (see `ablab reproduce`)."""
    study = resolve_spec(spec)
    run_and_print([study], run_options(
        profile=profile, store_path=store_path, cache_dir=cache_dir, seeds=seeds, budget=budget, max_seeds=max_seeds,
        decide=decide, executor=executor, workers=workers, ray_address=ray_address, hook=hook,
        no_progress=no_progress, gpus_per_trial=gpus_per_trial))


@study_app.command("status")
def status(
    name: str = typer.Argument(..., help="Study name (or spec file)."),
    profile: str = typer.Option(None, "--profile", help="Only this profile (default: every recorded one)."),
    store_path: Path = StoreOption,
) -> None:
    """Per row and dataset: trials complete / total, states, and mean test accuracy so far."""
    study = Path(name).stem if name.endswith((".yaml", ".yml")) else name
    rows = status_rows(store_path, study, profile)
    if not rows:
        raise AblabError(f"study {study!r} has no recorded trials in {store_path}; run `ablab study run {name}` first")
    table = Table("profile", "group", "row", "dataset", "done/total", "states", "mean acc")
    for r in rows:
        table.add_row(r.profile, r.group, r.row, r.dataset or "-", f"{r.done}/{r.total}", r.states, r.mean_accuracy)
    Console().print(table)
    done, total = sum(r.done for r in rows), sum(r.total for r in rows)
    Console().print(f"{study}: {done}/{total} cells finished")
