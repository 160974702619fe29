"""t quantiles against the printed table; mean intervals; paired and Welch differences."""

import math

import pytest

from ablab.report.stats import difference_interval, mean_interval, t_cdf, t_quantile

# t_{0.975, df} from a standard table
T_TABLE = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 8: 2.306, 10: 2.228, 15: 2.131, 20: 2.086,
           30: 2.042, 60: 2.000, 120: 1.980}


@pytest.mark.parametrize("df,expected", sorted(T_TABLE.items()))
def test_t_quantile_matches_the_table(df, expected):
    assert t_quantile(0.975, df) == pytest.approx(expected, abs=6e-4)


def test_t_cdf_is_symmetric_and_tends_to_the_normal():
    assert t_cdf(0.0, 3) == pytest.approx(0.5)
    assert t_cdf(-1.5, 4) == pytest.approx(1 - t_cdf(1.5, 4))
    assert t_quantile(0.975, 1e6) == pytest.approx(1.95996, abs=1e-4)
    assert t_quantile(0.995, 5) == pytest.approx(4.032, abs=1e-3)


def test_mean_interval():
    i = mean_interval([0.90, 0.91, 0.92])
    assert (i.n, i.mean) == (3, pytest.approx(0.91))
    assert i.half_width == pytest.approx(4.303 * 0.01 / math.sqrt(3), rel=1e-3)
    assert i.contains(0.93) and not i.contains(0.95)
    single = mean_interval([0.5, None, float("nan")])
    assert (single.n, single.mean, single.low, single.contains(0.5)) == (1, 0.5, None, None)
    assert mean_interval([]).mean is None


def test_paired_difference_cancels_shared_seed_noise():
    a = {0: 0.90, 1: 0.95, 2: 0.85}
    b = {0: 0.89, 1: 0.94, 2: 0.84}
    paired, method = difference_interval(a, b)
    assert method == "paired t" and paired.low == pytest.approx(0.01) and paired.high == pytest.approx(0.01)
    welch, method = difference_interval(a, {0: 0.89, 1: 0.94})
    assert method == "Welch t" and welch.low < 0 < welch.high


def test_report_value_is_outside_only_beyond_its_rounding():
    from collections import Counter

    from ablab.report.aggregate import RowSummary

    def row(values, report):
        return RowSummary("s", 2, "g", "r", "mnist", mean_interval(values), mean_interval([]), Counter(), len(values),
                          report, None)

    assert row([0.1135, 0.1135], 0.113).outside("accuracy") is False  # 0.113 stands for [0.1125, 0.1135]
    assert row([0.1135, 0.1135], 0.112).outside("accuracy") is True
    assert row([0.90, 0.91, 0.92], 0.95).outside("accuracy") is True
    assert row([0.90], 0.95).outside("accuracy") is None  # one seed: no interval
