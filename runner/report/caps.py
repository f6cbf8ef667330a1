"""Caps: something in the work that lets only about k calls proceed at once.

A lock, a semaphore or a connection pool inside the call (aiohttp's default
connector allows 100 connections) makes every pool larger than k wait: the
calls are in flight, but only k of them proceed, so the speedup stops rising at
about k however many workers there are. Without naming it a verdict can only say
"beyond 8 threads more workers stop paying", and the number that matters is lost.

A pooled model is found capped at k where all of these hold:

- the work waits (the sync run's CPU share, ``work.WAITING_BELOW``) and no cell
  of the plateau keeps a core busy (then the interpreter, not a cap, may bound it);
- its throughput stops rising and stays flat: at least MIN_PLATEAU_POOLS pool
  sizes, from the first within PLATEAU_GAIN of the best to the largest, none of
  them more than PLATEAU_FALL below the best;
- at every larger pool of that plateau, more calls were in flight at once
  (summary's ``in_flight_max``, from tasks.csv) than proceeded, by IN_FLIGHT_ABOVE.
  The mean in flight is not the test: a run of a few waves dilutes it (160 calls
  through 100 connections, 100 then 60, hold a mean of about 105 in flight).

How many proceed is estimated from the task rows (none: nothing is said). Each
slot of a cap ends at most one call per stretch shorter than one uncontended call
(``s``: the median latency at pool 1, else sync's), so the most calls ending
within any WINDOW x s tell k; where slots are freed together (a semaphore's
waves, the pool's start) k calls end within the jitter and the count reaches it.
Little's law (calls proceeding = throughput x s) is a second estimate, as a floor:
both fall short of k, never above it, so the larger is taken. Little's law alone
falls short where a run is a few waves: 160 calls through 100 connections run as
100 then 60, and throughput x s says 64.

    >>> cap = Cap("threads", calls=6.0, in_flight=16.0, plateau_from=8)
    >>> clause([cap]).split(":")[0]
    'threads stop gaining at about 6 calls at once although up to 16 were in flight'
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from runner.report.stats import is_missing
from runner.report.work import WAITING_BELOW

if TYPE_CHECKING:
    import pandas as pd

#: A larger pool within this fraction of the best throughput is on the plateau: less
#: than what a shared machine varies from run to run (the verdict's STOP_PAYING_GAIN).
PLATEAU_GAIN = 0.10
#: A larger pool may fall this far below the best and the curve still reads as flat:
#: a shared machine moved the medians of 40 ms runs by 10% (measured), and a cap
#: holds its throughput. A steeper fall is a peak (crosstalk), which the scaling
#: fit names.
PLATEAU_FALL = 0.25
#: The first pool of the plateau and at least one larger that gains nothing: one
#: point cannot show that the speedup stopped rising.
MIN_PLATEAU_POOLS = 2
#: Calls in flight at least this multiple of those that proceed: beyond the
#: estimate's own error (WINDOW's 10%, the jitter), and never reached by a pool
#: that is its own limit, whose calls in flight all proceed.
IN_FLIGHT_ABOVE = 1.25
#: The window, as a fraction of one uncontended call, in which the ends of calls
#: are counted: a call seldom runs below 90% of the median uncontended one (sleeps
#: and a server's delay never run short), so one slot ends at most one call within
#: it. A whole call's length let a few early calls of the next wave in (101 to 104
#: of 100 connections, measured).
WINDOW = 0.9
#: A plateau cell whose process kept this much of a core busy may be bounded by the
#: interpreter (the GIL, an event loop with no time left), not by a cap.
CPU_BOUND_FROM = 0.8
#: What typically lets only k calls proceed at once, as the verdict names it.
CAUSES = "a lock, a semaphore, a connection pool; aiohttp's default connector allows 100"

TaskRows = Mapping[str, "pd.DataFrame"]  # a cell's rows of tasks.csv


@dataclass(frozen=True)
class Cap:
    """A model that stops gaining at about ``calls`` calls at once although up to
    ``in_flight`` were in flight, from pool ``plateau_from`` up."""

    model: str
    calls: float
    in_flight: float
    plateau_from: int

    @property
    def about(self) -> int:
        """k as the verdict says it: a whole number of calls, at least one."""
        return max(1, round(self.calls))


def task_rows(tasks: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    """tasks.csv split by cell, once for every group of a report."""
    if tasks is None or tasks.empty:
        return {}
    return {str(cell): rows for cell, rows in tasks.groupby("cell", sort=False)}


def find_caps(table: pd.DataFrame, tasks: TaskRows) -> list[Cap]:
    """The capped models of one comparison group (``table``: its summary rows), in
    table order; none where its cells have no task rows."""
    if not tasks or "in_flight_max" not in table or not _waits(table):
        return []
    found = []
    for model, cells in table[table["model"] != "sync"].groupby("model", sort=False):
        cap = _cap(str(model), cells.dropna(subset=["wall_median_s"]), table, tasks)
        if cap is not None:
            found.append(cap)
    return found


def _waits(table: pd.DataFrame) -> bool:
    sync = table[(table["model"] == "sync") & table["wall_median_s"].notna()]
    if sync.empty or "cpu_share" not in sync:
        return False
    share = sync["cpu_share"].iloc[0]
    return not is_missing(share) and share < WAITING_BELOW


def _cap(model: str, cells: pd.DataFrame, table: pd.DataFrame, tasks: TaskRows) -> Cap | None:
    plateau = _plateau(cells)
    if plateau is None or _cpu_bound(plateau):
        return None
    uncontended = _uncontended(cells, table, tasks)
    if uncontended is None:
        return None
    proceeding = []
    for row in plateau.to_dict("records"):
        rows = tasks.get(str(row["cell"]))
        if rows is None or rows.empty or is_missing(row["in_flight_max"]):
            return None
        proceeding.append(calls_proceeding(rows, uncontended))
    # every larger pool of the plateau had calls waiting beyond those proceeding
    in_flight = plateau["in_flight_max"].tolist()
    if any(most < IN_FLIGHT_ABOVE * calls for most, calls
           in zip(in_flight[1:], proceeding[1:], strict=True)):
        return None
    return Cap(model, calls=statistics.median(proceeding), in_flight=float(max(in_flight)),
               plateau_from=int(plateau["pool_size"].iloc[0]))


def _plateau(cells: pd.DataFrame) -> pd.DataFrame | None:
    """The cells from the first pool within PLATEAU_GAIN of the best median to the
    largest pool, where there are MIN_PLATEAU_POOLS of them and none falls more than
    PLATEAU_FALL below the best."""
    cells = cells.sort_values("pool_size")
    if cells.empty:
        return None
    medians = cells["wall_median_s"]
    best = float(medians.min())
    plateau = cells[cells["pool_size"] >= cells.loc[medians <= best * (1 + PLATEAU_GAIN),
                                                    "pool_size"].min()]
    if len(plateau) < MIN_PLATEAU_POOLS or (plateau["wall_median_s"]
                                            > best * (1 + PLATEAU_FALL)).any():
        return None
    return plateau


def _cpu_bound(plateau: pd.DataFrame) -> bool:
    if "cpu_share" not in plateau:
        return False
    return bool((plateau["cpu_share"].dropna() >= CPU_BOUND_FROM).any())


def _uncontended(cells: pd.DataFrame, table: pd.DataFrame, tasks: TaskRows) -> float | None:
    """The median latency of one call with nothing to wait for: the model's pool 1
    (the same client), else sync's."""
    import numpy as np

    alone = [*cells.loc[cells["pool_size"] == 1, "cell"],
             *table.loc[table["model"] == "sync", "cell"]]
    for cell in alone:
        rows = tasks.get(str(cell))
        if rows is not None and not rows.empty:
            latency = float(np.median(rows["latency_s"].to_numpy(dtype=float)))
            if latency > 0:
                return latency
    return None


def calls_proceeding(rows: pd.DataFrame, uncontended: float) -> float:
    """About how many calls of a cell proceeded at once, the median over its runs of
    the larger of: the most calls that ended within WINDOW x ``uncontended``, and
    Little's law (throughput over the run's span x ``uncontended``)."""
    import numpy as np

    found = []
    for _, run in rows.groupby("repetition", sort=False):
        starts = run["start_s"].to_numpy(dtype=float)
        ends = np.sort(starts + run["latency_s"].to_numpy(dtype=float))
        within = np.searchsorted(ends, ends + WINDOW * uncontended, side="left")
        most = int((within - np.arange(len(ends))).max())
        span = float(ends[-1] - starts.min())
        little = len(ends) / span * uncontended if span > 0 else 0.0
        found.append(max(most, little))
    return float(np.median(found))


def clause(caps: Sequence[Cap]) -> str:
    """The verdict's words for a group's caps, or "" without any: models capped
    alike share a clause, e.g. ``threads and asyncio stop gaining at about 6 calls
    at once although up to 16 were in flight: something in the work lets about 6
    calls proceed at once (a lock, ...)``."""
    if not caps:
        return ""
    alike: dict[int, list[Cap]] = {}
    for cap in caps:
        alike.setdefault(cap.about, []).append(cap)
    parts: list[str] = []
    for about, same in alike.items():
        names = [cap.model for cap in same]
        named = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        stop = "stops" if len(names) == 1 and not names[0].endswith("s") else "stop"
        most = max(cap.in_flight for cap in same)
        lead = f"{named} {stop} gaining at" if not parts else f"{named} at"
        parts.append(f"{lead} about {_calls(about)} at once although up to "
                     f"{most:.0f} were in flight")
    if len(parts) == 1:
        return (f"{parts[0]}: something in the work lets about {_calls(caps[0].about)} "
                f"proceed at once ({CAUSES})")
    return (", and ".join(parts) + ": something in the work lets only so many calls "
            f"proceed at once ({CAUSES})")


def _calls(count: int) -> str:
    return f"{count} call{'s' * (count != 1)}"
