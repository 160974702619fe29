"""Running studies from the command line, shared by `ablab study run` and `ablab reproduce`: the options, the
executor, an even run (every cell at its seeds) and a decision-mode run (seeds where they decide a claim)."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.console import Console

from ablab.commands._options import data_dir

ProfileOption = typer.Option(
    "quick", "--profile", help="quick (this CPU, stated reductions) or full (the report's settings).")
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

BudgetOption = typer.Option(
    None, "--budget", help="Time budget for training, e.g. 30m, 1h30m (decision mode; default under quick: 30m).")
MaxSeedsOption = typer.Option(
    12, "--max-seeds", min=2, help="Decision mode: the most seeds a cell gets (planned looks at 2, 3, 5, 8, 12).")


def backend() -> str:
    return os.environ.get("KERAS_BACKEND", "tensorflow")  # set by the entry point from --backend


def make_runner(kind: str, workers: int | None, ray_address: str | None, cache: Path, hook: str | None,
                gpus_per_trial: float | None = None, models: list[str] | None = None):
    from ablab.studies.executors import make_executor

    return make_executor(
        kind, workers=workers, data_dir=cache, backend=backend(), ray_address=ray_address, hook=hook,
        gpus_per_trial=gpus_per_trial, models=models,
    )


def trial_models(specs, profile: str) -> list[str]:
    """Every model the studies' trials use under `profile` (they set the default GPU fraction)."""
    from ablab.studies.expand import expand

    return sorted({getattr(t.spec.config, "model", "") for spec in specs for t in expand(spec, profile)})


def run_even(specs, profile, seeds, executor, workers, ray_address, store_path, cache_dir, hook, no_progress,
             gpus_per_trial=None):
    """Every unfinished trial of `specs` at their seeds; exit 1 when some trial failed."""
    from ablab.store import Store
    from ablab.studies.runner import run_studies

    for spec in specs:
        spec.profile(profile)  # unknown profile: fail before anything starts
    cache = data_dir(cache_dir)
    runner = make_runner(executor, workers, ray_address, cache, hook, gpus_per_trial, trial_models(specs, profile))
    summary = run_studies(
        specs, Store(store_path), runner, profile=profile, seeds=seeds, data_dir=cache, hook=hook,
        show_progress=not no_progress,
    )
    print_summary(summary, runner.name)
    if summary.failed:
        raise typer.Exit(1)


def print_summary(summary, executor: str) -> None:
    """One line: cells, trials, what ran, wall time, per-trial overhead; the first errors."""
    console = Console()
    overhead = summary.overhead_fraction()
    console.print(
        f"{', '.join(summary.studies)} [{summary.profile}] on {executor}: {summary.cells} cells,"
        f" {summary.trials} trials;"
        f" {summary.already_finished} already stored, ran {summary.ran} (complete {summary.complete},"
        f" diverged {summary.diverged}, failed {summary.failed}), held by another runner {summary.held_elsewhere};"
        f" {summary.wall_time_s:.1f} s"
        + (f"; per-trial overhead (median, warm workers) {100 * overhead:.1f}%" if overhead is not None else "")
    )
    for key, error in list(summary.errors.items())[:5]:
        console.print(f"[red]failed {key}[/red]: {error.splitlines()[0] if error else ''}")


def decision_policy(budget: str | None, max_seeds: int):
    """The decision mode's settings from the command line (a bad --budget exits 2 naming it)."""
    from ablab.studies.decide import DecisionPolicy, parse_budget

    return DecisionPolicy(max_seeds=max_seeds, budget_s=parse_budget(budget) if budget else None)


def run_decision(specs, profile: str, policy, executor: str, workers, ray_address, store_path: Path, cache_dir,
                 hook, no_progress: bool, gpus_per_trial=None) -> None:
    """Run `specs` in decision mode and print what it did; exit 1 when some trial failed."""
    from ablab.store import Store
    from ablab.studies.decide import run_decided

    for spec in specs:
        spec.profile(profile)  # unknown profile: fail before anything starts
    cache = data_dir(cache_dir)
    runner = make_runner(executor, workers, ray_address, cache, hook, gpus_per_trial, trial_models(specs, profile))
    summary, decision = run_decided(specs, Store(store_path), runner, profile=profile, policy=policy, data_dir=cache,
                                    hook=hook, show_progress=not no_progress)
    print_summary(summary, runner.name)
    print_decision(decision, policy)
    if summary.failed:
        raise typer.Exit(1)


def print_decision(decision, policy) -> None:
    """One line: the verdicts, why it stopped, the budget used, the claims not run at this budget."""
    counts: dict[str, int] = {}
    for verdict in decision.verdicts.values():
        counts[verdict] = counts.get(verdict, 0) + 1
    budget = f"{policy.budget_s / 60:.1f} min" if policy.budget_s else "none"
    Console().print(
        f"decision mode: {', '.join(f'{v} {n}' for v, n in sorted(counts.items()))}; stopped: {decision.stop_reason}; "
        f"budget used {decision.spent_s / 60:.1f} of {budget}; seeds per cell 2–{policy.max_seeds}"
        + (f"; not run at this budget: {', '.join(decision.not_started)}" if decision.not_started else ""))
