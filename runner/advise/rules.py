"""The rules the search of `runexp advise` decides by: when one configuration is
slower than another (decisively, from single runs, or beyond noise, by a test), which
model is cheaper on a tie, and which pool sizes a climb tries.

Pure functions of wall-time samples; ``runner.advise.search`` applies them.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from runner.report.stats import MIN_VALUES_FOR_U_TEST, mann_whitney_u, summarize

ALPHA = 0.05
#: A ratio between single runs that noise does not reach (the CV of repeated runs on a
#: busy machine stays under ~17%): a step that large is seen with one run each.
DECISIVE = 1.5
#: The cheaper model wins a tie: fewer moving parts, less memory, no pickling.
COST = {"sync": 0, "asyncio": 1, "threads": 2, "processes": 3}
UNKNOWN_COST = 4


def cost(model: str) -> int:
    return COST.get(model, UNKNOWN_COST)


def doubling(max_pool: int) -> list[int]:
    """1, 2, 4, ... up to ``max_pool``, which is always the last size."""
    sizes = [1]
    while sizes[-1] * 2 < max_pool:
        sizes.append(sizes[-1] * 2)
    return sizes if max_pool == 1 else [*sizes, max_pool]


def clearly_slower(a: Sequence[float], b: Sequence[float]) -> bool:
    """``a`` is slower than ``b`` beyond noise: a Mann-Whitney U test at ALPHA where both
    have enough values, else (3 runs cannot pass a U test) disjoint 95% t intervals."""
    if not a or not b or statistics.median(a) <= statistics.median(b):
        return False
    if significant(a, b):
        return True
    sa, sb = summarize(a), summarize(b)
    return (sa is not None and sb is not None and sa.ci_low is not None
            and sb.ci_high is not None and sa.ci_low > sb.ci_high)


def decisively_faster(a: Sequence[float], b: Sequence[float]) -> bool:
    """Every run of ``a`` is faster than every run of ``b`` by DECISIVE or more: a step
    that one run each shows, as noise here does not make one run 1.5x another."""
    return bool(a) and bool(b) and max(a) * DECISIVE <= min(b)


def beaten(a: Sequence[float], b: Sequence[float]) -> bool:
    """``a`` is slower than ``b``: decisively, or beyond noise."""
    return decisively_faster(b, a) or clearly_slower(a, b)


def significant(a: Sequence[float], b: Sequence[float]) -> bool:
    """The U test tells ``a`` and ``b`` apart at ALPHA (never with too few values)."""
    if min(len(a), len(b)) < MIN_VALUES_FOR_U_TEST:
        return False
    return mann_whitney_u(a, b)[1] < ALPHA


def p_value(a: Sequence[float], b: Sequence[float]) -> float | None:
    return mann_whitney_u(a, b)[1] if a and b else None
