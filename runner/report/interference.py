"""Interference: what other programs on the machine did while runs were timed.

Each run's ``others_cores`` (runs.csv) is the mean number of cores other programs
kept busy during it, measured where the run was timed; summary.csv's
``others_cores_median`` is a cell's median. Here, the sentences that warn where
that load could have moved the timings: a run measured on a busy machine, cells of
one comparison measured under different load, and two runs compared that were.
A core taken by another program slows CPU-bound pools and adds noise elsewhere, so
half a core is already worth saying.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from runner.report.stats import is_missing
from runner.results.rows import Status

if TYPE_CHECKING:
    import pandas as pd

    from runner.report.summary import ComparisonGroup

#: Cores of load that tell two measurements apart: cells (or runs) whose medians of
#: others_cores differ by this much or more "saw different interference".
DIFFERENT_LOAD = 0.5
#: A run whose ok runs' median others_cores is at least this was measured on a busy
#: machine.
BUSY_CORES = 0.5
#: Cells named in a sentence before the rest are counted.
SHOWN_CELLS = 4
_CAUTION = "compare its cells with care, or run again on a quieter machine"


def median(values: Iterable[Any]) -> float | None:
    """The median of the known values (empty, None and NaN left out), or None."""
    known = [float(value) for value in values if not is_missing(value)]
    return statistics.median(known) if known else None


def run_median(runs: pd.DataFrame) -> float | None:
    """The median others_cores of a runs.csv's ok runs; None where it has none."""
    if "others_cores" not in runs:
        return None
    return median(runs.loc[runs["status"] == Status.OK, "others_cores"])


def differ(a: float | None, b: float | None) -> bool:
    """Whether two loads (cores) are known and DIFFERENT_LOAD or more apart."""
    return a is not None and b is not None and abs(a - b) >= DIFFERENT_LOAD


def fact(runs: pd.DataFrame) -> str | None:
    """The report's fact line on the run's load, where runs.csv measured it."""
    cores = run_median(runs)
    if cores is None:
        return None
    return (f"other programs kept a median of {cores:.2f} cores busy during the timed runs "
            "(others_cores: from /proc/stat, less each run's own processes)")


def busy_warning(cores: float | None) -> str | None:
    """The run as a whole was measured beside other work."""
    if cores is None or cores < BUSY_CORES:
        return None
    return (f"Other programs kept a median of {cores:.1f} cores busy during the timed runs "
            "(others_cores in runs.csv): timings may be inflated and noisy; run again on a "
            "quieter machine.")


def uneven_warning(group: str, cells: Mapping[str, float | None]) -> str | None:
    """The cells of one comparison (label -> median others_cores) saw different load."""
    known = {label: cores for label, cores in cells.items() if cores is not None}
    if len(known) < 2:
        return None
    ranked = sorted(known.items(), key=lambda item: item[1], reverse=True)
    (high_label, high), (low_label, low) = ranked[0], ranked[-1]
    if not differ(high, low):
        return None
    return (f"{group}: other programs kept {low:.1f}-{high:.1f} cores busy during its cells "
            f"({high_label} {high:.1f}, {low_label} {low:.1f}): {_CAUTION}.")


def report_warnings(summary: pd.DataFrame, runs: pd.DataFrame,
                    groups: Sequence[ComparisonGroup]) -> list[str]:
    """The report's warnings on load: a busy run, then each group whose cells' loads
    differ (summary.csv's others_cores_median)."""
    warnings = [w for w in [busy_warning(run_median(runs))] if w]
    if "others_cores_median" not in summary:
        return warnings
    for group in groups:
        rows = summary[summary["cell"].isin(group.cells)]
        cells = {_label(row["model"], row["pool_size"]): median([row["others_cores_median"]])
                 for row in rows.to_dict("records")}
        if len(cells) == len(rows) and (warning := uneven_warning(group.name, cells)):
            warnings.append(warning)
    return warnings


def _label(model: Any, pool_size: Any) -> str:
    """A cell within its group: its model, and its pool where it has one."""
    return str(model) if is_missing(pool_size) or int(pool_size) == 1 else \
        f"{model}/p{int(pool_size)}"


def comparison_warnings(overall: tuple[float | None, float | None],
                        cells: Sequence[tuple[str, float | None, float | None]]) -> list[str]:
    """Where runs A and B of a comparison ran under different load: as a whole
    (``overall``: each run's median others_cores), else cell by cell (cell id, A's
    median, B's)."""
    a, b = overall
    apart = [(cell, x, y) for cell, x, y in cells if differ(x, y)]
    if a is not None and b is not None and differ(a, b):
        which = (f" ({len(apart)} of {len(cells)} cells apart by {DIFFERENT_LOAD:g} cores or "
                 "more)" if apart else "")
        return [f"A and B ran under different load: other programs kept a median of "
                f"{a:.1f} cores busy during A's runs and {b:.1f} during B's{which}: a "
                "difference in times may be the machine's, not the code's."]
    if not apart:
        return []
    shown = ", ".join(f"{cell} {x:.1f} vs {y:.1f}" for cell, x, y in apart[:SHOWN_CELLS]
                      if x is not None and y is not None)
    more = f" and {len(apart) - SHOWN_CELLS} more" if len(apart) > SHOWN_CELLS else ""
    return [f"A and B ran under different load in {len(apart)} cell"
            f"{'s' * (len(apart) > 1)} (cores other programs kept busy, A vs B: {shown}"
            f"{more}): compare those cells with care."]
