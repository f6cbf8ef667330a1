"""Hodges-Lehmann ratios and Benjamini-Hochberg q-values: against their definitions,
the U test they invert, and scipy."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runner.report.inference import benjamini_hochberg, hodges_lehmann_ratio
from runner.report.stats import mann_whitney_u

scipy_stats = pytest.importorskip("scipy.stats")

positive = st.floats(0.01, 100, allow_nan=False)


@settings(max_examples=150, deadline=None)
@given(a=st.lists(positive, min_size=4, max_size=12, unique=True),
       b=st.lists(positive, min_size=4, max_size=12, unique=True))
def test_the_interval_holds_exactly_the_ratios_the_u_test_does_not_reject(
        a: list[float], b: list[float]) -> None:
    if len({*a, *b}) < len(a) + len(b):
        return  # the exact test needs distinct values
    estimate = hodges_lehmann_ratio(a, b)
    assert estimate.low is not None and estimate.high is not None
    assert estimate.low <= estimate.ratio <= estimate.high
    # Scaling A by a ratio inside the interval leaves the U test unrejected at 5%;
    # beyond either end it rejects (Lehmann's inversion).
    inside = math.sqrt(estimate.low * estimate.high)
    assert mann_whitney_u([x * inside for x in a], b)[1] >= 0.05
    for outside in (estimate.low * 0.999, estimate.high * 1.001):
        scaled = [x * outside for x in a]
        if len({*scaled, *b}) == len(scaled) + len(b):  # no tie made by the scaling
            assert mann_whitney_u(scaled, b)[1] < 0.05


def test_the_estimate_is_the_median_of_the_pairwise_ratios() -> None:
    a, b = [1.0, 2.0, 4.0], [3.0, 6.0]
    ratios = sorted(y / x for x in a for y in b)
    assert hodges_lehmann_ratio(a, b).ratio == pytest.approx(
        math.exp((math.log(ratios[2]) + math.log(ratios[3])) / 2))


def test_three_runs_a_side_give_no_95_percent_interval() -> None:
    # P(U = 0) = 1/20 > 2.5%: no pair of order statistics covers 95%.
    estimate = hodges_lehmann_ratio([1.0, 1.1, 1.2], [2.0, 2.1, 2.2])
    assert estimate.ratio == pytest.approx(2.1 / 1.1)  # the middle of the 9 ratios
    assert (estimate.low, estimate.high) == (None, None)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(0, 1)), max_size=40))
def test_q_values_match_scipys_false_discovery_control(p_values: list[float | None]) -> None:
    ours = benjamini_hochberg(p_values)
    tested = [p for p in p_values if p is not None]
    theirs = iter(scipy_stats.false_discovery_control(tested, method="bh") if tested else [])
    for p, q in zip(p_values, ours, strict=True):
        if p is None:
            assert q is None
        else:
            assert q == pytest.approx(float(next(theirs)), rel=1e-12, abs=1e-15)


def test_q_values_keep_an_aa_comparison_of_many_cells_quiet() -> None:
    """Null p-values of 25 cells, 400 times: a per-cell test at 5% calls some cell
    'different' in most trials; q-values below 5% in about 5% of trials at most."""
    rng = random.Random(7)
    trials, raw_calls, adjusted_calls = 400, 0, 0
    for _ in range(trials):
        p_values = [rng.random() for _ in range(25)]
        raw_calls += any(p < 0.05 for p in p_values)
        adjusted_calls += any(q is not None and q < 0.05 for q in benjamini_hochberg(p_values))
    assert raw_calls / trials > 0.6  # 1 - 0.95**25 = 0.72
    assert adjusted_calls / trials <= 0.08  # BH controls it at 5% under the global null
