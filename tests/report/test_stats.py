from __future__ import annotations

import math

import pytest

from runner.report.stats import ratio, summarize, t_quantile_975


def test_summary_of_known_values() -> None:
    s = summarize([1.0, 2.0, 3.0, 4.0])
    assert s is not None
    assert s.median == 2.5
    assert s.mean == 2.5
    assert s.std == pytest.approx(math.sqrt(5 / 3))
    assert (s.minimum, s.maximum) == (1.0, 4.0)
    half = 3.182 * s.std / 2
    assert s.ci95_low == pytest.approx(2.5 - half)
    assert s.ci95_high == pytest.approx(2.5 + half)
    assert s.cv == pytest.approx(s.std / 2.5)


def test_one_value_has_no_spread_and_none_has_no_summary() -> None:
    s = summarize([0.5])
    assert s is not None
    assert s.std is None
    assert s.ci95_low is None
    assert s.cv is None
    assert summarize([]) is None


# Published two-sided 95% critical values of Student's t.
@pytest.mark.parametrize(("df", "expected"), [
    (1, 12.706), (2, 4.303), (4, 2.776), (30, 2.042), (40, 2.021), (60, 2.000), (120, 1.980),
    (100_000, 1.960),
])
def test_t_quantiles_match_the_tables(df: int, expected: float) -> None:
    assert t_quantile_975(df) == pytest.approx(expected, abs=1e-3)


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
