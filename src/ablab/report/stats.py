"""Small statistics without scipy: Student's t quantile, mean ± 95% t-interval, and intervals of differences.

The t CDF is computed from the regularized incomplete beta function (Lentz's continued fraction, as in Numerical
Recipes §6.4) and inverted by bisection; tests check it against the printed t-table.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

CONFIDENCE = 0.95


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    tiny, eps = 1e-300, 1e-15
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 500):
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= c * d
        if abs(c * d - 1.0) < eps:
            break
    return result


def regularized_beta(a: float, b: float, x: float) -> float:
    """I_x(a, b) for a, b > 0 and 0 ≤ x ≤ 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_continued_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_continued_fraction(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    """P(T ≤ t) for Student's t with `df` (> 0, may be fractional) degrees of freedom."""
    tail = 0.5 * regularized_beta(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


def t_quantile(p: float, df: float) -> float:
    """The t value with P(T ≤ t) = p (0.5 < p < 1), by bisection to 1e-10."""
    if not 0.5 <= p < 1.0 or df <= 0:
        raise ValueError(f"t_quantile needs 0.5 ≤ p < 1 and df > 0 (got p={p}, df={df})")
    low, high = 0.0, 1.0
    while t_cdf(high, df) < p:
        high *= 2.0
    while high - low > 1e-10:
        mid = (low + high) / 2.0
        low, high = (mid, high) if t_cdf(mid, df) < p else (low, mid)
    return (low + high) / 2.0


@dataclass(frozen=True)
class Interval:
    """A sample's mean with its 95% t-interval; `low`/`high` are None when n < 2."""

    n: int
    mean: float | None
    sd: float | None
    low: float | None
    high: float | None

    @property
    def half_width(self) -> float | None:
        return None if self.low is None else (self.high - self.low) / 2.0

    def contains(self, value: float) -> bool | None:
        """Whether `value` lies in the interval (None when there is no interval)."""
        return None if self.low is None else self.low <= value <= self.high


def mean_interval(values: list[float], confidence: float = CONFIDENCE) -> Interval:
    """Mean ± t(1-α/2, n-1)·s/√n over finite values."""
    xs = [v for v in values if v is not None and math.isfinite(v)]
    if not xs:
        return Interval(0, None, None, None, None)
    mean = statistics.fmean(xs)
    if len(xs) < 2:
        return Interval(1, mean, None, None, None)
    sd = statistics.stdev(xs)
    half = t_quantile(0.5 + confidence / 2.0, len(xs) - 1) * sd / math.sqrt(len(xs))
    return Interval(len(xs), mean, sd, mean - half, mean + half)


def difference_interval(a: dict[int, float], b: dict[int, float], confidence: float = CONFIDENCE) -> tuple[Interval, str]:
    """Interval of mean(a) − mean(b) from per-seed values. Paired over common seeds when both have the same
    seeds (a row and its reference share seeds, so their noise partly cancels), else Welch's unequal-variance
    interval. Returns (interval, method)."""
    a = {s: v for s, v in a.items() if v is not None and math.isfinite(v)}
    b = {s: v for s, v in b.items() if v is not None and math.isfinite(v)}
    if a and set(a) == set(b):
        return mean_interval([a[s] - b[s] for s in sorted(a)], confidence), "paired t"
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
        return Interval(min(ia.n, ib.n), diff, 0.0, diff, diff)
    df = (va + vb) ** 2 / (va**2 / (ia.n - 1) + vb**2 / (ib.n - 1))
    half = t_quantile(0.5 + confidence / 2.0, df) * se
    return Interval(min(ia.n, ib.n), diff, se, diff - half, diff + half)
