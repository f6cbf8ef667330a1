"""What a comparison of many cells can claim: how much slower, and how sure, across cells.

- The Hodges-Lehmann estimate of the ratio B / A: the median of all m x n ratios
  b_j / a_i (on logarithms, the shift estimate that goes with the Mann-Whitney U
  test), with the distribution-free confidence interval that inverts that test: the
  k-th smallest and largest of those ratios, k from U's null distribution (exact
  where the U test is, else its normal approximation; Lehmann, *Nonparametrics*,
  1975, ch. 2; Bauer 1972).
- Benjamini-Hochberg adjusted p-values (q-values): calling "slower" every cell whose
  q is below alpha keeps the expected share of false calls among the calls at alpha,
  however many cells are compared (Benjamini & Hochberg 1995).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from runner.report.stats import CONFIDENCE, EXACT_U_LIMIT, critical_count, u_distribution


@dataclass(frozen=True)
class RatioEstimate:
    ratio: float  # B / A
    low: float | None  # None: too few values for an interval at this confidence
    high: float | None


def hodges_lehmann_ratio(a: Sequence[float], b: Sequence[float],
                         confidence: float = CONFIDENCE) -> RatioEstimate:
    """The ratio B / A of two samples of positive values, with its confidence interval."""
    if not a or not b or min(*a, *b) <= 0:
        raise ValueError("both samples need positive values")
    logs_a, logs_b = [math.log(x) for x in a], [math.log(y) for y in b]
    shifts = sorted(y - x for x in logs_a for y in logs_b)
    estimate = math.exp(statistics.median(shifts))
    k = _rank(len(a), len(b), 1 - confidence, tied=len({*a, *b}) < len(a) + len(b))
    if k < 1:
        return RatioEstimate(estimate, None, None)
    return RatioEstimate(estimate, math.exp(shifts[k - 1]), math.exp(shifts[-k]))


def interval_exists(m: int, n: int, confidence: float = CONFIDENCE) -> bool:
    """Whether m and n distinct values are enough for ``hodges_lehmann_ratio``'s interval
    (at 95%, 4 and 4: with 3 and 3 even the widest interval covers only 90%)."""
    return _rank(m, n, 1 - confidence, tied=False) >= 1


def _rank(m: int, n: int, alpha: float, *, tied: bool) -> int:
    """The largest k with P(U <= k - 1) <= alpha / 2 under the null (0: none)."""
    if not tied and max(m, n) <= EXACT_U_LIMIT:
        return critical_count(u_distribution(m, n), alpha)
    z = statistics.NormalDist().inv_cdf(1 - alpha / 2)
    return max(0, math.floor(m * n / 2 - z * math.sqrt(m * n * (m + n + 1) / 12)))


def benjamini_hochberg(p_values: Sequence[float | None]) -> list[float | None]:
    """Adjusted p-values (q-values) in the input's order; None stays None (no test)."""
    tested = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    adjusted: list[float | None] = [None] * len(p_values)
    count = len(tested)
    running = 1.0
    for rank in range(count, 0, -1):  # from the largest p down: q_i = min over j >= i
        p, index = tested[rank - 1]
        running = min(running, p * count / rank)
        adjusted[index] = running
    return adjusted
