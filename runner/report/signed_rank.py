"""Wilcoxon's signed-rank test on paired differences, and the Hodges-Lehmann estimate
with the distribution-free interval that inverts it.

For paired runs the differences are log ratios ``log(b / a)``, so the estimate and its
interval, exponentiated, are a ratio and its 95% interval:

- the test ranks |d| and sums the ranks of the positive d (W+); under "no difference"
  each sign is a fair coin, so W+ has an exact null distribution (counted here; its
  normal approximation, with the tie correction, past EXACT_LIMIT pairs or where |d|
  tie). Zero differences are dropped (Wilcoxon's own treatment).
- the estimate is the median of the n(n + 1)/2 Walsh averages (d_i + d_j) / 2, i <= j;
  the interval is the k-th smallest and the k-th largest of them, k from W+'s null
  distribution (Hollander & Wolfe, *Nonparametric Statistical Methods*, 2nd ed.,
  section 3.2; Tukey 1949). At 95% an interval exists from 6 pairs on: with 5, even
  five signs alike happen with probability 2/32 > 0.05.
"""

from __future__ import annotations

import functools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from runner.report.stats import CONFIDENCE, critical_count

#: Exact null distribution up to this many pairs (2^n sign patterns, counted by
#: dynamic programming over n(n + 1)/2 sums: cheap); the normal approximation beyond.
EXACT_LIMIT = 50
#: Pairs needed before a two-sided test at 0.05 can reject at all, and an interval at
#: 95% exists.
MIN_PAIRS = 6


@functools.lru_cache(maxsize=128)
def signed_rank_distribution(n: int) -> tuple[int, ...]:
    """How many of the 2^n sign patterns give W+ = 0, 1, ..., n(n + 1)/2."""
    counts = [1]
    for rank in range(1, n + 1):
        grown = counts + [0] * rank
        for total, count in enumerate(counts):
            grown[total + rank] += count
        counts = grown
    return tuple(counts)


def _ranks(values: Sequence[float]) -> list[float]:
    """Average ranks (1-based) of ``values``; ties share the mean of their ranks."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in range(start, end + 1):
            ranks[order[position]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def signed_rank_p(differences: Sequence[float]) -> float | None:
    """The two-sided p-value of Wilcoxon's signed-rank test that the differences are
    centred on 0; None where every difference is 0 (or there is none)."""
    d = [x for x in differences if x != 0]
    n = len(d)
    if n == 0:
        return None
    magnitudes = [abs(x) for x in d]
    ranks = _ranks(magnitudes)
    w_plus = sum(r for r, x in zip(ranks, d, strict=True) if x > 0)
    tied = len(set(magnitudes)) < n
    if not tied and n <= EXACT_LIMIT:
        counts = signed_rank_distribution(n)
        total = 2**n
        w = round(w_plus)
        low = sum(counts[: w + 1]) / total  # P(W+ <= w)
        high = sum(counts[w:]) / total  # P(W+ >= w)
        return min(1.0, 2 * min(low, high))
    mean = n * (n + 1) / 4
    ties = [magnitudes.count(m) for m in set(magnitudes)]
    variance = n * (n + 1) * (2 * n + 1) / 24 - sum(t**3 - t for t in ties) / 48
    if variance <= 0:
        return 1.0
    z = (abs(w_plus - mean) - 0.5) / math.sqrt(variance)  # with continuity correction
    return min(1.0, 2 * (1 - statistics.NormalDist().cdf(max(z, 0.0))))


@dataclass(frozen=True)
class ShiftEstimate:
    """The centre of the differences and its interval (None: too few pairs)."""

    estimate: float
    low: float | None
    high: float | None


def walsh_interval(differences: Sequence[float],
                   confidence: float = CONFIDENCE) -> ShiftEstimate:
    """The Hodges-Lehmann estimate of the differences' centre, with its interval."""
    d = list(differences)
    if not d:
        raise ValueError("no differences")
    walsh = sorted((d[i] + d[j]) / 2 for i in range(len(d)) for j in range(i, len(d)))
    estimate = statistics.median(walsh)
    k = _critical(len(d), 1 - confidence)
    if k < 1:
        return ShiftEstimate(estimate, None, None)
    return ShiftEstimate(estimate, walsh[k - 1], walsh[-k])


def _critical(n: int, alpha: float) -> int:
    """The largest k with P(W+ <= k - 1) <= alpha / 2 under the null (0: none)."""
    if n <= EXACT_LIMIT:
        return critical_count(signed_rank_distribution(n), alpha)
    z = statistics.NormalDist().inv_cdf(1 - alpha / 2)
    return max(0, math.floor(n * (n + 1) / 4 - z * math.sqrt(n * (n + 1) * (2 * n + 1) / 24)))
