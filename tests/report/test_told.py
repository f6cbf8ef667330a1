"""Whether a leader is told apart from another cell, on synthetic samples."""

from __future__ import annotations

import math
import random
import statistics

import pytest

from runner.report.told import MAX_RUNS_ESTIMATE, Told, interval_words, runs_words, tell


def spread(centre: float, *offsets: float) -> list[float]:
    return [centre * (1 + offset) for offset in offsets]


FIVE = (0.0, 0.01, -0.01, 0.02, -0.02)


def test_a_clear_gap_with_five_runs_each_is_faster() -> None:
    told = tell(spread(1.0, *FIVE), spread(2.0, *FIVE))
    assert told.told is Told.FASTER
    assert told.ratio == pytest.approx(2.0, rel=0.02)
    assert told.low is not None and told.low > 1
    assert told.runs == (5, 5) and told.runs_to_tell is None


def test_two_cells_within_the_precision_on_many_runs_are_level() -> None:
    a = [1.0 + 0.001 * i for i in range(10)]
    b = [1.0005 + 0.001 * i for i in range(10)]
    told = tell(a, b, precision=0.05)
    assert told.told is Told.LEVEL
    assert told.low is not None and told.high is not None
    assert 0.95 <= told.low <= 1 <= told.high <= 1.05
    # the same samples against a tighter precision are neither level nor told apart
    assert tell(a, b, precision=0.001).told is Told.NOT_TOLD


def test_overlapping_noisy_cells_are_not_told_apart_and_more_runs_are_estimated() -> None:
    a = spread(1.0, 0.0, 0.3, -0.2, 0.1, -0.1)
    b = spread(1.05, 0.0, 0.35, -0.15, 0.15, -0.1)
    told = tell(a, b)
    assert told.told is Told.NOT_TOLD
    assert told.low is not None and told.high is not None and told.low < 1 < told.high
    assert told.runs_to_tell is not None and 5 < told.runs_to_tell <= MAX_RUNS_ESTIMATE
    assert interval_words(told).startswith("95% CI ")
    assert runs_words(told) in (f"about {told.runs_to_tell} runs each would tell",
                                f"{MAX_RUNS_ESTIMATE} or more runs each would be needed to tell")


def test_two_runs_each_give_no_interval_however_far_apart() -> None:
    # a distribution-free 95% interval needs 4 runs a side: with 2 and 2 the most
    # extreme arrangement still has probability 1/6
    told = tell([1.0, 1.4], [1.45, 1.5])
    assert told.told is Told.NOT_TOLD
    assert told.low is None and told.high is None
    assert told.runs_to_tell is not None


def test_a_decisive_step_is_told_without_an_interval() -> None:
    # every run of the leader 1.5x faster than every run of the other: noise does not
    # make that, so 2 runs each tell it, though no interval exists yet
    told = tell([1.0, 1.1], [10.0, 10.5])
    assert told.told is Told.FASTER
    assert told.low is None and told.high is None
    assert told.ratio == pytest.approx(9.76, rel=0.01)
    assert told.runs_to_tell is None
    assert interval_words(told) == "too few runs for an interval"


def test_one_run_has_no_spread_to_estimate_from() -> None:
    told = tell([1.0], [1.2, 1.3])
    assert told.told is Told.NOT_TOLD and told.runs_to_tell is None
    assert runs_words(told) == ""


def test_the_estimate_grows_with_the_noise_and_is_capped() -> None:
    quiet = tell(spread(1.0, 0.0, 0.02), spread(1.1, 0.0, 0.02))
    noisy = tell(spread(1.0, 0.0, 0.3), spread(1.1, 0.0, 0.3))
    assert quiet.runs_to_tell is not None and noisy.runs_to_tell is not None
    assert quiet.runs_to_tell < noisy.runs_to_tell
    hopeless = tell(spread(1.0, 0.0, 2.0), spread(1.001, 0.0, 2.0))
    assert hopeless.runs_to_tell == MAX_RUNS_ESTIMATE
    assert runs_words(hopeless) == "100 or more runs each would be needed to tell"


def test_runs_as_many_as_estimated_mostly_tell_where_the_measured_ratio_is_right() -> None:
    """Six runs of lognormal cells 8% apart (CV about 8%) are not told apart; fresh pairs
    of the size the estimate names are, in most draws (it aims at POWER)."""
    normal = statistics.NormalDist()
    quantiles = [math.exp(0.08 * normal.inv_cdf((i + 0.5) / 6)) for i in range(6)]
    told = tell(quantiles, [1.08 * x for x in reversed(quantiles)])
    assert told.told is Told.NOT_TOLD and told.runs_to_tell is not None
    runs = told.runs_to_tell
    assert 10 < runs < MAX_RUNS_ESTIMATE
    rng = random.Random(1)

    def draw(centre: float) -> list[float]:
        return [centre * rng.lognormvariate(0, 0.08) for _ in range(runs)]

    outcomes = [tell(draw(1.0), draw(1.08)).told for _ in range(100)]
    assert outcomes.count(Told.FASTER) >= 70, (runs, outcomes.count(Told.FASTER))


def test_a_gap_told_apart_but_within_the_precision_is_level() -> None:
    a = [1.0 + 0.001 * i for i in range(10)]
    b = [1.02 * x for x in a]
    told = tell(a, b, precision=0.05)
    assert told.low is not None and told.low > 1  # beyond noise, yet smaller than 5%
    assert told.told is Told.LEVEL
    assert tell(a, b, precision=0.01).told is Told.FASTER
