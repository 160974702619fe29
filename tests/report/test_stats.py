"""The report's statistics against scipy.stats on fixed samples, and Holm on a textbook example."""

import pytest
from scipy import stats as sps

from ablab.report.stats import difference_interval, holm, mean_interval, seeds_to_decide, t_quantile

A = {0: 0.912, 1: 0.905, 2: 0.921, 3: 0.899, 4: 0.917}
B = {0: 0.901, 1: 0.899, 2: 0.909, 3: 0.893, 4: 0.915}


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


def test_paired_difference_matches_ttest_rel():
    d, method = difference_interval(A, B)
    ref = sps.ttest_rel(list(A.values()), list(B.values()))
    ci = ref.confidence_interval(0.95)
    assert method == "paired t" and d.n == 5
    assert d.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    assert (d.low, d.high) == pytest.approx((ci.low, ci.high), abs=1e-12)


def test_unpaired_difference_matches_welch():
    b = {10: 0.901, 11: 0.899, 12: 0.909}
    d, method = difference_interval(A, b)
    ref = sps.ttest_ind(list(A.values()), list(b.values()), equal_var=False)
    ci = ref.confidence_interval(0.95)
    assert method == "Welch t"
    assert d.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    assert (d.low, d.high) == pytest.approx((ci.low, ci.high), abs=1e-12)


def test_paired_difference_cancels_shared_seed_noise():
    a = {0: 0.90, 1: 0.95, 2: 0.85}
    b = {0: 0.89, 1: 0.94, 2: 0.84}
    paired, method = difference_interval(a, b)
    assert method == "paired t" and paired.low == pytest.approx(0.01) and paired.high == pytest.approx(0.01)
    assert paired.p_value == 0.0  # zero variance, non-zero mean
    same, _ = difference_interval(a, a)
    assert same.low == same.high == 0.0 and same.p_value == 1.0


def test_holm_on_a_textbook_example():
    # Holm (1979) as in Wikipedia's worked example: p = 0.01, 0.04, 0.03, 0.005 at α = 0.05 -> adjusted
    # 0.03, 0.06, 0.06, 0.02: H1 and H4 rejected, H2 and H3 not.
    adjusted = holm([0.01, 0.04, 0.03, 0.005])
    assert adjusted == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert [p < 0.05 for p in adjusted] == [True, False, False, True]
    assert holm([None, 0.2]) == [None, 0.2]


def test_seeds_to_decide():
    # gap 0.01 at sd 0.01: t(0.975, n-1)/√n < 1 first at n = 7 (2.447/2.646 = 0.925; n=6: 2.571/2.449 = 1.05)
    assert seeds_to_decide(0.01, 0.01) == 7
    assert seeds_to_decide(0.01, 0.01, n_now=9) == 9
    assert seeds_to_decide(0.0, 0.01) is None and seeds_to_decide(0.01, None) is None
    assert seeds_to_decide(1e-6, 0.05) is None  # beyond the estimate's range
