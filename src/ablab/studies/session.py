"""One function runs studies for every command that does (`study run`, `reproduce`): it makes the executor and
runs every cell at its seeds, or, given a decision policy, seeds where they decide claims (`ablab.studies.decide`).
The options travel in one object, so the commands only parse, call and print.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ablab.store import Store
from ablab.studies.decide import DecisionPolicy, DecisionSummary, run_decided
from ablab.studies.executors import make_executor
from ablab.studies.expand import expand
from ablab.studies.runner import RunSummary, run_studies
from ablab.studies.spec import StudySpec


@dataclass(frozen=True)
class RunOptions:
    """How to run: profile and seeds (or a decision policy), the executor and its workers, the store and data."""

    store_path: Path
    data_dir: Path
    profile: str = "quick"
    seeds: int | None = None
    policy: DecisionPolicy | None = None  # None: every cell at its profile's seeds (or `seeds`)
    executor: str = "local"
    workers: int | None = None
    ray_address: str | None = None
    gpus_per_trial: float | None = None
    backend: str = "tensorflow"
    hook: str | None = None
    progress: bool = True


@dataclass
class RunOutcome:
    summary: RunSummary
    executor: str  # the executor's name, for the summary line
    decision: DecisionSummary | None = None  # decision mode only


def trial_models(specs: list[StudySpec], profile: str) -> list[str]:
    """Every model the studies' trials use under `profile` (they set the default GPU fraction)."""
    return sorted({getattr(t.spec.config, "model", "") for spec in specs for t in expand(spec, profile)})


def run_specs(specs: list[StudySpec], options: RunOptions) -> RunOutcome:
    """Run the studies' unfinished trials with `options` and store every outcome; an unknown profile fails before
    anything starts."""
    for spec in specs:
        spec.profile(options.profile)
    executor = make_executor(
        options.executor, workers=options.workers, data_dir=options.data_dir, backend=options.backend,
        ray_address=options.ray_address, hook=options.hook, gpus_per_trial=options.gpus_per_trial,
        models=trial_models(specs, options.profile))
    store = Store(options.store_path)
    if options.policy is not None:
        summary, decision = run_decided(specs, store, executor, profile=options.profile, policy=options.policy,
                                        data_dir=options.data_dir, hook=options.hook, show_progress=options.progress)
        return RunOutcome(summary, executor.name, decision)
    summary = run_studies(specs, store, executor, profile=options.profile, seeds=options.seeds,
                          data_dir=options.data_dir, hook=options.hook, show_progress=options.progress)
    return RunOutcome(summary, executor.name)
