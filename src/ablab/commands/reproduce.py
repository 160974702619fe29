"""`ablab reproduce` and the decision mode of `ablab study run`: seeds go where they decide a claim, within a time
budget (`--budget 30m`, the default under `quick`), then the report is written. Resumable like every study run."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from ablab.commands._options import DataDirOption, StoreOption, data_dir
from ablab.commands.study import (
    ExecutorOption, GpusPerTrialOption, HookOption, NoProgressOption, ProfileOption, RayAddressOption, SeedsOption,
    WorkersOption, _executor, _models, _print_summary, _run,
)
from ablab.errors import AblabError

QUICK_BUDGET = "30m"  # `make run`: every table of the report on a 2-core CPU
BudgetOption = typer.Option(
    None, "--budget", help="Time budget for training, e.g. 30m, 1h30m (decision mode; default under quick: 30m).")
MaxSeedsOption = typer.Option(5, "--max-seeds", min=2, help="Decision mode: the most seeds a cell gets.")
EvenOption = typer.Option(False, "--even", help="No decision mode: every cell at the profile's seeds (or --seeds).")
WithClockOption = typer.Option(
    False, "--with-clock", help="Also run Task 3's clock-encodings study (budgeted runs leave it out: it cannot learn in one).")


def register(root: typer.Typer) -> None:
    root.command("reproduce")(reproduce)


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
    runner = _executor(executor, workers, ray_address, cache, hook, gpus_per_trial, _models(specs, profile))
    summary, decision = run_decided(specs, Store(store_path), runner, profile=profile, policy=policy, data_dir=cache,
                                    hook=hook, show_progress=not no_progress)
    _print_summary(summary, runner.name)
    _print_decision(decision, policy)
    if summary.failed:
        raise typer.Exit(1)


def _print_decision(decision, policy) -> None:
    counts: dict[str, int] = {}
    for verdict in decision.verdicts.values():
        counts[verdict] = counts.get(verdict, 0) + 1
    budget = f"{policy.budget_s / 60:.1f} min" if policy.budget_s else "none"
    Console().print(
        f"decision mode: {', '.join(f'{v} {n}' for v, n in sorted(counts.items()))}; stopped: {decision.stop_reason}; "
        f"budget used {decision.spent_s / 60:.1f} of {budget}; seeds per cell 2–{policy.max_seeds}"
        + (f"; not run at this budget: {', '.join(decision.not_started)}" if decision.not_started else ""))


def _studies(profile: str, budgeted: bool, with_clock: bool) -> list:
    from ablab.studies.catalog import builtin_specs

    specs = builtin_specs()
    if budgeted and not with_clock:
        skipped = [s.name for s in specs if s.task == "clock"]
        specs = [s for s in specs if s.task != "clock"]
        Console().print(f"not run at this budget: {', '.join(skipped)} (every encoding stays at chance in a "
                        "budgeted run; --with-clock runs it anyway)")
    return specs


def reproduce(
    profile: str = ProfileOption,
    seeds: int = SeedsOption,
    budget: str = BudgetOption,
    max_seeds: int = MaxSeedsOption,
    even: bool = EvenOption,
    with_clock: bool = WithClockOption,
    executor: str = ExecutorOption,
    workers: int = WorkersOption,
    ray_address: str = RayAddressOption,
    store_path: Path = StoreOption,
    cache_dir: Path = DataDirOption,
    out: Path = typer.Option(Path("report"), "--out", help="Folder for index.html, report.md, plots and CSV."),
    hook: str = HookOption,
    no_progress: bool = NoProgressOption,
    gpus_per_trial: float = GpusPerTrialOption,
) -> None:
    """Run every built-in study under a profile, then write the report. Under quick (`make run`) it runs in
    decision mode within --budget 30m: 2 seeds per cell, then seeds only for undecided claims (up to --max-seeds)."""
    from ablab.report import write_report

    if even and budget:
        raise AblabError("--even and --budget: the budget drives the decision mode; drop one of them")
    budget = budget or (QUICK_BUDGET if profile == "quick" and not even and seeds is None else None)
    decide = budget is not None and not even
    specs = _studies(profile, decide, with_clock)
    failed = None
    try:
        if decide:
            run_decision(specs, profile, decision_policy(budget, max_seeds), executor, workers, ray_address,
                         store_path, cache_dir, hook, no_progress, gpus_per_trial)
        else:
            _run(specs, profile, seeds, executor, workers, ray_address, store_path, cache_dir, hook, no_progress,
                 gpus_per_trial)
    except typer.Exit as exit_:  # some trials failed: still report what was stored, then exit non-zero
        failed = exit_
    paths = write_report(store_path, out, profile=profile)
    Console().print(f"report: {paths['html']} and {paths['markdown']}")
    if failed is not None:
        raise failed
