"""When a cell is measured precisely enough: the rule adaptive repetitions stop by.

The interval is the one summary.csv reports: Student's t 95% confidence interval
of the mean wall time. Its half-width relative to the median,
``ci_rel_halfwidth``, must be at most the experiment's ``precision``. With one
value there is no spread and so no interval: a cell needs two ok runs before it
can be precise (the ``min`` of adaptive repetitions is 3 by default). A
distribution-free interval of the median would be the robust choice, but below
6 values it cannot reach 95% coverage at all (it is the whole range, with less
coverage), which would make every cell of a small ``min`` run on to ``max``.
"""

from __future__ import annotations

from collections.abc import Sequence

from runner.report.stats import summarize


def ci_rel_halfwidth(walls: Sequence[float]) -> float | None:
    """Half-width of the summary's 95% CI over the median; None below two values."""
    summary = summarize(walls)
    if summary is None or summary.ci_low is None or summary.ci_high is None:
        return None
    if summary.median <= 0:
        return None
    return (summary.ci_high - summary.ci_low) / 2 / summary.median


def precise_enough(walls: Sequence[float], precision: float) -> bool:
    relative = ci_rel_halfwidth(walls)
    return relative is not None and relative <= precision
