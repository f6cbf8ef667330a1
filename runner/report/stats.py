"""Pure statistics of repeated wall times: no I/O, no pandas, thresholds named.

The confidence interval is Student's t interval of the *mean* (the median has
no comparably simple exact interval at the 3-5 repetitions users run); the
headline figure, and speedup, use the median because it resists outliers.
"""

from __future__ import annotations

import functools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

CONFIDENCE = 0.95
#: Tukey's fences: values beyond 1.5 interquartile ranges from the quartiles.
TUKEY_K = 1.5
#: An outlier must also lie this far from the median (as a fraction of it). The
#: fences shrink with the spread: in a quiet cell (CV 0.3%) a run 1% slower lies
#: beyond them, yet a difference that small changes no speedup or ranking the
#: report shows and is within how much a shared machine varies from run to run.
OUTLIER_MIN_DEVIATION = 0.05
#: A cell whose coefficient of variation exceeds this is reported as noisy.
NOISY_CV = 0.10
#: Load average per usable core at start above which the machine counts as busy.
BUSY_LOAD_PER_CORE = 0.5

#: Relative precision of the t quantile (far below the 3 digits any table shows).
_T_TOLERANCE = 1e-12
#: Continued-fraction terms at most; large df need about sqrt(df) of them.
_BETA_MAX_TERMS = 10_000
_TINY = 1e-300


@functools.lru_cache(maxsize=1024)
def t_quantile(probability: float, df: int) -> float:
    """The quantile of Student's t with ``df`` degrees of freedom: P(T <= t) = probability.

    The t distribution's upper tail is P(T > t) = I_x(df/2, 1/2) / 2 with
    x = df / (df + t^2), I the regularized incomplete beta function (Abramowitz &
    Stegun 26.7.1). I is evaluated by its continued fraction with the modified
    Lentz method (Press et al., Numerical Recipes, 3rd ed., section 6.4), and the
    tail is inverted by Newton's method on t, kept inside a bracket that bisection
    narrows whenever a Newton step would leave it (Numerical Recipes 9.4, rtsafe).
    Two-sided intervals at confidence c use ``t_quantile((1 + c) / 2, df)``.
    """
    if df < 1:
        raise ValueError("degrees of freedom must be >= 1")
    if not 0 < probability < 1:
        raise ValueError("the probability must lie strictly between 0 and 1")
    if probability < 0.5:
        return -t_quantile(1 - probability, df)
    tail = 1 - probability
    if tail == 0.5:
        return 0.0
    low, high = 0.0, 1.0
    while _t_upper_tail(high, df) > tail:
        low, high = high, 2 * high
    t = (low + high) / 2
    for _ in range(200):
        excess = _t_upper_tail(t, df) - tail  # > 0 while t is below the quantile
        if excess > 0:
            low = t
        else:
            high = t
        step = excess / _t_density(t, df)
        guess = t + step
        if not low < guess < high:
            guess = (low + high) / 2
        if abs(guess - t) <= _T_TOLERANCE * max(1.0, t):
            return guess
        t = guess
    return t


def _t_upper_tail(t: float, df: int) -> float:
    """P(T > t) for t >= 0."""
    return 0.5 * _incomplete_beta(df / 2, 0.5, df / (df + t * t))


def _t_density(t: float, df: int) -> float:
    log_norm = (math.lgamma((df + 1) / 2) - math.lgamma(df / 2)
                - 0.5 * math.log(df * math.pi))
    return math.exp(log_norm - (df + 1) / 2 * math.log1p(t * t / df))


def _incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b) (Numerical Recipes 6.4, betai)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                     + a * math.log(x) + b * math.log1p(-x))
    # The continued fraction converges fast below (a + 1) / (a + b + 2); above it,
    # the symmetry I_x(a, b) = 1 - I_{1-x}(b, a) is evaluated instead.
    if x < (a + 1) / (a + b + 2):
        return front * _beta_fraction(a, b, x) / a
    return 1 - front * _beta_fraction(b, a, 1 - x) / b


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of I_x(a, b) by the modified Lentz method (NR 6.4, betacf)."""
    c, d = 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > _TINY else _TINY)
    fraction = d
    for m in range(1, _BETA_MAX_TERMS + 1):
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1 + numerator * d
            d = 1 / (d if abs(d) > _TINY else _TINY)
            c = 1 + numerator / c
            c = c if abs(c) > _TINY else _TINY
            fraction *= d * c
        if abs(d * c - 1) < 1e-15:
            return fraction
    raise ValueError(f"the incomplete beta fraction did not converge for a={a}, b={b}")


@dataclass(frozen=True)
class Summary:
    """Statistics of one cell's successful wall times."""

    n: int
    median: float
    mean: float
    std: float | None
    minimum: float
    maximum: float
    ci_low: float | None  # Student's t interval of the mean at the confidence asked for
    ci_high: float | None
    cv: float | None
    outliers: int


def summarize(values: Sequence[float], confidence: float = CONFIDENCE) -> Summary | None:
    """Median, mean, sample std, range, t CI of the mean, CV, outliers; None for no values.

    The interval is Student's t interval of the mean at ``confidence`` (two-sided).

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
    half = t_quantile((1 + confidence) / 2, n - 1) * std / math.sqrt(n)
    cv = std / mean if mean > 0 else None
    return Summary(n, median, mean, std, min(values), max(values), mean - half, mean + half, cv,
                   count_outliers(values))


def count_outliers(values: Sequence[float]) -> int:
    """Values outside Tukey's fences [Q1 - 1.5 IQR, Q3 + 1.5 IQR] (Tukey 1977) that
    also lie more than OUTLIER_MIN_DEVIATION x the median from the median.

    Quartiles use the inclusive method (linear interpolation between order
    statistics, as numpy's default); fewer than 4 values have no outliers.
    """
    if len(values) < 4:
        return 0
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    reach = TUKEY_K * (q3 - q1)
    least = OUTLIER_MIN_DEVIATION * abs(median)
    return sum(1 for v in values
               if (v < q1 - reach or v > q3 + reach) and abs(v - median) > least)


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
        counts = u_distribution(m, n)
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


@functools.lru_cache(maxsize=256)
def u_distribution(m: int, n: int) -> list[int]:
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


def critical_count(counts: Sequence[int], alpha: float) -> int:
    """For a rank statistic's exact null distribution (``counts[v]``: the arrangements
    giving the value v), the largest k with P(V <= k - 1) <= alpha / 2 (0: none): the
    k-th smallest and largest of the estimates that invert the test bound its interval."""
    total = sum(counts)
    cumulative, k = 0, 0
    for value, count in enumerate(counts):  # P(V <= value)
        cumulative += count
        if cumulative / total > alpha / 2:
            break
        k = value + 1
    return k
