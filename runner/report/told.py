"""Whether two cells are told apart: the leader faster beyond noise, level, or neither.

The ratio B / A of two cells' wall times is the unpaired Hodges-Lehmann estimate with
its distribution-free 95% interval (``inference.hodges_lehmann_ratio``). The two are
**level** where the interval lies within [1 - precision, 1 + precision], however it
sits about 1 (a gap smaller than the precision changes no choice; advise's paired
verdicts read so too); else the leader A is **faster** where the whole interval lies
above 1, or where every run of it is DECISIVE (1.5x) faster than every run of B (a
step noise does not make); otherwise they are **not told apart**, as they are
wherever too few runs give no interval at all (below 4 and 4 at 95%).

How many runs would tell is an approximation, the usual sample size for comparing
two means, n = 2 sigma^2 (z_alpha/2 + z_beta)^2 / delta^2 per side, on the log scale:
were the ratio and the spread measured now the truth, with n runs each the interval
would clear 1 (or fit the level band) with probability POWER. The standard error is
the current interval's half-width over z_alpha/2, taken to shrink as sqrt(1/m + 1/n);
where no interval exists yet, it is sqrt(s_a^2 / m + s_b^2 / n) of the cells' log
wall times (Welch's).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import count

from runner.report.inference import RatioEstimate, hodges_lehmann_ratio, interval_exists
from runner.report.stats import CONFIDENCE

#: The precision "level" means where the experiment names none (advise's default too):
#: two cells within 5% of each other are the same for any choice between them.
DEFAULT_PRECISION = 0.05
#: The chance that the runs an estimate names tell the two apart (where the ratio and
#: spread measured so far are the truth); 0.8 is the customary power of a sample size.
POWER = 0.8
#: A step between runs that noise does not reach (the CV of repeated runs on a busy
#: machine stays under ~17%): where every run of the leader is this much faster than
#: every run of the other, it is faster without an interval (advise's pairs use it too).
DECISIVE = 1.5
#: The most runs per cell an estimate names: beyond it the estimate is no guide, since
#: a machine drifts over that many runs more than the spread seen so far says.
MAX_RUNS_ESTIMATE = 100


class Told(StrEnum):
    FASTER = "faster"  # the leader, beyond noise
    LEVEL = "level"
    NOT_TOLD = "not told apart"


@dataclass(frozen=True)
class Comparison:
    """A leader's walls A against another cell's B."""

    told: Told
    ratio: float  # B / A: above 1 where the leader is faster
    low: float | None  # the 95% interval; None: too few runs for one
    high: float | None
    runs: tuple[int, int]  # A's and B's
    runs_to_tell: int | None  # about this many runs per cell would tell (not told apart
    # only; at most MAX_RUNS_ESTIMATE); None where told, or where a cell has one run


def level(low: float | None, high: float | None, precision: float) -> bool:
    """Two configurations are level where the interval of their ratio lies within
    1 ± ``precision``, however it sits about 1 (the rule of the grid's headline and of
    advise's paired verdicts alike)."""
    return low is not None and high is not None and 1 - precision <= low and high <= 1 + precision


def tell(leader: Sequence[float], other: Sequence[float],
         precision: float = DEFAULT_PRECISION, confidence: float = CONFIDENCE) -> Comparison:
    """How ``leader``'s wall times compare with ``other``'s (both positive, non-empty)."""
    estimate = hodges_lehmann_ratio(leader, other, confidence)
    low, high = estimate.low, estimate.high
    if level(low, high, precision):
        told = Told.LEVEL
    elif (low is not None and low > 1) or max(leader) * DECISIVE <= min(other):
        told = Told.FASTER
    else:
        told = Told.NOT_TOLD
    runs = (len(leader), len(other))
    more = (_runs_to_tell(leader, other, estimate, precision=precision,
                          confidence=confidence) if told is Told.NOT_TOLD else None)
    return Comparison(told, estimate.ratio, low, high, runs, more)


def _runs_to_tell(a: Sequence[float], b: Sequence[float], estimate: RatioEstimate, *,
                  precision: float, confidence: float) -> int | None:
    m, n = len(a), len(b)
    error = _log_standard_error(a, b, estimate, confidence)
    if error is None:
        return None
    centre = math.log(estimate.ratio)
    # An interval about the ratio tells once it clears 1 (faster) or fits the level band.
    target = max(abs(centre), min(centre - math.log(1 - precision),
                                  math.log(1 + precision) - centre))
    normal = statistics.NormalDist()
    z = normal.inv_cdf(1 - (1 - confidence) / 2) + normal.inv_cdf(POWER)
    # k runs each: the standard error scales by sqrt((2 / k) / (1 / m + 1 / n)).
    needed = math.ceil(2 * (z * error / target) ** 2 / (1 / m + 1 / n))
    fewest = next(k for k in count(2) if interval_exists(k, k, confidence))
    return min(MAX_RUNS_ESTIMATE, max(needed, fewest, max(m, n) + 1))


def _log_standard_error(a: Sequence[float], b: Sequence[float], estimate: RatioEstimate,
                        confidence: float) -> float | None:
    if estimate.low is not None and estimate.high is not None:
        z = statistics.NormalDist().inv_cdf(1 - (1 - confidence) / 2)
        return (math.log(estimate.high) - math.log(estimate.low)) / 2 / z
    if min(len(a), len(b)) < 2:
        return None  # one run has no spread to scale
    return math.sqrt(sum(statistics.variance([math.log(x) for x in side]) / len(side)
                         for side in (a, b)))


def interval_words(comparison: Comparison, *, inverse: bool = False) -> str:
    """``95% CI 0.81-1.52`` (an en dash in the text) or ``too few runs for an interval``;
    ``inverse``: the interval of A / B."""
    low, high = comparison.low, comparison.high
    if low is None or high is None:
        return "too few runs for an interval"
    if inverse:
        low, high = 1 / high, 1 / low
    digits = decimals(low, high)
    return f"95% CI {low:.{digits}f}–{high:.{digits}f}"


def decimals(low: float, high: float) -> int:
    """Two decimals, or three where two would show a narrow interval as one number."""
    return 2 if round(low, 2) != round(high, 2) else 3


def runs_words(comparison: Comparison) -> str:
    """``about 12 runs each would tell``, or "" where there is no estimate."""
    runs = comparison.runs_to_tell
    if runs is None:
        return ""
    if runs >= MAX_RUNS_ESTIMATE:
        return f"{MAX_RUNS_ESTIMATE} or more runs each would be needed to tell"
    return f"about {runs} runs each would tell"
