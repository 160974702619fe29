"""The report's statistics, from scipy.stats: mean ± 95% t-interval, paired (or Welch) differences with their
p-values, Holm's family-wise correction, and the seeds a comparison would need to be decided.

Why scipy: its t distribution and tests are the reference a reviewer checks against; the tests compare ours with
`scipy.stats.ttest_rel` / `ttest_ind` on fixed samples and Holm with a textbook example.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass



def scipy_stats():
    """scipy.stats, imported on first use: it takes ~1.5 s, and every `ablab` command imports the report's rules
    (the CLI's start went from 0.55 s to 3.5 s when it was imported with them)."""
    from scipy import stats

    return stats

CONFIDENCE = 0.95
ALPHA = 1.0 - CONFIDENCE
MAX_SEEDS_ESTIMATE = 200  # beyond this, "seeds to decide" is shown as "> 200"


def t_quantile(p: float, df: float) -> float:
    """The t value with P(T ≤ t) = p (0.5 ≤ p < 1) for `df` (> 0, may be fractional) degrees of freedom."""
    if not 0.5 <= p < 1.0 or df <= 0:
        raise ValueError(f"t_quantile needs 0.5 ≤ p < 1 and df > 0 (got p={p}, df={df})")
    return float(scipy_stats().t.ppf(p, df))


@dataclass(frozen=True)
class Interval:
    """A sample's mean with its 95% t-interval; `low`/`high` are None when n < 2. For a difference, `sd` is the
    standard deviation of the per-seed differences (paired) or the standard error (Welch), and `p_value` the
    two-sided p-value of "the mean is 0"."""

    n: int
    mean: float | None
    sd: float | None
    low: float | None
    high: float | None
    p_value: float | None = None

    @property
    def half_width(self) -> float | None:
        return None if self.low is None else (self.high - self.low) / 2.0

    def contains(self, value: float) -> bool | None:
        """Whether `value` lies in the interval (None when there is no interval)."""
        return None if self.low is None else self.low <= value <= self.high


def _finite(values) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(v)]


def _one_sample_p(mean: float, sd: float, n: int) -> float:
    """Two-sided p of a one-sample t-test of mean 0; a zero-variance sample is 1.0 at mean 0, else 0.0."""
    if sd == 0.0:
        return 1.0 if mean == 0.0 else 0.0
    return float(scipy_stats().t.sf(abs(mean) / (sd / math.sqrt(n)), n - 1) * 2.0)


def mean_interval(values, confidence: float = CONFIDENCE) -> Interval:
    """Mean ± t(1-α/2, n-1)·s/√n over the finite values, with the p-value of "mean = 0"."""
    xs = _finite(values)
    if not xs:
        return Interval(0, None, None, None, None)
    mean = statistics.fmean(xs)
    if len(xs) < 2:
        return Interval(1, mean, None, None, None)
    sd = statistics.stdev(xs)
    half = t_quantile(0.5 + confidence / 2.0, len(xs) - 1) * sd / math.sqrt(len(xs))
    return Interval(len(xs), mean, sd, mean - half, mean + half, _one_sample_p(mean, sd, len(xs)))


def difference_interval(a: dict[int, float], b: dict[int, float],
                        confidence: float = CONFIDENCE) -> tuple[Interval, str]:
    """Interval of mean(a) − mean(b) from per-seed values. Paired over the seeds both hold when they share at
    least two (a row and its reference share seeds, so their noise partly cancels), else Welch's
    unequal-variance interval. Returns (interval, method)."""
    a = {s: float(v) for s, v in a.items() if v is not None and math.isfinite(v)}
    b = {s: float(v) for s, v in b.items() if v is not None and math.isfinite(v)}
    common = sorted(set(a) & set(b))
    if len(common) >= 2 or (common and set(a) == set(b)):
        return mean_interval([a[s] - b[s] for s in common], confidence), "paired t"
    return _welch(list(a.values()), list(b.values()), confidence), "Welch t"


def _welch(a: list[float], b: list[float], confidence: float) -> Interval:
    ia, ib = mean_interval(a), mean_interval(b)
    if ia.mean is None or ib.mean is None:
        return Interval(min(ia.n, ib.n), None, None, None, None)
    diff = ia.mean - ib.mean
    if ia.n < 2 or ib.n < 2:
        return Interval(min(ia.n, ib.n), diff, None, None, None)
    va, vb = ia.sd**2 / ia.n, ib.sd**2 / ib.n
    se = math.sqrt(va + vb)
    if se == 0.0:
        return Interval(min(ia.n, ib.n), diff, 0.0, diff, diff, 1.0 if diff == 0.0 else 0.0)
    df = (va + vb) ** 2 / (va**2 / (ia.n - 1) + vb**2 / (ib.n - 1))
    half = t_quantile(0.5 + confidence / 2.0, df) * se
    p = float(scipy_stats().t.sf(abs(diff) / se, df) * 2.0)
    return Interval(min(ia.n, ib.n), diff, se, diff - half, diff + half, p)


def holm(p_values: list[float | None]) -> list[float | None]:
    """Holm's step-down adjusted p-values (family-wise error ≤ α when adjusted p ≤ α is called significant).
    None (no test) stays None and does not count in the family."""
    known = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    adjusted: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(known):
        running = max(running, min(1.0, (len(known) - rank) * p))  # monotone: never below an earlier step
        adjusted[i] = running
    return adjusted


def seeds_to_decide(gap: float, sd: float | None, *, alpha: float = ALPHA, n_now: int = 0) -> int | None:
    """The smallest number of (paired) seeds n whose interval mean ± t(1-α/2, n-1)·sd/√n is narrower than `gap`
    (the distance from the observed mean to the boundary that would decide), assuming the observed effect and
    standard deviation hold. None when no n ≤ MAX_SEEDS_ESTIMATE does (or gap ≤ 0, or no sd yet)."""
    if sd is None or gap <= 0.0:
        return None
    for n in range(max(2, n_now), MAX_SEEDS_ESTIMATE + 1):
        if sd == 0.0 or t_quantile(1.0 - alpha / 2.0, n - 1) * sd / math.sqrt(n) < gap:
            return n
    return None
