"""The rules that turn per-seed test accuracies into a verdict per test, with its effect, n and the seeds that
would decide it. Pure functions of a `SeedValues` lookup, so the report (from loaded cells) and the studies'
decision mode (from the store, while it runs) apply the very same rules.

Every comparison is a difference of mean test accuracy a − b, paired over the seeds both cells hold (else Welch),
with its 95% t-interval and two-sided p-value (scipy.stats):

- better(a, b):             confirmed if the interval is above 0; refuted if at or below 0 ([0, 0]: identical
                            results, no improvement at all); else not decided.
- best(a, among):           k = len(among) − 1 comparisons a − r, Holm-adjusted over the k (family-wise α = 0.05).
                            Confirmed if a beats every r (adjusted p < α, positive); refuted if some r beats a
                            (adjusted p < α, negative) or is identical to it; else not decided.
- close(a, b, m):           confirmed if the interval lies within ±m; refuted if entirely outside; else not decided.
- marginally_better(a,b,m): confirmed if the mean is > 0 and the interval within ±m; refuted if the interval is
                            below 0 or above m; else not decided.
- not_better(a, b, m):      refuted if the interval is above 0; confirmed if its upper end is below m.

Seeds to decide: at the observed mean difference and standard deviation, the smallest n whose interval would
clear the boundary the mean leans towards (for `best`, at Holm's strictest level α/k).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ablab.report.stats import ALPHA, Interval, difference_interval, holm, mean_interval, seeds_to_decide

CONFIRMED, UNDECIDED, REFUTED, NOT_RUN = "confirmed", "not decided", "refuted", "not run"
MARGIN = 0.01  # accuracy: what "close", "comparable", "marginally" allow (1 percentage point)
M, F = "mnist", "fashion-mnist"
DATASET_NAMES = {M: "MNIST", F: "Fashion-MNIST"}

RowId = tuple[int, str, str]  # (table, group, row)
CellId = tuple[int | None, str, str, str]  # (table, group, row, dataset)
SeedValues = Callable[[CellId], dict[int, float]]  # cell -> {seed: test accuracy} of its finished trials


@dataclass(frozen=True)
class Test:
    kind: str  # better | best | close | marginally_better | not_better
    a: RowId
    dataset: str
    b: RowId | None = None
    among: tuple[str, ...] = ()  # rows of a's group, for `best`
    margin: float = MARGIN

    def cells(self) -> list[CellId]:
        """Every cell this test reads."""
        rows = [self.a] + ([self.b] if self.b else []) + [(self.a[0], self.a[1], r) for r in self.among]
        return list(dict.fromkeys((*r, self.dataset) for r in rows))


@dataclass
class TestResult:
    test: Test
    verdict: str
    description: str
    numbers: str
    reason: str = ""
    effect: Interval | None = None  # the decisive difference a − b (accuracy), or for `best` the closest one
    effect_label: str = ""  # what `effect` compares
    seeds_needed: int | None = None  # undecided: seeds that would decide it at the observed effect and variance
    leaning: str | None = None  # the verdict the observed mean points to


def fmt_points(d: Interval | None) -> str:
    """A difference in accuracy points (×100) with its interval and n."""
    if d is None or d.mean is None:
        return "no data"
    if d.low is None:
        return f"{100 * d.mean:+.2f} pts (n={d.n}, no interval)"
    return f"{100 * d.mean:+.2f} pts [{100 * d.low:+.2f}, {100 * d.high:+.2f}] (n={d.n})"


def _fmt_mean(i: Interval) -> str:
    if i.mean is None:
        return "no data"
    return f"{i.mean:.4f} (n={i.n})" if i.low is None else f"{i.mean:.4f} ± {i.half_width:.4f} (n={i.n})"


def _label(t: RowId) -> str:
    return f"T{t[0]} {t[2]}"


def _diff(values: SeedValues, a: RowId, b: RowId, dataset: str) -> tuple[Interval, str]:
    return difference_interval(values((*a, dataset)), values((*b, dataset)))


def _identical(d: Interval) -> bool:
    return d.low is not None and d.low == d.high == 0.0


def pairwise_verdict(d: Interval, kind: str, margin: float) -> str:
    """The verdict of one pairwise test on the interval of a − b."""
    if d.low is None:
        return UNDECIDED
    if kind == "better":
        return CONFIRMED if d.low > 0 else REFUTED if d.high <= 0 else UNDECIDED
    if kind == "close":
        inside = -margin <= d.low and d.high <= margin
        return CONFIRMED if inside else REFUTED if (d.low > margin or d.high < -margin) else UNDECIDED
    if kind == "marginally_better":
        if d.high < 0 or d.low > margin:
            return REFUTED
        return CONFIRMED if d.mean > 0 and -margin <= d.low and d.high <= margin else UNDECIDED
    if kind == "not_better":
        return REFUTED if d.low > 0 else CONFIRMED if d.high < margin else UNDECIDED
    raise ValueError(f"unknown test kind {kind!r}")


def decision_gap(kind: str, mean: float, margin: float) -> tuple[float, str | None]:
    """How far the observed mean difference lies from the boundary it would have to clear to be decided, and
    which verdict that would be (the larger gap where both are possible)."""
    if kind == "better":
        return abs(mean), (CONFIRMED if mean > 0 else REFUTED if mean < 0 else None)
    if kind == "close":
        return abs(margin - abs(mean)), (CONFIRMED if abs(mean) < margin else REFUTED)
    if kind == "marginally_better":
        if 0 < mean < margin:
            return margin - mean, CONFIRMED
        return (-mean if mean <= 0 else mean - margin), (REFUTED if mean != 0 else None)
    if kind == "not_better":
        if mean <= 0 or mean >= margin:
            return (margin - mean, CONFIRMED) if mean <= 0 else (mean, REFUTED)
        return max((mean, REFUTED), (margin - mean, CONFIRMED))
    raise ValueError(f"unknown test kind {kind!r}")


def _needed(d: Interval, kind: str, margin: float, alpha: float = ALPHA) -> tuple[int | None, str | None]:
    if d.mean is None or d.n < 1:
        return None, None
    gap, leaning = decision_gap(kind, d.mean, margin)
    return seeds_to_decide(gap, d.sd, alpha=alpha, n_now=d.n + 1), leaning


def pairwise(values: SeedValues, test: Test) -> TestResult:
    """better / close / marginally_better / not_better on one pair of cells."""
    d, method = _diff(values, test.a, test.b, test.dataset)
    ia, ib = (mean_interval(list(values((*r, test.dataset)).values())) for r in (test.a, test.b))
    words = {"better": "better than", "close": f"within ±{test.margin} of",
             "marginally_better": "marginally better than", "not_better": "no better than"}[test.kind]
    verdict = pairwise_verdict(d, test.kind, test.margin)
    needed, leaning = _needed(d, test.kind, test.margin) if verdict == UNDECIDED else (None, verdict)
    numbers = (f"{_label(test.a)} {_fmt_mean(ia)}; {_label(test.b)} {_fmt_mean(ib)}; "
               f"difference {fmt_points(d)} ({method}" + (f", p={d.p_value:.3g})" if d.p_value is not None else ")"))
    reason = "fewer than 2 seeds: no interval" if d.low is None and d.mean is not None else ""
    return TestResult(test, verdict, f"{DATASET_NAMES[test.dataset]}: {_label(test.a)} {words} {_label(test.b)}",
                      numbers, reason, d, f"{_label(test.a)} − {_label(test.b)}", needed, leaning)


def _best_verdict(diffs: dict[str, Interval], adjusted: dict[str, float | None]) -> tuple[str, list[str]]:
    """Holm-adjusted: (verdict, rows at least as good as a)."""
    beaten_by = [r for r, d in diffs.items() if _identical(d)
                 or (adjusted[r] is not None and adjusted[r] < ALPHA and d.mean < 0)]
    if beaten_by:
        return REFUTED, beaten_by
    wins = [r for r, d in diffs.items() if adjusted[r] is not None and adjusted[r] < ALPHA and d.mean > 0]
    return (CONFIRMED if diffs and len(wins) == len(diffs) else UNDECIDED), []


def _best_needed(diffs: dict[str, Interval], k: int) -> tuple[int | None, str | None]:
    """Seeds to decide a `best` test: refute against the row with the highest mean above a, else confirm against
    every row (each at Holm's strictest level α/k, so the estimate is on the safe side)."""
    known = {r: d for r, d in diffs.items() if d.mean is not None}
    if not known:
        return None, None
    worst = min(known, key=lambda r: known[r].mean)
    if known[worst].mean < 0:
        return seeds_to_decide(-known[worst].mean, known[worst].sd, alpha=ALPHA / k, n_now=known[worst].n + 1), REFUTED
    counts = [seeds_to_decide(d.mean, d.sd, alpha=ALPHA / k, n_now=d.n + 1) for d in known.values()]
    return (None if None in counts else max(counts)), CONFIRMED


def best(values: SeedValues, test: Test) -> TestResult:
    """a is the best of its group: Holm over the k comparisons a − r, paired by seed."""
    others = [r for r in test.among if r != test.a[2]]
    diffs = {r: _diff(values, test.a, (test.a[0], test.a[1], r), test.dataset)[0] for r in others}
    adjusted = dict(zip(others, holm([d.p_value for d in diffs.values()])))
    verdict, beaten_by = _best_verdict(diffs, adjusted)
    known = {r: d for r, d in diffs.items() if d.mean is not None}
    decisive = (min(beaten_by, key=lambda r: known[r].mean) if beaten_by
                else min(known, key=lambda r: known[r].mean) if known else None)
    means = {r: mean_interval(list(values((test.a[0], test.a[1], r, test.dataset)).values())).mean for r in test.among}
    ranked = sorted(((m, r) for r, m in means.items() if m is not None), reverse=True)
    parts = [(f"{test.a[2]} mean {means[test.a[2]]:.4f}" if means.get(test.a[2]) is not None
              else f"{test.a[2]}: no data"),
             f"our top row: {ranked[0][1] if ranked else '-'}"]
    if decisive is not None:
        p = adjusted[decisive]
        parts.append(f"vs {decisive}: {fmt_points(known[decisive])}" + (f", Holm p={p:.3g}" if p is not None else ""))
    if beaten_by:
        parts.append(f"at least as good (Holm, k={len(others)}): {', '.join(beaten_by)}")
    needed, leaning = _best_needed(diffs, max(1, len(others))) if verdict == UNDECIDED else (None, verdict)
    reason = "fewer than 2 seeds: no interval" if known and all(d.low is None for d in known.values()) else ""
    return TestResult(test, verdict, f"{DATASET_NAMES[test.dataset]}: {_label(test.a)} best of {test.a[1]} "
                      f"({len(test.among)} rows, Holm over {len(others)})", "; ".join(parts), reason,
                      known.get(decisive) if decisive else None,
                      f"{_label(test.a)} − T{test.a[0]} {decisive}" if decisive else "", needed, leaning)


def run_test(values: SeedValues, test: Test) -> TestResult:
    return (best if test.kind == "best" else pairwise)(values, test)


def combine(verdicts: list[str]) -> str:
    """All confirmed -> confirmed; any refuted -> refuted; otherwise not decided."""
    if verdicts and all(v == CONFIRMED for v in verdicts):
        return CONFIRMED
    return REFUTED if REFUTED in verdicts else UNDECIDED


def claim_seeds_needed(results: list[TestResult]) -> int | None:
    """Seeds (per cell) at which an undecided claim would be decided: the fewest of any test that leans to
    refuting it, else the most of its undecided tests (all must confirm). None when no estimate exists."""
    open_ = [r for r in results if r.verdict == UNDECIDED]
    refuting = [r.seeds_needed for r in open_ if r.leaning == REFUTED and r.seeds_needed is not None]
    if refuting:
        return min(refuting)
    counts = [r.seeds_needed for r in open_]
    return None if not counts or None in counts else max(counts)
