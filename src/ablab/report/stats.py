"""The report's per-row statistics, from scipy.stats: mean ± 95% t-interval over seeds, and Holm's family-wise
correction. Comparisons of two rows (better / worse / equivalent) are `ablab.report.compare`.

Why scipy: its t distribution is the reference a reviewer checks against; the tests compare ours with scipy on
fixed samples and Holm with a textbook example.
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
