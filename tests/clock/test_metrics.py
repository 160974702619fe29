import numpy as np
import pytest
from hypothesis import given, strategies as st

from ablab.clock.read.metrics import cse_minutes, summarize

times = st.tuples(st.integers(0, 11), st.integers(0, 59))


def test_report_example_wraps_at_twelve():
    assert cse_minutes([11, 55], [0, 5]) == 10
    assert cse_minutes([0, 0], [6, 0]) == 360
    assert cse_minutes([3, 30], [3, 30]) == 0


def test_vectorized_over_rows():
    true = np.array([[11, 55], [1, 0], [6, 0]])
    pred = np.array([[0, 5], [2, 30], [0, 0]])
    np.testing.assert_array_equal(cse_minutes(true, pred), [10, 90, 360])


@given(times, times)
def test_symmetric_and_in_range(a, b):
    d = cse_minutes(a, b)
    assert d == cse_minutes(b, a)
    assert 0 <= d <= 360


@given(times, st.integers(-720, 720))
def test_shift_by_k_minutes_costs_min_of_k_and_720_minus_k(a, shift):
    total = (a[0] * 60 + a[1] + shift) % 720
    b = (total // 60, total % 60)
    k = abs(shift) % 720
    assert cse_minutes(a, b) == min(k, 720 - k)


@given(times, times, times)
def test_triangle_inequality(a, b, c):
    assert cse_minutes(a, c) <= cse_minutes(a, b) + cse_minutes(b, c)


def test_summary_fields():
    s = summarize([[2, 59], [5, 10], [0, 0]], [[3, 0], [5, 10], [0, 7]])
    assert set(s) == {"n", "mean_cse_min", "median_cse_min", "within_1min", "within_5min", "hour_accuracy"}
    assert s["n"] == 3
    assert s["mean_cse_min"] == (1 + 0 + 7) / 3
    assert s["median_cse_min"] == 1
    assert s["within_1min"] == 2 / 3
    assert s["within_5min"] == 2 / 3
    assert s["hour_accuracy"] == 2 / 3


def test_uncertain_threshold_flags_one_percent_of_right_readings_whatever_the_wrong_ones():
    from ablab.clock.read.metrics import uncertain_threshold

    rng = np.random.default_rng(0)
    right_conf, wrong_conf = rng.uniform(0.5, 1.0, 1000), rng.uniform(0.0, 0.6, 20)
    confidence = np.concatenate([right_conf, wrong_conf])
    errors_min = np.concatenate([np.zeros(1000), np.full(20, 90.0)])
    threshold = uncertain_threshold(confidence, errors_min)
    assert np.mean(right_conf < threshold) == pytest.approx(0.01, abs=0.002)
    assert np.mean(wrong_conf < threshold) > 0.5
    with pytest.raises(ValueError, match="no right reading"):
        uncertain_threshold(wrong_conf, np.full(20, 90.0))
