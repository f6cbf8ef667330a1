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


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None where either is missing or the denominator is 0."""
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator
