"""Decision mode: seeds where they decide something, within a time budget.

Every cell starts at `start_seeds` (2) seeds. Then, while the budget lasts, the cells of claims that are still
undecided (by the report's own rules, `ablab.report.findings.judge`, on what the store holds so far) are brought to
the next planned look (`ablab.report.compare.LOOKS`: 3, 5, 8, 12 seeds; α is spent across the looks), up to
`max_seeds` (12). Which work comes next is chosen by cost per expected decision: a claim whose planned seeds
(80% power, with the spread measured on the other rows of its table) are within reach goes before one that needs
more than the cap, and a cheap MLP seed before a CNN one. A claim whose cells cannot all reach 2 seeds within the
budget is not started at all ("not run at this budget" in the report), so no verdict rests on a cell with one seed.

Costs are measured as it goes: per model, the stored wall time per epoch of its finished trials (a prior until
the first one lands). The time spent is kept in the store (artifact `decision:<profile>`), so a second run counts
the first one's time against the same budget: it runs what is left of it (nothing, after a run that used it up)
and writes the report, in seconds. `--budget` larger than before buys more seeds.

Imports: studies → report.findings/verdicts (pure rules on per-seed numbers); the report never imports studies.
"""

from __future__ import annotations

import re
import statistics
import time
from dataclasses import dataclass, field

from ablab.errors import AblabError
from ablab.report.compare import DEFAULT_MARGINS, LOOKS
from ablab.report.findings import CLAIMS, Claim, Evidence, Finding, judge, spread_outside
from ablab.report.user_claims import user_claims
from ablab.report.verdicts import UNDECIDED
from ablab.store import FINISHED, Store
from ablab.store.studies import StudyIndex
from ablab.studies import task3
from ablab.studies.expand import StudyTrial, expand
from ablab.studies.progress import TrialProgress
from ablab.studies.runner import Driver, RunSummary, prepare_clock_data, record_figure_samples
from ablab.studies.spec import StudySpec
from ablab.studies.worker import call_hook

CellId = tuple  # (table, group, row, dataset)
# wall seconds per epoch of a trial before one is measured (2-core AMD EPYC, one thread per worker; the quick CNN:
# 8,000 images at batch 32 took 325 s for 3 epochs, bench/quick_cnn.py; T3-1's clock trial: 9,600 150-px clocks
# took 885 s for 7 epochs on a Zen 4 in bf16 beside other work; a low prior lets a long trial overrun the budget).
PRIOR_EPOCH_S = {"mlp": 6.0, "cnn": 110.0, "clock-lm": 125.0}
DEFAULT_PRIOR_EPOCH_S = 60.0
BUDGET_PATTERN = re.compile(r"(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?")


def parse_budget(text: str) -> float:
    """'30m', '90s', '1h', '1h30m' -> seconds; anything else is the user's to fix (exit 2)."""
    match = BUDGET_PATTERN.fullmatch(text.strip().lower())
    if not text.strip() or match is None or not any(match.groups()):
        raise AblabError(f"--budget {text!r}: expected a duration such as 30m, 90s, 1h or 1h30m")
    hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    total = 3600 * hours + 60 * minutes + seconds
    if total <= 0:
        raise AblabError(f"--budget {text!r}: the budget must be more than 0 s, e.g. 30m")
    return total


@dataclass(frozen=True)
class DecisionPolicy:
    """Seeds start at `start_seeds`, grow to at most `max_seeds`, within `budget_s` (None: no time limit) minus
    `reserve_s` kept for writing the report."""

    start_seeds: int = 2
    max_seeds: int = LOOKS[-1]
    budget_s: float | None = None
    reserve_s: float = 60.0

    def __post_init__(self):
        if not 1 <= self.start_seeds <= self.max_seeds:
            raise AblabError(f"--max-seeds {self.max_seeds}: must be at least the starting {self.start_seeds} seeds")

    def next_look(self, held: int) -> int | None:
        """The planned look after `held` seeds, within the cap (None: none left)."""
        return next((n for n in LOOKS if held < n <= self.max_seeds), None)


@dataclass
class DecisionSummary:
    """What the decision mode did: verdict counts, stop reason, budget spent (estimated wall seconds)."""

    stop_reason: str = ""
    spent_s: float = 0.0
    scheduled: int = 0
    verdicts: dict[str, str] = field(default_factory=dict)  # claim id -> verdict at the end
    not_started: list[str] = field(default_factory=list)  # claims not run at this budget


@dataclass
class Unit:
    """Trials that only make sense together: a claim's cells brought to n seeds, or a table's free cells."""

    name: str
    trials: list[StudyTrial]
    chance: float  # how likely this work decides something (1: the estimate says it will)
    cost_s: float = 0.0


class Plan:
    """Every trial the studies could run (seeds 0 … max_seeds-1), by cell, and what the store holds of them."""

    def __init__(self, specs: list[StudySpec], profile: str, policy: DecisionPolicy, claims: tuple = CLAIMS):
        self.specs, self.profile, self.policy = specs, profile, policy
        self.trials = {s.name: expand(s, profile, list(range(policy.max_seeds))) for s in specs}
        self.by_cell: dict[CellId, dict[int, StudyTrial]] = {}
        for trials in self.trials.values():
            for t in trials:
                self.by_cell.setdefault((t.table, t.group, t.row, t.dataset), {})[t.seed] = t
        known = set(self.by_cell)
        self.claims = [c for c in claims if all(cell in known for cell in c.cells())]
        self.margins = dict(DEFAULT_MARGINS)
        for spec in specs:
            self.margins.update(spec.margins)
        self.clock_cells = task3.clock_cells(self.by_cell)  # T3-1's, scheduled by ablab.studies.task3
        claimed = {cell for c in self.claims for cell in c.cells()}
        self.free_cells = [c for c, seeds in self.by_cell.items() if c not in claimed and not task3.is_clock(seeds)]

    def keys(self) -> list[str]:
        return sorted({t.key for cells in self.by_cell.values() for t in cells.values()})

    def base(self, cell: CellId) -> list[StudyTrial]:
        return [t for seed, t in sorted(self.by_cell[cell].items()) if seed < self.policy.start_seeds]


class StoreView:
    """The plan's finished trials in the store: per-seed accuracies for the rules, wall times for the costs."""

    def __init__(self, store: Store, plan: Plan):
        self.store, self.plan = store, plan
        self.refresh()

    def refresh(self) -> None:
        self.rows = {r.key: r for r in self.store.trials(keys=self.plan.keys()) if r.state in FINISHED}

    def values(self, cell: CellId) -> dict[int, float]:
        return {seed: self.rows[t.key].test_accuracy for seed, t in self.plan.by_cell.get(cell, {}).items()
                if t.key in self.rows and self.rows[t.key].test_accuracy is not None}

    def finished(self, trial: StudyTrial) -> bool:
        return trial.key in self.rows

    def evidence(self) -> Evidence:
        """What the report's rules read: these values, the studies' margins, the spread of the other rows."""
        return Evidence(self.values, self.plan.margins, spread_outside(self.values, list(self.plan.by_cell)))

    def epoch_s(self, model: str, batch_size: int | None = None) -> float:
        """Measured mean wall seconds per epoch of this model's trials at this batch size; else of the model's
        trials at any batch size, scaled by `batch_factor`; else a prior."""
        rows = [r for r in self.rows.values() if r.config.get("model") == model and r.wall_time_s]
        same = [r for r in rows if r.config.get("batch_size") == batch_size]
        if same:
            return statistics.fmean(r.wall_time_s / max(1, r.config.get("epochs", 1)) for r in same)
        if not rows:
            return PRIOR_EPOCH_S.get(model, DEFAULT_PRIOR_EPOCH_S) * batch_factor(batch_size)
        per_epoch = [r.wall_time_s / max(1, r.config.get("epochs", 1)) / batch_factor(r.config.get("batch_size"))
                     for r in rows]
        return statistics.fmean(per_epoch) * batch_factor(batch_size)

    def measured(self, model: str) -> bool:
        """Whether a trial of this model is stored (its cost is then measured, not the prior)."""
        return any(r.config.get("model") == model and r.wall_time_s for r in self.rows.values())

    def trial_s(self, trial: StudyTrial) -> float:
        config = trial.spec.config
        model = getattr(config, "model", "")
        return self.epoch_s(model, getattr(config, "batch_size", None)) * getattr(config, "epochs", 1)


def batch_factor(batch_size: int | None) -> float:
    """How much longer an epoch takes at a small batch than at 32 on a CPU (per-step overhead), before it is
    measured: 1 at ≥ 32, 2.5 at 8, 4.5 at 4 (a guess on the safe side)."""
    if not batch_size or batch_size >= 32:
        return 1.0
    return (1.0 + 32.0 / batch_size) / 2.0

# Before any seed: how likely 2 seeds decide a test of this kind. A margin test needs an interval narrower than
# its 1-point margin, rarely reached at 2 seeds; "better" and "best" are decided by a clear effect.
BASE_CHANCE = {"better": 1.0, "best": 1.0, "not_better": 0.5, "close": 0.5, "marginally_better": 0.5}
FREE_ROWS_CHANCE = 0.25
# A claim whose plan lies beyond the cap (the plan is an estimate from other rows' spread) gets seeds only after
# every claim within reach: budget left over still buys looks rather than idling.
BEYOND_PLAN_CHANCE = 0.05


def _model(trial: StudyTrial) -> str:
    return getattr(trial.spec.config, "model", "")


def _base_chance(claim: Claim) -> float:
    return min(BASE_CHANCE.get(t.kind, 0.5) for t in claim.tests)


def chance_of_deciding(finding: Finding, target: int, max_seeds: int) -> float:
    """How likely bringing the claim's cells to the look `target` decides it, from its planned seeds (the first look
    with 80% power). A claim whose plan lies beyond the cap (e.g. "NAdam is the best of 8": a tie within the margin
    needs more seeds than 12) comes last."""
    needed = finding.seeds_needed
    if needed is not None and needed <= target:
        return 1.0
    return 0.5 if needed is not None and needed <= max_seeds else BEYOND_PLAN_CHANCE


STOP_DONE = "every claim decided, at the seed cap, or out of its reach"


class Scheduler:
    """Chooses the next trials: the affordable unit with the lowest cost per expected decision."""

    def __init__(self, plan: Plan, view: StoreView, slots: int, spent_before_s: float):
        self.plan, self.view, self.slots = plan, view, max(1, slots)
        self.policy = plan.policy
        self.spent_before_s, self.started = spent_before_s, time.monotonic()
        self.scheduled: set[str] = set()  # keys handed to the driver by this run
        self.stop_reason = ""

    def spent_s(self, busy: set[str]) -> float:
        """Budget used: earlier runs' time, this run's elapsed, and what the trials in flight will still take."""
        flight = sum(self.view.trial_s(t) for cells in self.plan.by_cell.values() for t in cells.values()
                     if t.key in busy) / self.slots
        ran = sum(self.view.rows[k].wall_time_s or 0.0 for k in self.scheduled if k in self.view.rows) / self.slots
        return self.spent_before_s + max(time.monotonic() - self.started, ran) + flight / 2.0

    def _open(self, trials: list[StudyTrial]) -> list[StudyTrial]:
        unique = {t.key: t for t in trials if not self.view.finished(t) and t.key not in self.scheduled}
        return list(unique.values())

    def _held(self, cell: CellId) -> int:
        cells = self.plan.by_cell[cell]
        return sum(1 for t in cells.values() if self.view.finished(t) or t.key in self.scheduled)

    def base_cost_s(self, claim: Claim) -> float:
        """Estimated wall seconds to bring every cell of the claim to the starting seeds, on this run's slots."""
        base = {t.key: t for cell in claim.cells() for t in self.plan.base(cell) if not self.view.finished(t)}
        return sum(self.view.trial_s(t) for t in base.values()) / self.slots

    def _claim_unit(self, claim: Claim, finding: Finding, busy: set[str]) -> Unit | None:
        cells = claim.cells()
        if any(t.key in busy for cell in cells for t in self.plan.by_cell[cell].values()):
            return None  # results still coming: decide when they are in
        base = self._open([t for cell in cells for t in self.plan.base(cell)])
        if base:
            return Unit(f"{claim.id} at {self.policy.start_seeds} seeds", base, _base_chance(claim))
        if finding.verdict != UNDECIDED:
            return None
        target = self.policy.next_look(min(self._held(cell) for cell in cells))
        if target is None:
            return None
        extra = self._open([self.plan.by_cell[cell][seed] for cell in cells for seed in range(target)
                            if seed in self.plan.by_cell[cell]])
        chance = chance_of_deciding(finding, target, self.policy.max_seeds)
        return Unit(f"{claim.id} seed {target}", extra, chance) if extra and chance > 0 else None

    def _calibration_units(self, busy: set[str]) -> list[Unit]:
        """Per model no trial of which is stored yet: its cheapest open trial of a claim's cell, handed out before any
        other work, so that the model's cost is measured here before its claims are priced (ranked by cost, cheap MLP
        looks kept the CNN's first trial back until 3 of 24 min were left: measured)."""
        units = []
        for model in sorted({_model(t) for c in self.plan.claims for cell in c.cells() for t in self.plan.base(cell)}):
            if self.view.measured(model) or any(_model(t) == model and t.key in busy for t in self._every()):
                continue
            open_ = self._open([t for c in self.plan.claims for cell in c.cells() for t in self.plan.base(cell)
                                if _model(t) == model])
            if open_:
                units.append(Unit(f"measure a {model} trial on this machine", [min(open_, key=self.view.trial_s)], 1.0))
        return units

    def _every(self) -> list[StudyTrial]:
        return [t for cells in self.plan.by_cell.values() for t in cells.values()]

    def _units(self, findings: dict[str, Finding], busy: set[str]) -> list[Unit]:
        units = [u for c in self.plan.claims if (u := self._claim_unit(c, findings[c.id], busy))]
        # T3-1's clock trial is one long trial: started first (longest first), it holds one slot while the other
        # runs the short ones; ranked by cost per decision it waited behind MLP looks until it no longer fit
        first = self._calibration_units(busy)
        if clock := task3.next_trials(self.plan.clock_cells, self.view.rows, busy, self.scheduled):
            first.append(Unit(clock[0], clock[1], 1.0))
        free = self._open([t for cell in self.plan.free_cells for t in self.plan.base(cell)])
        if free:  # the tables show them, but they decide nothing: after the claims that could be decided
            units.append(Unit("rows outside the claims", free, FREE_ROWS_CHANCE))
        for u in first + units:
            u.cost_s = sum(self.view.trial_s(t) for t in u.trials) / self.slots
        return first + sorted(units, key=lambda u: (u.cost_s / u.chance, u.name))

    def next_batch(self, busy: set[str], free_slots: int) -> list[StudyTrial]:
        """Trials for at least `free_slots` workers, or [] (then `stop_reason` says why when nothing is busy)."""
        self.view.refresh()
        evidence = self.view.evidence()
        findings = {c.id: judge(evidence, c) for c in self.plan.claims}
        units = self._units(findings, busy)
        left_s = (self.policy.budget_s - self.policy.reserve_s - self.spent_s(busy)
                  if self.policy.budget_s is not None else float("inf"))
        batch: list[StudyTrial] = []
        for unit in units:
            if unit.cost_s > left_s:
                continue
            batch += unit.trials
            left_s -= unit.cost_s
            if len(batch) >= free_slots:
                break
        if not batch and not busy:
            self.stop_reason = "budget reached" if units else STOP_DONE
        self.scheduled |= {t.key for t in batch}
        return batch


def _spent_before(index: StudyIndex, profile: str) -> float:
    stored = index.artifact(f"decision:{profile}")
    return float(stored[2].get("spent_s", 0.0)) if stored else 0.0


def _save_spent(index: StudyIndex, profile: str, spent_s: float, policy: DecisionPolicy, stop: str,
                not_run_cost_s: dict[str, float] | None = None) -> None:
    """The decision artifact: budget spent and why it stopped; at the end, per claim not run at this budget, the
    estimated wall seconds its cells' 2 seeds would take on this machine (the report shows what budget would do)."""
    meta = {"spent_s": round(spent_s, 1), "budget_s": policy.budget_s, "max_seeds": policy.max_seeds, "stop": stop}
    if not_run_cost_s:
        meta["not_run_cost_s"] = {k: round(v, 1) for k, v in not_run_cost_s.items()}
    index.put_artifact(f"decision:{profile}", "json", b"", meta)


def _record(index: StudyIndex, plan: Plan, view: StoreView, scheduler: Scheduler) -> int:
    """Record each study's cells: its base seeds (shown as not run until they are) plus every seed scheduled or
    stored; returns how many cells that is."""
    cells = 0
    for spec in plan.specs:
        kept = [t for t in plan.trials[spec.name]
                if t.seed < plan.policy.start_seeds or t.key in scheduler.scheduled or view.finished(t)]
        index.record(spec, plan.profile, kept)
        cells += len(kept)
    return cells


class Feed:
    """Between the scheduler and the driver: records what it hands out, grows the progress bar, saves spent time."""

    def __init__(self, scheduler: Scheduler, index: StudyIndex, progress: TrialProgress):
        self.scheduler, self.index, self.progress = scheduler, index, progress
        self.handed = 0

    def __call__(self, busy: set[str], free_slots: int) -> list:
        batch = self.scheduler.next_batch(busy, free_slots)
        if batch:
            plan, view = self.scheduler.plan, self.scheduler.view
            _record(self.index, plan, view, self.scheduler)
            self.progress.grow(len({t.key for t in batch}))
            _save_spent(self.index, plan.profile, self.scheduler.spent_s(busy), plan.policy, "running")
        self.handed += len(batch)
        return list({t.key: t.spec for t in batch}.values())


def decision_claims(specs: list[StudySpec]) -> tuple[Claim, ...]:
    """The report's claims, and for each user study its declared claims and every row against its reference."""
    return CLAIMS + user_claims([s.model_dump(mode="json") for s in specs])


def run_decided(specs: list[StudySpec], store: Store, executor, *, profile: str, policy: DecisionPolicy,
                data_dir=None, hook: str | None = None, show_progress: bool = True,
                claims: tuple | None = None) -> tuple[RunSummary, DecisionSummary]:
    """Run the studies in decision mode (module docstring) and store every outcome. The executor is closed."""
    start = time.perf_counter()
    claims = decision_claims(specs) if claims is None else claims
    summary = RunSummary(studies=[s.name for s in specs], profile=profile)
    plan, index = Plan(specs, profile, policy, claims), StudyIndex(store)
    call_hook(hook)
    view = StoreView(store, plan)
    scheduler = Scheduler(plan, view, executor.slots, _spent_before(index, profile))
    _record(index, plan, view, scheduler)
    base = [t for trials in plan.trials.values() for t in trials if t.seed < policy.start_seeds]
    record_figure_samples(index, base, data_dir)
    prepare_clock_data([t.spec for t in base if not view.finished(t)], data_dir)
    summary.already_finished = len(view.rows)
    try:
        with TrialProgress(0, enabled=show_progress) as progress:
            Driver(store, executor, summary, progress, index).run_feed(Feed(scheduler, index, progress))
    finally:
        executor.close()
        _save_spent(index, profile, scheduler.spent_s(set()), policy, scheduler.stop_reason or "interrupted")
    view.refresh()
    summary.cells = _record(index, plan, view, scheduler)
    summary.trials = len({t.key for cells in plan.by_cell.values() for t in cells.values() if view.finished(t)})
    summary.wall_time_s = time.perf_counter() - start
    decision = _decision_summary(plan, view, scheduler)
    costs = {c.id: scheduler.base_cost_s(c) for c in plan.claims if c.id in decision.not_started}
    _save_spent(index, profile, decision.spent_s, policy, decision.stop_reason or "interrupted", costs)
    return summary, decision


def _decision_summary(plan: Plan, view: StoreView, scheduler: Scheduler) -> DecisionSummary:
    evidence = view.evidence()
    findings = [judge(evidence, c) for c in plan.claims]
    not_started = [f.claim.id for f in findings if any(len(view.values(c)) < plan.policy.start_seeds
                                                       for c in f.claim.cells())]
    verdicts = {f.claim.id: f.verdict for f in findings}
    if plan.clock_cells:
        verdicts[task3.CLAIM_ID] = task3.verdict(plan.clock_cells, view.rows)
    return DecisionSummary(scheduler.stop_reason, scheduler.spent_s(set()), len(scheduler.scheduled),
                           verdicts, not_started)
