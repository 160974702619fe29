"""One comparison A − B of per-seed results with three decided outcomes — better, worse, or equivalent within a
margin declared before the runs — at one of the decision mode's planned looks.

Tests (kept libraries, checked against them in tests/report/test_compare.py), at the look's α:

- better:     one-sided paired t at α/2, H0 μ ≤ 0     (scipy.stats.ttest_rel; with `worse`, the two-sided test at α
- worse:      one-sided paired t at α/2, H0 μ ≥ 0      read by its sign, so a true difference of 0 is called better
                                                       or worse at most α of the time, not 2α)
- equivalent: two one-sided tests at α, H0 |μ| ≥ m    (statsmodels.stats.weightstats.ttost_paired)
- apart:      H0 |μ| ≤ m (μ > m or μ < −m established; Bonferroni over the two sides)

Testing these together on one comparison is valid under the partitioning principle (Goeman, Solari & Stijnen 2010):
each outcome's false-decision rate stays within its level. Paired over the seeds both cells hold (a row and its
reference share seeds: data order and initial weights, so their noise partly cancels); Welch's test where fewer than
two seeds are shared. Identical results (every difference 0) are "equivalent", never "better". Repeated looks: the
decision mode adds seeds in planned steps (LOOKS) and may stop at any of them, so α is spent across the looks
(Bonferroni over the looks, SHARES): P(any false decision over all looks) ≤ Σ α_k = α.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

import numpy as np

from ablab.report.stats import scipy_stats


def _statsmodels():
    """statsmodels' TOST and power, imported on first use (~1 s: every `ablab` command imports this module, most
    never test anything)."""
    from statsmodels.stats import power, weightstats

    return power, weightstats

ALPHA = 0.05
LOOKS = (2, 3, 5, 8, 12)  # seeds per cell at which the decision mode reads the tests
# Of α spent at each look (sums to 1): equal, so a claim that only 2 seeds can afford (a CNN on a CPU) is still
# decided when its effect is clear-cut (t > 63.7 at 1 degree of freedom).
SHARES = (0.2, 0.2, 0.2, 0.2, 0.2)
POWER = 0.8  # planned seeds: the first look with this chance of deciding at the assumed effect
# Declared margins (accuracy, 0.002 = 0.2 points): the test set's binomial standard error at the report's
# accuracies, sqrt(p(1−p)/10,000): 0.14 points at 98% (MNIST), 0.32 at 89% (Fashion-MNIST); a difference smaller
# than that would not reproduce on a fresh test set of the same size. A study spec's `margins:` overrides them.
DEFAULT_MARGINS = {"mnist": 0.002, "fashion-mnist": 0.003}
FALLBACK_MARGIN = 0.003  # a dataset without a declared margin
BETTER, WORSE, EQUIVALENT, UNDECIDED = "better", "worse", "equivalent", "undecided"
# Differences closer than this are equal (float rounding of accuracies, which move in steps of 1e-4 on 10,000
# test images): the t statistic of a constant is undefined, and scipy warns of catastrophic cancellation.
SAME = 1e-9


def look_alpha(n: int, alpha: float = ALPHA) -> float:
    """α spent at the look with n seeds: the share of the last planned look ≤ n (0 before the first look)."""
    spent = [share for look, share in zip(LOOKS, SHARES) if look <= n]
    return alpha * spent[-1] if spent else 0.0


def look_at_or_after(n: int) -> int | None:
    """The first planned look with at least n seeds (None past the last one)."""
    return next((look for look in LOOKS if look >= n), None)


@dataclass(frozen=True)
class Comparison:
    """A − B at one look: the mean difference, its (1 − α) interval (the one the better/worse tests read), the
    p-values of the four tests, the margin and α it was read with, and the outcome."""

    n: int
    mean: float | None
    sd: float | None  # of the paired differences (Welch: the standard error × √n)
    low: float | None
    high: float | None
    p_better: float | None
    p_worse: float | None
    p_equivalent: float | None
    p_apart: float | None
    margin: float
    alpha: float
    method: str

    @property
    def decided(self) -> bool:
        return self.outcome != UNDECIDED

    @property
    def outcome(self) -> str:
        """better / worse / equivalent / undecided (better within ±m is 'better': it is both)."""
        if self.p_better is None:
            return UNDECIDED
        if self.p_better < self.alpha / 2:
            return BETTER
        if self.p_worse < self.alpha / 2:
            return WORSE
        return EQUIVALENT if self.p_equivalent < self.alpha else UNDECIDED

    @property
    def within_margin(self) -> bool:
        return self.p_equivalent is not None and self.p_equivalent < self.alpha

    def label(self) -> str:
        """The outcome as the report prints it."""
        outcome = self.outcome
        if outcome in (BETTER, WORSE) and self.within_margin:
            return f"{outcome}, within ±{100 * self.margin:g} pts"
        return f"{outcome} within ±{100 * self.margin:g} pts" if outcome == EQUIVALENT else outcome


def _clean(values: dict[int, float]) -> dict[int, float]:
    return {s: float(v) for s, v in values.items() if v is not None and math.isfinite(v)}


def _degenerate(d: np.ndarray, margin: float, alpha: float, method: str) -> Comparison:
    """Every difference equal (sd 0): the t statistic is undefined; the sign and size of the constant decide."""
    mean = float(d[0])
    p = lambda holds: 0.0 if holds else 1.0  # noqa: E731
    return Comparison(len(d), mean, 0.0, mean, mean, p(mean > 0), p(mean < 0), p(abs(mean) < margin),
                      p(abs(mean) > margin), margin, alpha, method)


def _paired(a: np.ndarray, b: np.ndarray, margin: float, alpha: float) -> Comparison:
    d = a - b
    if np.ptp(d) <= SAME:
        return _degenerate(d, margin, alpha, "paired t")
    greater = scipy_stats().ttest_rel(a, b, alternative="greater")
    ci = greater.confidence_interval(1.0 - alpha / 2.0)  # one-sided bound at α/2: its low end is the 1 − α interval's
    p_greater, half = float(greater.pvalue), float(d.mean() - ci.low)
    equivalent, (_, p_above_low, _), (_, p_below_upp, _) = _statsmodels()[1].ttost_paired(a, b, -margin, margin)
    apart = min(1.0, 2.0 * min(1.0 - p_below_upp, 1.0 - p_above_low))
    return Comparison(len(d), float(d.mean()), float(d.std(ddof=1)), float(ci.low), float(d.mean() + half),
                      p_greater, 1.0 - p_greater, float(equivalent), apart, margin, alpha, "paired t")


def _welch(a: np.ndarray, b: np.ndarray, margin: float, alpha: float) -> Comparison:
    n = min(len(a), len(b))
    if np.ptp(a) <= SAME and np.ptp(b) <= SAME:
        return _degenerate(np.full(n, a.mean() - b.mean()), margin, alpha, "Welch t")
    test = lambda side, shift=0.0: scipy_stats().ttest_ind(a - shift, b, equal_var=False, alternative=side)  # noqa
    ci = test("two-sided").confidence_interval(1.0 - alpha)
    mean = float(a.mean() - b.mean())
    se = math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    apart = min(1.0, 2.0 * min(float(test("greater", margin).pvalue), float(test("less", -margin).pvalue)))
    equivalent = float(_statsmodels()[1].ttost_ind(a, b, -margin, margin, usevar="unequal")[0])
    return Comparison(n, mean, se * math.sqrt(n), float(ci.low), float(ci.high), float(test("greater").pvalue),
                      float(test("less").pvalue), equivalent, apart, margin, alpha, "Welch t")


def compare(a: dict[int, float], b: dict[int, float], margin: float, *, alpha: float | None = None) -> Comparison:
    """A − B from per-seed values ({seed: value}), paired over the seeds both hold (else Welch), read at the
    look its seed count reaches (`alpha` overrides the look's α). Fewer than 2 seeds: no test (undecided)."""
    a, b = _clean(a), _clean(b)
    common = sorted(set(a) & set(b))
    paired = len(common) >= 2
    n = len(common) if paired else min(len(a), len(b))
    level = look_alpha(n) if alpha is None else alpha
    if n < 2 or level <= 0.0:
        mean = (statistics.fmean(a.values()) - statistics.fmean(b.values())) if a and b else None
        return Comparison(n, mean, None, None, None, None, None, None, None, margin, level, "no test")
    if paired:
        return _paired(np.array([a[s] for s in common]), np.array([b[s] for s in common]), margin, level)
    return _welch(np.array(list(a.values())), np.array(list(b.values())), margin, level)


def median_sd(groups: list[list[float]]) -> float | None:
    """The median of the standard deviations of the groups of ≥ 2 values (None when there are none)."""
    sds = [statistics.stdev(g) for g in groups if len(g) >= 2]
    return statistics.median(sds) if sds else None


def planned_seeds(gap: float, sd_d: float | None, *, tests: int = 1, two_sided: bool = True) -> int | None:
    """The first planned look at which a one-sided test at that look's α (α/2 for better/worse; split over `tests`
    comparisons) has
    POWER to clear a boundary `gap` away, for paired differences with standard deviation `sd_d` (noncentral t,
    statsmodels). None where no look up to the last reaches it, or nothing is known yet."""
    if sd_d is None or gap <= 0.0:
        return None
    if sd_d == 0.0:
        return LOOKS[0]
    power = _statsmodels()[0].TTestPower()
    for n in LOOKS:
        level = look_alpha(n) / max(1, tests) / (2 if two_sided else 1)
        if power.power(effect_size=gap / sd_d, nobs=n, alpha=level, alternative="larger") >= POWER:
            return n
    return None


def simulate(rng: np.random.Generator, true_diff: float, sd_d: float, margin: float, *, claims: int,
             last_look: int = LOOKS[-1]) -> dict[str, float]:
    """How often each outcome is reached when `claims` comparisons with this true paired difference run as the
    decision mode runs them: seeds added look by look up to `last_look`, stopping at the first decision."""
    counts = dict.fromkeys((BETTER, WORSE, EQUIVALENT, UNDECIDED), 0)
    looks = [n for n in LOOKS if n <= last_look]
    for _ in range(claims):
        diffs = rng.normal(true_diff, sd_d, looks[-1])
        base = rng.normal(0.9, 0.01, looks[-1])  # the reference row; pairing cancels it
        outcome = UNDECIDED
        for n in looks:
            got = compare(dict(enumerate(base[:n] + diffs[:n])), dict(enumerate(base[:n])), margin)
            if got.decided:
                outcome = got.outcome
                break
        counts[outcome] += 1
    return {k: v / claims for k, v in counts.items()}
