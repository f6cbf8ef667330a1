"""Wilcoxon's signed-rank test and its Hodges-Lehmann interval, checked against scipy and
against the definitions."""

from __future__ import annotations

import random
import statistics

import pytest
from scipy import stats as scipy_stats

from runner.report.signed_rank import (
    MIN_PAIRS,
    signed_rank_distribution,
    signed_rank_p,
    walsh_interval,
)


def test_the_null_distribution_counts_every_sign_pattern() -> None:
    for n in range(1, 12):
        counts = signed_rank_distribution(n)
        assert sum(counts) == 2**n and len(counts) == n * (n + 1) // 2 + 1
        assert counts == counts[::-1]  # symmetric about n(n + 1)/4


@pytest.mark.parametrize("seed", range(8))
def test_the_exact_p_value_is_scipys(seed: int) -> None:
    rng = random.Random(seed)
    d = [rng.gauss(0.1, 0.3) for _ in range(rng.randint(4, 20))]
    ours = signed_rank_p(d)
    theirs = scipy_stats.wilcoxon(d, method="exact").pvalue
    assert ours == pytest.approx(theirs, rel=1e-9)


def test_tied_magnitudes_use_the_normal_approximation_with_correction() -> None:
    d = [0.1, -0.1, 0.2, 0.2, 0.3, 0.1, 0.4, -0.2, 0.5, 0.3]
    theirs = scipy_stats.wilcoxon(d, method="approx", correction=True).pvalue
    assert signed_rank_p(d) == pytest.approx(theirs, rel=1e-6)


def test_no_interval_below_six_pairs_and_a_two_sided_test_cannot_reject() -> None:
    assert MIN_PAIRS == 6
    assert walsh_interval([0.1] * 5 + [0.2] * 0).low is None
    assert (signed_rank_p([0.1, 0.2, 0.3, 0.4, 0.5]) or 0) > 0.05
    assert (signed_rank_p([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]) or 1) < 0.05


def test_the_interval_is_the_k_th_walsh_averages_and_covers_at_its_level() -> None:
    d = [0.3, -0.1, 0.5, 0.2, 0.4, 0.1, 0.25, 0.35]
    walsh = sorted((d[i] + d[j]) / 2 for i in range(8) for j in range(i, 8))
    shift = walsh_interval(d)
    assert shift.estimate == statistics.median(walsh)
    # n = 8: P(W+ <= 3) = 5/256 <= 0.025 < P(W+ <= 4) = 7/256, so k = 4.
    assert (shift.low, shift.high) == (walsh[3], walsh[-4])
    rng = random.Random(7)
    covered = 0
    for _ in range(400):
        sample = [rng.gauss(1.0, 1.0) for _ in range(10)]
        interval = walsh_interval(sample)
        assert interval.low is not None and interval.high is not None
        covered += interval.low <= 1.0 <= interval.high
    assert covered / 400 >= 0.93  # 95% nominal (exact: at least 95.1% at n = 10)
