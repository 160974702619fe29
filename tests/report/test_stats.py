"""The report's statistics against scipy.stats on fixed samples, and Holm on a textbook example."""

import pytest
from scipy import stats as sps

from ablab.report.stats import holm, mean_interval, t_quantile

A = {0: 0.912, 1: 0.905, 2: 0.921, 3: 0.899, 4: 0.917}


@pytest.mark.parametrize("df,expected", [(1, 12.706), (2, 4.303), (3, 3.182), (4, 2.776), (9, 2.262), (29, 2.045)])
def test_t_quantile_matches_the_table(df, expected):
    assert t_quantile(0.975, df) == pytest.approx(expected, abs=6e-4)


def test_mean_interval_matches_scipy():
    xs = list(A.values())
    i = mean_interval(xs)
    low, high = sps.t.interval(0.95, len(xs) - 1, loc=sps.tmean(xs), scale=sps.sem(xs))
    assert (i.low, i.high) == pytest.approx((low, high), abs=1e-12)
    assert i.p_value == pytest.approx(sps.ttest_1samp(xs, 0.0).pvalue)
    single = mean_interval([0.5, None, float("nan")])
    assert single.n == 1 and single.low is None
    assert mean_interval([]).mean is None


def test_holm_on_a_textbook_example():
    # Holm (1979) as in Wikipedia's worked example: p = 0.01, 0.04, 0.03, 0.005 at α = 0.05 -> adjusted
    # 0.03, 0.06, 0.06, 0.02: H1 and H4 rejected, H2 and H3 not.
    adjusted = holm([0.01, 0.04, 0.03, 0.005])
    assert adjusted == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert [p < 0.05 for p in adjusted] == [True, False, False, True]
    assert holm([None, 0.2]) == [None, 0.2]


