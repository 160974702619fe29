"""`ablab reproduce` and the decision mode of `ablab study run`: seeds go where they decide a claim, within a time
budget (`--budget 30m`, the default under `quick`), then the report is written. Resumable like every study run."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from ablab.clock.read.shipped import shipped_card, shipped_worst
from ablab.commands._options import DataDirOption, StoreOption
from ablab.commands.study_runs import (
    BudgetOption, ExecutorOption, GpusPerTrialOption, HookOption, MaxSeedsOption, NoProgressOption, ProfileOption,
    RayAddressOption, SeedsOption, WorkersOption, run_and_print, run_options,
)
from ablab.errors import AblabError
from ablab.report import write_report
from ablab.report.clock import SHIPPED_ARTIFACT, SHIPPED_WORST_ARTIFACT
from ablab.store import Store
from ablab.store.studies import StudyIndex
from ablab.studies.catalog import builtin_specs
from ablab.studies.report_settings import record_report_settings

QUICK_BUDGET = "30m"  # `make run`: every table of the report on a 2-core CPU
EvenOption = typer.Option(False, "--even", help="No decision mode: every cell at the profile's seeds (or --seeds).")


def register(root: typer.Typer) -> None:
    root.command("reproduce")(reproduce)


def reproduce(
    profile: str = ProfileOption,
    seeds: int = SeedsOption,
    budget: str = BudgetOption,
    max_seeds: int = MaxSeedsOption,
    even: bool = EvenOption,
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
    if even and budget:
        raise AblabError("--even and --budget: the budget drives the decision mode; drop one of them")
    budget = budget or (QUICK_BUDGET if profile == "quick" and not even and seeds is None else None)
    decide = budget is not None and not even
    specs = builtin_specs()  # in decision mode the clock study trains only what decides T3-1 (ablab.studies.task3)
    failed = None
    try:
        run_and_print(specs, run_options(
            profile=profile, store_path=store_path, cache_dir=cache_dir, seeds=seeds,
            budget=budget if decide else None, max_seeds=max_seeds, executor=executor, workers=workers,
            ray_address=ray_address, hook=hook, no_progress=no_progress, gpus_per_trial=gpus_per_trial))
    except typer.Exit as exit_:  # some trials failed: still report what was stored, then exit non-zero
        failed = exit_
    _record_shipped_reader(store_path)
    record_report_settings(store_path)
    paths = write_report(store_path, out, profile=profile)
    Console().print(f"report: {paths['html']} and {paths['markdown']}")
    if failed is not None:
        raise failed


def _record_shipped_reader(store_path: Path) -> None:
    """The shipped clock reader's card into the store, for the report's Task 3 section (the report reads only the
    store). An install without a shipped reader records nothing."""
    card, worst = shipped_card(), shipped_worst()
    index = StudyIndex(Store(store_path))
    if card:
        index.put_artifact(SHIPPED_ARTIFACT, "json", b"", card)
    if worst:
        index.put_artifact(SHIPPED_WORST_ARTIFACT, "npz", worst)
