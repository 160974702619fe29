"""`ablab study list|run|status` and `ablab reproduce`: declarative, resumable studies of the report's tables."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from ablab.commands._options import DataDirOption, StoreOption, data_dir
from ablab.errors import AblabError

study_app = typer.Typer(help="Studies: the report's tables as YAML specs, run over seeds, resumable.", no_args_is_help=True)

ProfileOption = typer.Option("quick", "--profile", help="quick (this CPU, stated reductions) or full (the report's settings).")
SeedsOption = typer.Option(None, "--seeds", min=1, help="Seeds per row (overrides the spec and profile).")
ExecutorOption = typer.Option("local", "--executor", help="local (worker processes) or ray (Ray tasks).")
WorkersOption = typer.Option(
    None, "--workers", min=0, help="Parallel trials (default: 2 local, all Ray CPUs); 0 = in this process."
)
RayAddressOption = typer.Option(None, "--ray-address", help="Join this Ray cluster (e.g. ray://head:10001 or auto).")
HookOption = typer.Option(None, "--worker-hook", hidden=True, help="module:function each worker calls at start.")
NoProgressOption = typer.Option(False, "--no-progress", help="No progress bar (logs, CI).")
GpusPerTrialOption = typer.Option(
    None, "--gpus-per-trial", min=0.0,
    help="GPU share of each trial, e.g. 0.25 = four per GPU (default: by model where there is a GPU, else 0).",
)


def register(root: typer.Typer) -> None:
    root.add_typer(study_app, name="study")  # `ablab reproduce`: ablab.commands.reproduce


def _backend() -> str:
    return os.environ.get("KERAS_BACKEND", "tensorflow")  # set by the entry point from --backend


def _executor(kind: str, workers: int | None, ray_address: str | None, cache: Path, hook: str | None,
              gpus_per_trial: float | None = None, models: list[str] | None = None):
    from ablab.studies.executors import make_executor

    return make_executor(
        kind, workers=workers, data_dir=cache, backend=_backend(), ray_address=ray_address, hook=hook,
        gpus_per_trial=gpus_per_trial, models=models,
    )


def _models(specs, profile: str) -> list[str]:
    """Every model the studies' trials use under `profile` (they set the default GPU fraction)."""
    from ablab.studies.expand import expand

    return sorted({getattr(t.spec.config, "model", "") for spec in specs for t in expand(spec, profile)})


@study_app.command("list")
def list_studies() -> None:
    """The built-in studies (one per table of the report, then Task 3) with their rows and trials per profile."""
    from ablab.studies.catalog import builtin_specs
    from ablab.studies.expand import expand, unique_specs

    table = Table("name", "quick cells/trials", "full cells/trials", "title")
    for spec in builtin_specs():
        quick, full = expand(spec, "quick"), expand(spec, "full")
        table.add_row(
            spec.name, f"{len(quick)}/{len(unique_specs(quick))}", f"{len(full)}/{len(unique_specs(full))}", spec.title
        )
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
    budget: str = typer.Option(None, "--budget", help="Decision mode within this time budget, e.g. 30m."),
    decide: bool = typer.Option(False, "--decide", help="Decision mode: 2 seeds per cell, more only for undecided claims."),
    max_seeds: int = typer.Option(5, "--max-seeds", min=2, help="Decision mode: the most seeds a cell gets."),
) -> None:
    """Run a study's unfinished trials (rerunning failed and interrupted ones) and store them. With --decide or
    --budget, seeds go to the cells of claims still undecided (see `ablab reproduce`)."""
    from ablab.commands.reproduce import decision_policy, run_decision
    from ablab.studies.catalog import resolve_spec

    study = resolve_spec(spec)
    if decide or budget:
        run_decision([study], profile, decision_policy(budget, max_seeds), executor, workers, ray_address, store_path,
                     cache_dir, hook, no_progress, gpus_per_trial)
        return
    _run([study], profile, seeds, executor, workers, ray_address, store_path, cache_dir, hook, no_progress,
         gpus_per_trial)


def _run(specs, profile, seeds, executor, workers, ray_address, store_path, cache_dir, hook, no_progress,
         gpus_per_trial=None):
    from ablab.store import Store
    from ablab.studies.runner import run_studies

    for spec in specs:
        spec.profile(profile)  # unknown profile: fail before anything starts
    cache = data_dir(cache_dir)
    runner = _executor(executor, workers, ray_address, cache, hook, gpus_per_trial, _models(specs, profile))
    summary = run_studies(
        specs, Store(store_path), runner, profile=profile, seeds=seeds, data_dir=cache, hook=hook,
        show_progress=not no_progress,
    )
    _print_summary(summary, runner.name)
    if summary.failed:
        raise typer.Exit(1)


def _print_summary(summary, executor: str) -> None:
    console = Console()
    overhead = summary.overhead_fraction()
    console.print(
        f"{', '.join(summary.studies)} [{summary.profile}] on {executor}: {summary.cells} cells, {summary.trials} trials;"
        f" {summary.already_finished} already stored, ran {summary.ran} (complete {summary.complete},"
        f" diverged {summary.diverged}, failed {summary.failed}), held by another runner {summary.held_elsewhere};"
        f" {summary.wall_time_s:.1f} s"
        + (f"; per-trial overhead (median, warm workers) {100 * overhead:.1f}%" if overhead is not None else "")
    )
    for key, error in list(summary.errors.items())[:5]:
        console.print(f"[red]failed {key}[/red]: {error.splitlines()[0] if error else ''}")


@study_app.command("status")
def status(
    name: str = typer.Argument(..., help="Study name (or spec file)."),
    profile: str = typer.Option(None, "--profile", help="Only this profile (default: every recorded one)."),
    store_path: Path = StoreOption,
) -> None:
    """Per row and dataset: trials complete / total, states, and mean test accuracy so far."""
    from ablab.studies.status import status_rows

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
