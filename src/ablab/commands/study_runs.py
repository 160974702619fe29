"""Running studies from the command line, shared by `ablab study run` and `ablab reproduce`: the options, parsed
into one `RunOptions`, one call to the library (`ablab.studies.session.run_specs`), and the lines it prints."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.console import Console

from ablab.commands._options import data_dir
from ablab.report.compare import LOOKS
from ablab.studies.decide import DecisionPolicy, parse_budget
from ablab.studies.session import RunOptions, run_specs

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
    LOOKS[-1], "--max-seeds", min=2,
    help="Decision mode: the most seeds a cell gets (planned looks at 2, 3, 5, 8, 12).")


def backend() -> str:
    return os.environ.get("KERAS_BACKEND", "tensorflow")  # set by the entry point from --backend


def run_options(*, profile: str, store_path: Path, cache_dir: Path | None, seeds: int | None = None,
                budget: str | None = None, max_seeds: int = LOOKS[-1], decide: bool = False, executor: str = "local",
                workers: int | None = None, ray_address: str | None = None, hook: str | None = None,
                no_progress: bool = False, gpus_per_trial: float | None = None) -> RunOptions:
    """The command line's options as one RunOptions; --decide or --budget choose the decision mode (a bad
    --budget exits 2 naming it)."""
    policy = DecisionPolicy(max_seeds=max_seeds, budget_s=parse_budget(budget) if budget else None) if (
        decide or budget) else None
    return RunOptions(store_path=store_path, data_dir=data_dir(cache_dir), profile=profile, seeds=seeds,
                      policy=policy, executor=executor, workers=workers, ray_address=ray_address,
                      gpus_per_trial=gpus_per_trial, backend=backend(), hook=hook, progress=not no_progress)


def run_and_print(specs, options: RunOptions) -> None:
    """Run the studies (`ablab.studies.session.run_specs`), print what ran and, in decision mode, what it decided;
    exit 1 when some trial failed."""
    outcome = run_specs(specs, options)
    print_summary(outcome.summary, outcome.executor)
    if outcome.decision is not None:
        print_decision(outcome.decision, options.policy)
    if outcome.summary.failed:
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
