"""Pure statistics of repeated wall times: no I/O, no pandas, thresholds named.

The confidence interval is Student's t interval of the *mean* (the median has
no comparably simple exact interval at the 3-5 repetitions users run); the
headline figure, and speedup, use the median because it resists outliers.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

CONFIDENCE = 0.95
#: Tukey's fences: values beyond 1.5 interquartile ranges from the quartiles.
TUKEY_K = 1.5
#: A cell whose coefficient of variation exceeds this is reported as noisy.
NOISY_CV = 0.10
#: Load average per usable core at start above which the machine counts as busy.
BUSY_LOAD_PER_CORE = 0.5

# Two-sided 95% quantiles t_{0.975, df} of Student's t for df = 1..30
# (standard tables, e.g. NIST/SEMATECH e-Handbook, table 1.4.2.7.2).
_T_975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)
_Z_975 = 1.959964


def t_quantile_975(df: int) -> float:
    """t_{0.975, df}: the table up to 30, then the Cornish-Fisher expansion in 1/df.

    The expansion (Abramowitz & Stegun 26.7.5) is within 1e-4 of the exact
    quantile for df > 30.
    """
    if df < 1:
        raise ValueError("degrees of freedom must be >= 1")
    if df <= len(_T_975):
        return _T_975[df - 1]
    z = _Z_975
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    return z + g1 / df + g2 / df**2 + g3 / df**3


@dataclass(frozen=True)
class Summary:
    """Statistics of one cell's successful wall times."""

    n: int
    median: float
    mean: float
    std: float | None
    minimum: float
    maximum: float
    ci95_low: float | None
    ci95_high: float | None
    cv: float | None
    outliers: int


def summarize(values: Sequence[float]) -> Summary | None:
    """Median, mean, sample std, range, t CI of the mean, CV, outliers; None for no values.

    With one value the spread is unknown, so std, CI and CV are None.
    """
    if not values:
        return None
    n = len(values)
    mean = statistics.fmean(values)
    median = statistics.median(values)
    if n < 2:
        return Summary(n, median, mean, None, min(values), max(values), None, None, None, 0)
    std = statistics.stdev(values)
    half = t_quantile_975(n - 1) * std / math.sqrt(n)
    cv = std / mean if mean > 0 else None
    return Summary(n, median, mean, std, min(values), max(values), mean - half, mean + half, cv,
                   count_outliers(values))


def count_outliers(values: Sequence[float]) -> int:
    """Values outside Tukey's fences [Q1 - 1.5 IQR, Q3 + 1.5 IQR] (Tukey 1977).

    Quartiles use the inclusive method (linear interpolation between order
    statistics, as numpy's default); fewer than 4 values have no outliers.
    """
    if len(values) < 4:
        return 0
    q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    reach = TUKEY_K * (q3 - q1)
    return sum(1 for v in values if v < q1 - reach or v > q3 + reach)


def is_missing(value: object) -> bool:
    """None or NaN: an empty cell of summary.csv as pandas reads it."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None where either is missing or the denominator is 0."""
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


#: Fewest values per side with which a two-sided Mann-Whitney U test at
#: alpha 0.05 can reach significance at all (exact p >= 2/C(6,3) = 0.1 at 3).
MIN_VALUES_FOR_U_TEST = 4
#: Up to this many values per side (and no ties) the exact distribution is used.
EXACT_U_LIMIT = 30


def mann_whitney_u(a: Sequence[float], b: Sequence[float]) -> tuple[float, float]:
    """Two-sided Mann-Whitney U test of ``a`` against ``b``: (U of a, p-value).

    Exact p-value from the permutation distribution of U when there are no ties
    and both sides are small (Mann & Whitney 1947); otherwise the normal
    approximation with tie correction and continuity correction.
    """
    m, n = len(a), len(b)
    if m == 0 or n == 0:
        raise ValueError("both samples need values")
    u = sum((x > y) + 0.5 * (x == y) for x in a for y in b)
    pooled = [*a, *b]
    tied = len(set(pooled)) < len(pooled)
    if not tied and max(m, n) <= EXACT_U_LIMIT:
        counts = _u_distribution(m, n)
        total = sum(counts)
        k = round(u)
        lower = sum(counts[: k + 1]) / total
        upper = sum(counts[k:]) / total
        return u, min(1.0, 2 * min(lower, upper))
    big_n = m + n
    ties = sum(t**3 - t for t in (pooled.count(v) for v in set(pooled)))
    variance = m * n / 12 * ((big_n + 1) - ties / (big_n * (big_n - 1)))
    if variance <= 0:
        return u, 1.0
    z = (abs(u - m * n / 2) - 0.5) / math.sqrt(variance)
    return u, min(1.0, 2 * (1 - statistics.NormalDist().cdf(max(z, 0.0))))


def _u_distribution(m: int, n: int) -> list[int]:
    """Number of orderings of m + n distinct values giving each U = 0..m*n.

    Recurrence f(m, n, u) = f(m - 1, n, u - n) + f(m, n - 1, u) over the position
    of the largest value.
    """
    table: dict[tuple[int, int], list[int]] = {}
    for i in range(m + 1):
        for j in range(n + 1):
            if i == 0 or j == 0:
                table[i, j] = [1]
                continue
            size = i * j + 1
            row = [0] * size
            for u, count in enumerate(table[i - 1, j]):  # largest value is from `a`
                row[u + j] += count
            for u, count in enumerate(table[i, j - 1]):  # largest value is from `b`
                row[u] += count
            table[i, j] = row
    return table[m, n]


@dataclass(frozen=True)
class Interval:
    low: float
    high: float
    coverage: float  # the interval's exact coverage probability


def median_interval(values: Sequence[float], confidence: float = CONFIDENCE) -> Interval:
    """Distribution-free confidence interval of the median from order statistics.

    [x_(j), x_(n-j+1)] covers the median with probability 1 - 2 P(B <= j - 1),
    B ~ Binomial(n, 1/2) (e.g. Conover, Practical Nonparametric Statistics,
    §3.2). The narrowest such interval reaching ``confidence`` is returned; below
    6 values none can, and [min, max] is returned with its lower coverage.
    """
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        raise ValueError("no values")
    best = Interval(ordered[0], ordered[-1], max(0.0, 1 - 2 * 0.5**n))
    cumulative = 0.0  # P(B <= j - 1)
    for j in range(1, (n + 1) // 2 + 1):
        cumulative += math.comb(n, j - 1) * 0.5**n
        coverage = 1 - 2 * cumulative
        if coverage < confidence:
            break
        best = Interval(ordered[j - 1], ordered[n - j], coverage)
    return best
