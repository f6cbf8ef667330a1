"""What an advise run advised, read back for the report: a group's headline is the advice.

``runexp advise`` writes an ordinary run directory plus advice.json; its grid's cells
may hold fewer runs than the search spent on the one it chose, so the report names the
advice, not the grid's fastest median, at the head of each group. The file is read as
plain JSON here (the report stage sits below advise and may not import it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runner.errors import ResultsError

if TYPE_CHECKING:
    import pandas as pd

ADVICE_FILE = "advice.json"


@dataclass(frozen=True)
class AdviceHeadline:
    """One advice entry: the configuration chosen for a workload parameter set."""

    workload: str
    params: Mapping[str, Any]
    model: str | None  # None: nothing succeeded
    pool_size: int | None
    wall_median_s: float | None
    cell: str | None = None  # the chosen cell's id as in runs.csv (absent in older files)


def read_advice(run_dir: Path) -> list[AdviceHeadline]:
    """The advice of an advise run; [] where the run directory has no advice.json."""
    path = run_dir / ADVICE_FILE
    if not path.exists():
        return []
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["advice"]
        return [_entry(entry) for entry in entries]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ResultsError(f"{path}: not an advice file ({type(error).__name__}: "
                           f"{error})") from None


def _entry(entry: Mapping[str, Any]) -> AdviceHeadline:
    median = entry.get("wall_median_s")
    pool = entry.get("pool_size")
    return AdviceHeadline(
        workload=str(entry["workload"]), params=dict(entry.get("params") or {}),
        model=entry.get("model"), pool_size=None if pool is None else int(pool),
        wall_median_s=None if median is None else float(median), cell=entry.get("cell"))


def advice_of(advice: Sequence[AdviceHeadline], table: pd.DataFrame) -> AdviceHeadline | None:
    """The advice that chose one of a group's cells (summary rows ``table``), its
    ``cell`` filled in; None where no advice did.

    An advice names its cell; older files do not, and then its workload, parameters,
    model and pool size must all match the cell's.
    """
    cells = set(table["cell"])
    for entry in advice:
        if entry.cell is not None and entry.cell in cells:
            return entry
    for entry in advice:
        if entry.cell is None and entry.model is not None:
            match = table[_same(table, entry)]
            if len(match) == 1:
                return replace(entry, cell=str(match["cell"].iloc[0]))
    return None


def _same(table: pd.DataFrame, entry: AdviceHeadline) -> pd.Series:
    same = ((table["workload"] == entry.workload) & (table["model"] == entry.model)
            & (table["pool_size"] == entry.pool_size))
    for name, value in entry.params.items():
        if name not in table:
            return same & False
        same &= table[name] == value
    return same
