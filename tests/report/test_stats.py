from __future__ import annotations

import math

import pytest

from runner.report.stats import ratio, summarize, t_quantile


def test_summary_of_known_values() -> None:
    s = summarize([1.0, 2.0, 3.0, 4.0])
    assert s is not None
    assert s.median == 2.5
    assert s.mean == 2.5
    assert s.std == pytest.approx(math.sqrt(5 / 3))
    assert (s.minimum, s.maximum) == (1.0, 4.0)
    half = 3.182 * s.std / 2
    assert s.ci_low == pytest.approx(2.5 - half, abs=1e-3)
    assert s.ci_high == pytest.approx(2.5 + half, abs=1e-3)
    assert s.cv == pytest.approx(s.std / 2.5)


def test_one_value_has_no_spread_and_none_has_no_summary() -> None:
    s = summarize([0.5])
    assert s is not None
    assert s.std is None
    assert s.ci_low is None
    assert s.cv is None
    assert summarize([]) is None


# Two-sided 95% quantiles t_{0.975, df} of Student's t for df = 1..30 (NIST/SEMATECH
# e-Handbook of Statistical Methods, table 1.4.2.7.2): the oracle of the computed ones.
T_975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)


@pytest.mark.parametrize(("df", "expected"), [
    *enumerate(T_975, start=1), (40, 2.021), (60, 2.000), (120, 1.980), (100_000, 1.960),
])
def test_t_quantiles_match_the_tables(df: int, expected: float) -> None:
    assert t_quantile(0.975, df) == pytest.approx(expected, abs=1e-3)


@pytest.mark.parametrize(("probability", "df", "expected"), [
    (0.995, 4, 4.604), (0.995, 1, 63.657), (0.95, 10, 1.812), (0.9, 3, 1.638),
    (0.5, 7, 0.0), (0.025, 4, -2.776),
])
def test_t_quantiles_at_other_probabilities(probability: float, df: int,
                                            expected: float) -> None:
    assert t_quantile(probability, df) == pytest.approx(expected, abs=1e-3)


@pytest.mark.parametrize(("probability", "df", "message"), [
    (0.0, 3, "strictly between"), (1.0, 3, "strictly between"), (0.975, 0, "degrees of freedom"),
])
def test_t_quantile_refuses_what_has_none(probability: float, df: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        t_quantile(probability, df)


def test_the_interval_honours_the_confidence_asked_for() -> None:
    values = [1.0, 1.2, 0.9, 1.1, 1.3]
    s = summarize(values, confidence=0.99)
    assert s is not None and s.std is not None
    half = 4.604 * s.std / math.sqrt(5)  # t_{0.995, 4}
    assert s.ci_low == pytest.approx(s.mean - half, abs=1e-3)
    assert s.ci_high == pytest.approx(s.mean + half, abs=1e-3)


def test_ratio() -> None:
    assert ratio(4.0, 2.0) == 2.0
    assert ratio(None, 2.0) is None
    assert ratio(1.0, 0.0) is None


def test_outliers_by_tukeys_fences() -> None:
    from runner.report.stats import count_outliers

    assert count_outliers([1.0, 1.1, 0.9, 1.05, 0.95, 5.0]) == 1
    assert count_outliers([1.0, 1.1, 0.9, 1.05, 0.95]) == 0
    assert count_outliers([1.0, 9.0, 1.0]) == 0  # too few values to tell
    s = summarize([1.0, 1.1, 0.9, 1.05, 0.95, 5.0])
    assert s is not None and s.outliers == 1


def test_a_run_1_percent_off_in_a_quiet_cell_is_no_outlier() -> None:
    from runner.report.stats import count_outliers

    # Beyond Tukey's fences (the quartiles are 0.25 ms apart), yet under 1% from the median.
    assert count_outliers([0.1011, 0.1012, 0.1013, 0.1014, 0.1015, 0.1021]) == 0


def test_a_run_30_percent_off_is_an_outlier() -> None:
    from runner.report.stats import count_outliers

    assert count_outliers([1.0, 1.01, 0.99, 1.0, 1.02, 1.3]) == 1
    assert count_outliers([1.0, 1.01, 0.99, 1.0, 1.02, 0.7]) == 1
