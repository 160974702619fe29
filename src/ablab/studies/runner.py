"""The driver: expand studies, record their cells, claim and run the unfinished trials, store every outcome.

Only this process writes the store. Resuming is the default: complete and diverged trials are skipped; failed
ones and ones left `running` by a dead process are claimed again. `Store.claim` is atomic, so two drivers on one
store never run the same trial twice (each takes the trials the other has not).
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from ablab.store import FINISHED, Store, current_owner
from ablab.store.studies import StudyIndex, arrays_to_bytes, trial_artifact_name
from ablab.studies.expand import StudyTrial, expand, unique_specs
from ablab.studies.progress import TrialProgress
from ablab.studies.spec import Seeds, StudySpec
from ablab.studies.worker import Outcome, call_hook

HEARTBEAT_EVERY_S = 60.0
WAIT_SLICE_S = 5.0
FIGURE_SAMPLE_INDEX = 0  # Figure 1: the first test image


@dataclass
class TrialTiming:
    """Where one trial's time went, seen from the driver (seconds)."""

    key: str
    driver_s: float  # submit -> outcome received, plus storing it
    fit_evaluate_s: float  # inside run_trial: fit + evaluate
    first_in_worker: bool  # includes the worker's start-up (keras import, dataset load)

    @property
    def overhead_s(self) -> float:
        return max(0.0, self.driver_s - self.fit_evaluate_s)


@dataclass
class RunSummary:
    """What a run did. `held_elsewhere`: trials another live driver was running (not waited for)."""

    studies: list[str]
    profile: str
    cells: int = 0
    trials: int = 0
    already_finished: int = 0
    ran: int = 0
    complete: int = 0
    diverged: int = 0
    failed: int = 0
    held_elsewhere: int = 0
    wall_time_s: float = 0.0
    timings: list[TrialTiming] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    def overhead_fraction(self, *, warm_only: bool = True) -> float | None:
        """Median share of a trial's driver-side time that is not fit/evaluate (warm workers by default)."""
        rows = [t for t in self.timings if t.driver_s > 0 and not (warm_only and t.first_in_worker)]
        return statistics.median(t.overhead_s / t.driver_s for t in rows) if rows else None


def plan(specs: list[StudySpec], profile: str, seeds: Seeds | None) -> dict[str, list[StudyTrial]]:
    """Each study's cells under `profile` (a bad spec has already failed at load)."""
    return {spec.name: expand(spec, profile, seeds) for spec in specs}


def _runnable(store: Store, trials: list[StudyTrial]) -> tuple[list, int]:
    """Distinct trial specs not yet finished (MLPs first: quick feedback), and how many were finished."""
    specs = unique_specs(trials)
    finished = {row.key for row in store.trials(keys=[s.key for s in specs]) if row.state in FINISHED}
    todo = [s for s in specs if s.key not in finished]
    todo.sort(key=lambda s: getattr(s.config, "model", "") != "mlp")
    return todo, len(specs) - len(todo)


def record_figure_samples(index: StudyIndex, trials: list[StudyTrial], data_dir) -> None:
    """For each (dataset, permutation seed) in the study, store one test image before and after permutation."""
    pairs = {(t.spec.config.dataset, t.spec.config.permutation_seed) for t in trials
             if getattr(t.spec.config, "permutation_seed", None) is not None}
    for dataset, seed in sorted(pairs):
        name = f"permutation-sample:{dataset}:{seed}"
        if index.artifact(name) is not None:
            continue
        from ablab.data import load_dataset
        from ablab.data.transforms import permute_pixels

        splits = load_dataset(dataset, cache_dir=data_dir)
        permuted = permute_pixels(splits, seed)
        i = FIGURE_SAMPLE_INDEX
        data = arrays_to_bytes(original=splits.x_test[i], permuted=permuted.x_test[i], label=splits.y_test[i : i + 1])
        index.put_artifact(name, "npz", data, {"dataset": dataset, "permutation_seed": seed, "test_index": i})


def prepare_clock_data(specs: list, data_dir) -> None:
    """Render each clock data set the unfinished clock trials use, once, here in the driver before any worker
    starts: all trials of a study share one set (cached under data_dir), and workers that start together would
    otherwise each render it (and each replay its landmarks)."""
    configs = [s.config for s in specs if getattr(s.config, "task", None) == "clock"]
    if not configs:
        return
    from ablab.clock.data.sets import clock_data, preset_test_set

    root = Path(data_dir or ".")  # as run_clock_trial_spec
    for preset, n, size, seed in sorted({(c.preset, c.n_images, c.image_size, c.data_seed) for c in configs}):
        clock_data(preset, n, size=size, seed=seed, data_dir=root)
    extra = {(p, c.n_images, c.image_size, c.data_seed): (p, c) for c in configs for p in c.eval_presets}
    for preset, config in extra.values():
        preset_test_set(preset, config, data_dir=root)


class Driver:
    """Keeps the executor's slots full with claimed trials and stores what comes back (with its artifacts)."""

    def __init__(self, store: Store, executor, summary: RunSummary, progress: TrialProgress,
                 index: StudyIndex | None = None):
        self.store, self.executor, self.summary, self.progress = store, executor, summary, progress
        self.index = index or StudyIndex(store)
        self.owner = current_owner()
        self.in_flight: dict[str, tuple[object, float]] = {}  # key -> (spec, submitted at)
        self.seen_pids: set[int] = set()
        self.last_beat = time.monotonic()

    def run(self, todo: list) -> None:
        """Run every spec of `todo`: `run_feed` with a feed that hands them out as slots free up."""
        pending = list(todo)

        def feed(_busy: set, free: int) -> list:
            taken, pending[:free] = pending[:free], []
            return taken

        self.run_feed(feed)

    def run_feed(self, feed) -> None:
        """Like `run`, but whenever a slot is free it asks `feed(busy_keys, free_slots)` for more trial specs
        (the decision mode chooses them from the results so far); stops when the feed has none and nothing is in
        flight. `busy_keys`: trials in flight or queued, whose results are not in yet."""
        queue: list = []
        try:
            while True:
                free = self.executor.slots - len(self.in_flight) - len(queue)
                if free > 0:
                    queue += feed(set(self.in_flight) | {s.key for s in queue}, free)
                if not queue and not self.in_flight:
                    break
                self._fill(queue)
                for outcome in self.executor.next_done(WAIT_SLICE_S):
                    self._store(outcome)
                self._beat()
        except BaseException:
            for key in list(self.in_flight):
                self.store.fail(key, "interrupted: the study run stopped before this trial finished")
            raise

    def _fill(self, queue: list) -> None:
        while queue and len(self.in_flight) < self.executor.slots:
            spec = queue.pop(0)
            if not self.store.claim(spec.key, spec.config_dict(), spec.seed, self.owner):
                row = self.store.get(spec.key)
                if row is not None and row.state == "running":
                    self.summary.held_elsewhere += 1
                self.progress.skip()
                continue
            self.executor.submit(spec)
            self.in_flight[spec.key] = (spec, time.perf_counter())

    def _store(self, outcome: Outcome) -> None:
        spec, submitted = self.in_flight.pop(outcome.key)
        if outcome.result is not None:
            for name, blob in (getattr(outcome.result, "artifacts", None) or {}).items():  # first: finished has them
                self.index.put_artifact(trial_artifact_name(outcome.key, name), "npz", blob, {"key": outcome.key})
            self.store.finish(outcome.key, outcome.result)
            state = outcome.result.state
        else:
            self.store.fail(outcome.key, outcome.error or "unknown error")
            self.summary.errors[outcome.key] = outcome.error or ""
            state = "failed"
        self.summary.ran += 1
        setattr(self.summary, state, getattr(self.summary, state) + 1)
        self._time(outcome, time.perf_counter() - submitted)
        self.progress.done(spec, state, outcome.result)

    def _time(self, outcome: Outcome, driver_s: float) -> None:
        if outcome.result is None:
            return
        first = outcome.pid not in self.seen_pids
        self.seen_pids.add(outcome.pid)
        self.summary.timings.append(TrialTiming(outcome.key, driver_s, outcome.result.fit_time_s, first))

    def _beat(self) -> None:
        if time.monotonic() - self.last_beat < HEARTBEAT_EVERY_S:
            return
        for key in self.in_flight:
            self.store.heartbeat(key, self.owner)
        self.last_beat = time.monotonic()


def run_studies(
    specs: list[StudySpec],
    store: Store,
    executor,
    *,
    profile: str = "full",
    seeds: Seeds | None = None,
    data_dir=None,
    hook: str | None = None,
    show_progress: bool = True,
) -> RunSummary:
    """Run every unfinished trial of `specs` under `profile` and store the outcomes. The executor is closed."""
    start = time.perf_counter()
    summary = RunSummary(studies=[s.name for s in specs], profile=profile)
    cells = plan(specs, profile, seeds)
    index = StudyIndex(store)
    call_hook(hook)
    all_cells = [cell for spec in specs for cell in cells[spec.name]]
    for spec in specs:
        index.record(spec, profile, cells[spec.name])
    record_figure_samples(index, all_cells, data_dir)
    todo, summary.already_finished = _runnable(store, all_cells)
    prepare_clock_data(todo, data_dir)
    summary.cells, summary.trials = len(all_cells), summary.already_finished + len(todo)
    try:
        with TrialProgress(len(todo), enabled=show_progress) as progress:
            Driver(store, executor, summary, progress, index).run(todo)
    finally:
        executor.close()
    summary.wall_time_s = time.perf_counter() - start
    return summary
