"""Three outcomes of a comparison (better / worse / equivalent within ±m) against scipy and statsmodels on fixed
samples, and the error rates of the decision mode's planned looks by simulation."""

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.weightstats import ttost_ind, ttost_paired

from ablab.report import compare as c

A = {0: 0.912, 1: 0.905, 2: 0.921, 3: 0.915, 4: 0.909}
B = {0: 0.907, 1: 0.903, 2: 0.912, 3: 0.914, 4: 0.902}


def test_paired_p_values_and_interval_match_scipy_and_statsmodels():
    got = c.compare(A, B, 0.01, alpha=0.05)
    a, b = np.array(list(A.values())), np.array(list(B.values()))
    assert got.method == "paired t" and got.n == 5
    assert got.p_better == pytest.approx(sps.ttest_rel(a, b, alternative="greater").pvalue)
    assert got.p_worse == pytest.approx(sps.ttest_rel(a, b, alternative="less").pvalue)
    assert got.p_equivalent == pytest.approx(ttost_paired(a, b, -0.01, 0.01)[0])
    ci = sps.ttest_rel(a, b).confidence_interval(0.95)  # better/worse are one-sided at α/2: the 1 − α interval
    assert (got.low, got.high) == (pytest.approx(ci.low), pytest.approx(ci.high))
    assert got.outcome == c.BETTER and got.within_margin  # better, and by less than the margin


def test_welch_where_the_seeds_differ_matches_scipy_and_statsmodels():
    a, b = {0: 0.91, 1: 0.92, 2: 0.915}, {5: 0.90, 6: 0.895, 7: 0.905, 8: 0.90}
    got = c.compare(a, b, 0.002, alpha=0.05)
    xa, xb = np.array(list(a.values())), np.array(list(b.values()))
    assert got.method == "Welch t"
    assert got.p_better == pytest.approx(sps.ttest_ind(xa, xb, equal_var=False, alternative="greater").pvalue)
    assert got.p_equivalent == pytest.approx(ttost_ind(xa, xb, -0.002, 0.002, usevar="unequal")[0])


@pytest.mark.parametrize("n", [2, 3, 5, 8, 12])
def test_identical_cells_are_equivalent_never_better(n):
    same = {s: 0.9 + 0.001 * s for s in range(n)}
    got = c.compare(same, dict(same), 0.002)
    assert got.outcome == c.EQUIVALENT and not got.p_better < got.alpha


def test_worse_and_undecided():
    assert c.compare(B, A, 0.001, alpha=0.05).outcome == c.WORSE
    noisy = {0: 0.90, 1: 0.93, 2: 0.88}
    assert c.compare(noisy, {0: 0.91, 1: 0.90, 2: 0.90}, 0.002, alpha=0.05).outcome == c.UNDECIDED
    assert c.compare({0: 0.9}, {0: 0.8}, 0.002).outcome == c.UNDECIDED  # one seed: no test


def test_alpha_is_spent_across_the_planned_looks():
    assert sum(c.look_alpha(n) - c.look_alpha(n - 1) if n in c.LOOKS else 0 for n in range(1, 13)) <= c.ALPHA
    assert sum(c.look_alpha(n) for n in c.LOOKS) == pytest.approx(c.ALPHA)
    assert c.look_alpha(1) == 0 and c.look_alpha(4) == c.look_alpha(3)


def _bound(rate: float, n: int) -> float:
    """rate + 2 Monte Carlo standard errors."""
    return rate + 2 * np.sqrt(rate * (1 - rate) / n)


def test_no_true_difference_is_called_better_or_worse_at_most_alpha_of_the_time():
    """The decision mode's looks (2, 3, 5, 8, 12 seeds, stopping at the first decision); bench/decision_rules.py
    runs 2,000 claims (docs/benchmarks.md), this 400."""
    rates = c.simulate(np.random.default_rng(0), 0.0, 0.003, 0.002, claims=400)
    assert rates[c.BETTER] + rates[c.WORSE] <= _bound(c.ALPHA, 400)


def test_a_true_difference_of_twice_the_margin_is_called_better_at_the_planned_seeds():
    margin, sd = 0.002, 0.003
    planned = c.planned_seeds(2 * margin, sd)
    assert planned is not None and planned in c.LOOKS
    rates = c.simulate(np.random.default_rng(1), 2 * margin, sd, margin, claims=400, last_look=planned)
    assert rates[c.BETTER] >= c.POWER - 2 * np.sqrt(c.POWER * (1 - c.POWER) / 400)


def test_planned_seeds_grow_with_the_noise_and_stop_at_the_last_look():
    small, large = c.planned_seeds(0.004, 0.001), c.planned_seeds(0.004, 0.003)
    assert small is not None and large is not None and small < large
    assert c.planned_seeds(0.0001, 0.01) is None
