"""The rules that turn per-seed results into a verdict per test and per claim. Pure functions of a `SeedValues`
lookup, so the report (from loaded cells) and the studies' decision mode (from the store, while it runs) apply the
very same rules.

Each comparison A − B has three decided outcomes (`ablab.report.compare`): better, worse, or equivalent within the
dataset's declared margin ±m, each tested at the α of the look its seed count reaches. A test of a claim gives
two p-values, one that would confirm it and one that would refute it:

- better(A, B):             confirm: A better.  refute: A worse, or equivalent (no difference that matters).
- not_better(A, B):         confirm: A worse or equivalent.  refute: A better.
- close(A, B):              confirm: equivalent within ±m.  refute: the difference lies outside ±m.
- marginally_better(A, B):  confirm: better and equivalent (better, by less than m).  refute: worse, or better by
                            more than m.
- best(A, among):           confirm: A better than every rival, each at α (intersection–union, Berger 1982: no
                            correction).  refute: some rival at least as good as A (A worse or equivalent), Holm
                            over the k rivals.
- compare(A, B):            no claim: the outcome itself (a user study's row against its group's reference).

A refuting p-value that is the smaller of two tests' is valid: under its null (A ≥ B + m) both tests keep their α
and each rejection implies the one-sided test of A < B + m. A claim is confirmed when every test confirms
(intersection–union) and refuted when some test refutes, Holm over its tests. Seeds to decide: the first planned
look at which the leaning test would have 80% power, with the spread measured outside the claim's own cells.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ablab.report.compare import (
    BETTER, DEFAULT_MARGINS, EQUIVALENT, FALLBACK_MARGIN, WORSE, Comparison, compare, planned_seeds,
)
from ablab.report.stats import holm

CONFIRMED, UNDECIDED, REFUTED, NOT_RUN = "confirmed", "not decided", "refuted", "not run"
M, F = "mnist", "fashion-mnist"
DATASET_NAMES = {M: "MNIST", F: "Fashion-MNIST"}
KINDS = ("better", "not_better", "close", "marginally_better", "best", "compare")

RowId = tuple[int | None, str, str]  # (table, group, row)
CellId = tuple[int | None, str, str, str]  # (table, group, row, dataset)
SeedValues = Callable[[CellId], dict[int, float]]  # cell -> {seed: test accuracy} of its finished trials
Spread = Callable[[list[CellId], str], float | None]  # σ of a paired difference, measured outside these cells


@dataclass(frozen=True)
class Test:
    kind: str  # one of KINDS
    a: RowId
    dataset: str
    b: RowId | None = None
    among: tuple[str, ...] = ()  # rows of a's group, for `best`
    margin: float | None = None  # None: the dataset's declared margin

    def cells(self) -> list[CellId]:
        """Every cell this test reads."""
        rows = [self.a] + ([self.b] if self.b else []) + [(self.a[0], self.a[1], r) for r in self.among]
        return list(dict.fromkeys((*r, self.dataset) for r in rows))


@dataclass(frozen=True)
class Evidence:
    """What the rules read: per-seed values, the declared margins, and a spread estimate for planning seeds."""

    values: SeedValues
    margins: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_MARGINS))
    spread: Spread | None = None

    def margin(self, test: Test) -> float:
        return test.margin if test.margin is not None else self.margins.get(test.dataset, FALLBACK_MARGIN)


@dataclass
class TestResult:
    test: Test
    verdict: str
    description: str
    numbers: str
    reason: str = ""
    effect: Comparison | None = None  # the decisive comparison a − b (for `best`, the rival that decides)
    effect_label: str = ""  # what `effect` compares
    seeds_needed: int | None = None  # undecided: the planned look at which it would likely be decided
    leaning: str | None = None  # the verdict the observed mean points to
    p_confirm: float | None = None
    p_refute: float | None = None
    alpha: float = 0.0


def fmt_points(d: Comparison | None) -> str:
    """A difference in accuracy points (×100) with its (1 − α) interval and n."""
    if d is None or d.mean is None:
        return "no data"
    if d.low is None:
        return f"{100 * d.mean:+.2f} pts (n={d.n}, no test)"
    return f"{100 * d.mean:+.2f} pts [{100 * d.low:+.2f}, {100 * d.high:+.2f}] (n={d.n})"


def _label(t: RowId) -> str:
    return f"T{t[0]} {t[2]}" if t[0] is not None else t[2]


def _directional(c: Comparison) -> tuple[float, float]:
    """p of better and of worse on the scale of α: each one-sided test runs at α/2 (`ablab.report.compare`)."""
    return min(1.0, 2.0 * c.p_better), min(1.0, 2.0 * c.p_worse)


def pair_p_values(kind: str, c: Comparison) -> tuple[float | None, float | None]:
    """(p that confirms, p that refutes) of one pairwise test kind on its comparison, each to be read at α."""
    if c.p_better is None:
        return None, None
    better, worse = _directional(c)
    if kind == "better":
        return better, min(worse, c.p_equivalent)
    if kind == "not_better":
        return min(worse, c.p_equivalent), better
    if kind == "close":
        return c.p_equivalent, c.p_apart
    if kind == "marginally_better":
        above = c.p_apart if c.mean > 0 else 1.0  # A − B > m (Bonferroni over both sides already in p_apart)
        return max(better, c.p_equivalent), min(1.0, 2.0 * min(worse, above))
    raise ValueError(f"unknown test kind {kind!r}; known: {', '.join(KINDS)}")


def verdict_of(p_confirm: float | None, p_refute: float | None, alpha: float) -> str:
    if p_confirm is not None and p_confirm < alpha:
        return CONFIRMED
    return REFUTED if p_refute is not None and p_refute < alpha else UNDECIDED


def _gap_and_leaning(kind: str, c: Comparison) -> tuple[float, str | None]:
    """How far the observed mean lies from the boundary it would have to clear, and the verdict it leans to."""
    mean, m = c.mean, c.margin
    if kind in ("better", "not_better"):
        toward_a = mean > 0
        confirms = toward_a if kind == "better" else not toward_a
        gap = abs(mean) if toward_a or mean < -m else m - abs(mean)
        return gap, (CONFIRMED if confirms else REFUTED)
    if kind == "close":
        return abs(m - abs(mean)), (CONFIRMED if abs(mean) < m else REFUTED)
    if kind == "compare":
        return (abs(mean), BETTER if mean > 0 else WORSE) if abs(mean) >= m else (m - abs(mean), EQUIVALENT)
    inside = 0 < mean < m
    return (min(mean, m - mean), CONFIRMED) if inside else (abs(mean) if mean <= 0 else mean - m, REFUTED)


def _needed(kind: str, c: Comparison, evidence: Evidence, cells: list[CellId], dataset: str,
            tests: int = 1) -> tuple[int | None, str | None]:
    if c.mean is None:
        return None, None
    gap, leaning = _gap_and_leaning(kind, c)
    outside = evidence.spread(cells, dataset) if evidence.spread else None
    # the larger of the other rows' spread and this comparison's own: a plan never rests on a spread smaller than
    # the one observed (measured: "NAdam best of 8" was planned at 5 seeds from the other rows, ran to 12 seeds,
    # 192 trials, and stayed open on its own spread)
    sd = max((x for x in (outside, c.sd) if x is not None), default=None)
    return planned_seeds(gap, sd, tests=tests), leaning


def _numbers(c: Comparison, a: str, b: str) -> str:
    tests = (f"p better {c.p_better:.3g}, worse {c.p_worse:.3g}, equivalent {c.p_equivalent:.3g}"
             if c.p_better is not None else "no test")
    return (f"{a} − {b}: {fmt_points(c)}, {c.method}, {100 * (1 - c.alpha):.0f}% interval at α={c.alpha:.3g}, "
            f"margin ±{100 * c.margin:g} pts; {tests}; outcome: {c.label()}")


def pairwise(evidence: Evidence, test: Test) -> TestResult:
    """better / not_better / close / marginally_better / compare on one pair of cells."""
    values = evidence.values
    c = compare(values((*test.a, test.dataset)), values((*test.b, test.dataset)), evidence.margin(test))
    a, b = _label(test.a), _label(test.b)
    words = {"better": "better than", "close": "equivalent to", "marginally_better": "marginally better than",
             "not_better": "no better than", "compare": "against"}[test.kind]
    if test.kind == "compare":
        verdict, p_confirm, p_refute = (c.outcome if c.decided else UNDECIDED), None, None
    else:
        p_confirm, p_refute = pair_p_values(test.kind, c)
        verdict = verdict_of(p_confirm, p_refute, c.alpha)
    needed, leaning = (_needed(test.kind, c, evidence, test.cells(), test.dataset) if verdict == UNDECIDED
                       else (None, verdict))
    reason = "fewer than 2 seeds: no test" if c.p_better is None and c.mean is not None else ""
    return TestResult(test, verdict, f"{DATASET_NAMES.get(test.dataset, test.dataset)}: {a} {words} {b}",
                      _numbers(c, a, b), reason, c, f"{a} − {b}", needed, leaning, p_confirm, p_refute, c.alpha)


def best(evidence: Evidence, test: Test) -> TestResult:
    """a is the best of its group: better than every rival (each at α), refuted by one at least as good (Holm)."""
    values, margin = evidence.values, evidence.margin(test)
    rivals = [r for r in test.among if r != test.a[2]]
    mine = values((*test.a, test.dataset))
    comps = {r: compare(mine, values((test.a[0], test.a[1], r, test.dataset)), margin) for r in rivals}
    pairs = [pair_p_values("better", c) for c in comps.values()]
    confirm = [p for p, _ in pairs]
    refute = holm([p for _, p in pairs])
    p_confirm = None if not confirm or None in confirm else max(confirm)
    p_refute = min((p for p in refute if p is not None), default=None)
    alpha = min((c.alpha for c in comps.values()), default=0.0)
    verdict = verdict_of(p_confirm, p_refute, alpha)
    decisive = _decisive_rival(comps, dict(zip(rivals, refute)), verdict)
    needed, leaning = _best_needed(comps, evidence, test) if verdict == UNDECIDED else (None, verdict)
    c = comps.get(decisive) if decisive else None
    numbers = "; ".join(_numbers(comps[r], test.a[2], r) for r in rivals if comps[r].mean is not None) or "no data"
    reason = "fewer than 2 seeds: no test" if comps and all(x.p_better is None for x in comps.values()) else ""
    return TestResult(test, verdict, f"{DATASET_NAMES.get(test.dataset, test.dataset)}: {_label(test.a)} best of "
                      f"{test.a[1]} ({len(test.among)} rows; Holm over {len(rivals)} to refute)", numbers, reason, c,
                      f"{_label(test.a)} − {decisive}" if decisive else "", needed, leaning, p_confirm, p_refute,
                      alpha)


def _decisive_rival(comps: dict[str, Comparison], refute: dict[str, float | None], verdict: str) -> str | None:
    """The rival the verdict turns on: the one that refutes most surely, else the closest to A."""
    known = {r: c for r, c in comps.items() if c.mean is not None}
    if not known:
        return None
    if verdict == REFUTED:
        return min((r for r in known if refute[r] is not None), key=lambda r: refute[r])
    return min(known, key=lambda r: known[r].mean)


def _best_needed(comps: dict[str, Comparison], evidence: Evidence, test: Test) -> tuple[int | None, str | None]:
    """Refute against the rival whose mean is highest relative to A (if it leans that way), else confirm against
    every rival (each at the look's α)."""
    known = {r: c for r, c in comps.items() if c.mean is not None}
    if not known:
        return None, None
    closest = min(known, key=lambda r: known[r].mean)
    cells = test.cells()
    if known[closest].mean < evidence.margin(test):
        return _needed("better", known[closest], evidence, cells, test.dataset, tests=len(comps))[0], REFUTED
    counts = [_needed("better", c, evidence, cells, test.dataset)[0] for c in known.values()]
    return (None if None in counts else max(counts)), CONFIRMED


def run_test(values: SeedValues | Evidence, test: Test) -> TestResult:
    evidence = values if isinstance(values, Evidence) else Evidence(values)
    return (best if test.kind == "best" else pairwise)(evidence, test)


def combine(results: list[TestResult]) -> str:
    """Every test confirms -> confirmed (intersection–union); some test refutes, Holm over the claim's tests ->
    refuted; otherwise not decided. `compare` tests (no claim) give their outcome when alone."""
    if len(results) == 1 and results[0].test.kind == "compare":
        return results[0].verdict
    if results and all(r.verdict == CONFIRMED for r in results):
        return CONFIRMED
    adjusted = holm([r.p_refute for r in results])
    refuted = any(p is not None and p < r.alpha for p, r in zip(adjusted, results))
    return REFUTED if refuted else UNDECIDED


def claim_seeds_needed(results: list[TestResult]) -> int | None:
    """Seeds (per cell) at which an undecided claim would likely be decided: the fewest of any test that leans to
    refuting it, else the most of its undecided tests (all must confirm). None when no estimate exists."""
    open_ = [r for r in results if r.verdict == UNDECIDED]
    refuting = [r.seeds_needed for r in open_ if r.leaning == REFUTED and r.seeds_needed is not None]
    if refuting:
        return min(refuting)
    counts = [r.seeds_needed for r in open_]
    return None if not counts or None in counts else max(counts)

