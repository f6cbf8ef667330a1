"""A sweep's overview: per parameter set its result, and where the winner changes.

A workload run with several parameter sets is a sweep. Its overview has one row per
set (the headline's result, the leader and its speedup over sync, the runner-up and
its speedup) and sentences that say where the winner changes along the swept
parameter (``crossover.words``), per value of any other swept parameter. The rows
and the words come from the same headlines as the per-set sections, so a set whose
leaders are not told apart is never read as won.

The parameter with the most values is the one the words follow; a parameter that
changes only with it (``zip``) rides along, and every other swept parameter is held
fixed per sentence.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from runner.config.values import format_value
from runner.report.crossover import SYNC, Point, words
from runner.report.headline import Headline, Walls, name
from runner.report.stats import is_missing
from runner.report.summary import ComparisonGroup, param_columns
from runner.report.told import DEFAULT_PRECISION, Told, tell

if TYPE_CHECKING:
    import pandas as pd

#: The overview table's columns after the swept parameters'.
COLUMNS = ("result", "leader", "speedup vs sync", "runner-up", "its speedup")
NUMERIC = frozenset({"speedup vs sync", "its speedup"})
INTRO = ("One row per parameter set, as its section below says it: Fastest only where the "
         "leader is told apart from the runner-up (the best of another model), else Level or "
         "Not told apart; speedups are over sync's median. Where the winner changes is said "
         "only between sets whose winners are told apart.")
#: What the result column says of a set where no run succeeded.
NOTHING = "No run succeeded"
#: Sentences at most per sweep; a grid of three or more swept parameters can hold
#: hundreds of combinations, which the table lists anyway.
MAX_SENTENCES = 12

Row = dict[str, str]  # column name -> cell text
Values = tuple[tuple[str, Any], ...]  # (parameter, value) in column order


@dataclass(frozen=True)
class SweptSet:
    """One parameter set of a sweep: its comparison group and its values."""

    group: str  # the comparison group's name, which heads its section
    cells: tuple[str, ...]
    values: dict[str, Any]  # every parameter of the workload


@dataclass(frozen=True)
class Sweep:
    """A workload (on one interpreter) with several parameter sets."""

    workload: str  # with ``@python`` where the run has several interpreters
    along: str  # the parameter the words follow (the most values)
    riders: tuple[str, ...]  # swept parameters that change only with ``along`` (zip)
    held: tuple[str, ...]  # the other swept parameters: fixed per sentence, per panel
    sets: tuple[SweptSet, ...]  # ordered by ``held``'s values, then ``along``'s
    ordered: bool  # ``along``'s values are numbers, so "from ... up" means something

    @property
    def swept(self) -> tuple[str, ...]:
        return (*self.held, self.along, *self.riders)

    def lines(self) -> list[tuple[Values, list[SweptSet]]]:
        """The sets per combination of ``held``'s values, in order."""
        found: dict[Values, list[SweptSet]] = {}
        for one in self.sets:
            found.setdefault(tuple((p, one.values[p]) for p in self.held), []).append(one)
        return list(found.items())


@dataclass(frozen=True)
class Overview:
    """What the report says of one sweep before its per-set sections."""

    workload: str
    columns: tuple[str, ...]  # the swept parameters, then COLUMNS
    rows: list[Row]
    crossovers: list[str]  # sentences
    groups: tuple[str, ...]  # the sets' group names, whose sections it stands for


def sweeps(summary: pd.DataFrame, groups: Sequence[ComparisonGroup]) -> list[Sweep]:
    """Every workload with more than one parameter set among ``groups``."""
    params = param_columns(summary)
    firsts = summary.drop_duplicates("cell").set_index("cell")
    pythons = "python" in summary and len({str(p) for p in summary["python"]
                                           if not is_missing(p)}) > 1
    found: dict[tuple[str, str], list[SweptSet]] = {}
    for group in groups:
        row = firsts.loc[group.cells[0]]
        python = "" if not pythons or is_missing(row["python"]) else str(row["python"])
        values = {p: _plain(row[p]) for p in params if not is_missing(row[p])}
        found.setdefault((str(row["workload"]), python), []).append(
            SweptSet(group.name, group.cells, values))
    made = [_sweep(f"{workload}@{python}" if python else workload, sets)
            for (workload, python), sets in found.items() if len(sets) > 1]
    return [sweep for sweep in made if sweep is not None]


def _sweep(workload: str, sets: list[SweptSet]) -> Sweep | None:
    names = list(dict.fromkeys(p for one in sets for p in one.values))
    distinct = {p: list(dict.fromkeys(one.values.get(p) for one in sets)) for p in names}
    swept = [p for p in names if len(distinct[p]) > 1]
    if not swept:
        return None
    along = max(swept, key=lambda p: len(distinct[p]))  # the first of the most values
    riders = tuple(p for p in swept if p != along and _follows(sets, p, along))
    held = tuple(p for p in swept if p != along and p not in riders)
    ordered = all(_number(v) for v in distinct[along])

    def rank(p: str, value: Any) -> Any:  # numbers by size, anything else as first given
        numbers = all(_number(v) for v in distinct[p])
        return value if numbers else distinct[p].index(value)

    sets = sorted(sets, key=lambda one: tuple(rank(p, one.values.get(p))
                                              for p in (*held, along)))
    return Sweep(workload, along, riders, held, tuple(sets), ordered)


def _follows(sets: list[SweptSet], rider: str, along: str) -> bool:
    """Whether ``rider`` takes one value per value of ``along`` (a ``zip``)."""
    seen: dict[Any, Any] = {}
    return all(seen.setdefault(one.values.get(along), one.values.get(rider))
               == one.values.get(rider) for one in sets)


def _plain(value: Any) -> Any:
    """A value as Python holds it (pandas gives numpy's scalars)."""
    return value.item() if hasattr(value, "item") else value


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(
        value)


def overviews(summary: pd.DataFrame, groups: Sequence[ComparisonGroup],
              headlines: Sequence[Headline | None], walls: Walls | None = None,
              precision: float = DEFAULT_PRECISION) -> list[Overview]:
    """The overview of each sweep; ``headlines``: each group's, in ``groups``' order;
    ``walls``: the cells' ok wall times, which tell whether two leaders not told apart
    from each other are together ahead of the rest (with ``precision``, as headlines)."""
    by_name = dict(zip((g.name for g in groups), headlines, strict=True))
    rows = summary.drop_duplicates("cell").set_index("cell")
    told = _Told(rows, walls or {}, precision)
    return [Overview(sweep.workload, (*sweep.swept, *COLUMNS),
                     [_row(sweep, one, by_name[one.group], rows) for one in sweep.sets],
                     _sentences(sweep, by_name, told),
                     tuple(one.group for one in sweep.sets))
            for sweep in sweeps(summary, groups)]


def _row(sweep: Sweep, one: SweptSet, head: Headline | None, rows: pd.DataFrame) -> Row:
    row = {p: format_value(one.values.get(p, "")) for p in sweep.swept}
    if head is None:
        return {**row, "result": NOTHING, **dict.fromkeys(COLUMNS[1:], "–")}
    leader, second = _cell(rows, head.leader), _cell(rows, head.runner_up)
    return {**row, "result": head.label, "leader": _named(leader),
            "speedup vs sync": _speedup(leader), "runner-up": _named(second),
            "its speedup": _speedup(second)}


def _cell(rows: pd.DataFrame, cell: str | None) -> pd.Series | None:
    return None if cell is None else cast("pd.Series", rows.loc[cell])


def _named(row: pd.Series | None) -> str:
    return "–" if row is None else name(row)


def _speedup(row: pd.Series | None) -> str:
    if row is None or is_missing(row["speedup_vs_sync"]):
        return "–"
    return f"{row['speedup_vs_sync']:.2f}×"


def _sentences(sweep: Sweep, heads: dict[str, Headline | None], told: _Told) -> list[str]:
    """Per combination of the held parameters, where the winner changes; combinations
    that read alike are said once."""
    said: dict[str, list[Values]] = {}
    for held, sets in sweep.lines():
        if len(sets) > 1:
            points = [told.point(one.values[sweep.along], one, heads[one.group])
                      for one in sets]
            said.setdefault(words(sweep.along, points, ordered=sweep.ordered), []).append(held)
    sentences = [f"{_at(combos)}: {text}" if combos[0] else text[0].upper() + text[1:]
                 for text, combos in said.items()]
    if len(sentences) > MAX_SENTENCES:
        rest = len(sentences) - MAX_SENTENCES
        sentences = [*sentences[:MAX_SENTENCES],
                     f"…and {rest} more combination{'s' * (rest > 1)} of "
                     f"{', '.join(sweep.held)}: see the table."]
    return sentences


@dataclass(frozen=True)
class _Told:
    """What a set's headline makes of it as a point along the sweep."""

    rows: pd.DataFrame  # summary rows by cell
    walls: Walls
    precision: float

    def point(self, value: Any, one: SweptSet, head: Headline | None) -> Point:
        """The set's told winner's model, else its two leaders', and whether those two
        (neither of them sync) are together ahead of every other model."""
        if head is None or head.leader is None:
            return Point(value, None)
        leader = str(self.rows.loc[head.leader, "model"])
        second = str(self.rows.loc[head.runner_up, "model"]) if head.runner_up else leader
        if head.kind in ("fastest", "advice") or second == leader:
            return Point(value, leader)
        # Sync level with a model wins nothing together with it: no model pays there.
        ahead = SYNC not in (leader, second) and self._ahead(one, head.runner_up,
                                                              {leader, second})
        return Point(value, None, (leader, second), level=head.kind == "level", ahead=ahead)

    def _ahead(self, one: SweptSet, second: str | None, pair: set[str]) -> bool:
        """Whether the slower of the two leaders is told faster than the best cell of any
        third model (then so is the faster, and both are ahead of every other)."""
        cells = self.rows.loc[list(one.cells)].dropna(subset=["wall_median_s"])
        others = cells[~cells["model"].isin(pair)].sort_values("wall_median_s", kind="stable")
        if second is None or others.empty:
            return False
        mine, third = self.walls.get(second), self.walls.get(str(others.index[0]))
        if not mine or not third:
            return False
        return tell(mine, third, self.precision).told is Told.FASTER


def _at(combos: list[Values]) -> str:
    """``At tasks = 2, 4 and 8`` (one held parameter), else each combination in full."""
    if len(combos[0]) == 1:
        values = [format_value(combo[0][1]) for combo in combos]
        listed = values[0] if len(values) == 1 else f"{', '.join(values[:-1])} and {values[-1]}"
        return f"At {combos[0][0][0]} = {listed}"
    return "At " + "; ".join(", ".join(f"{p} = {format_value(v)}" for p, v in combo)
                             for combo in combos)


def spread(count: int, most: int) -> list[int]:
    """Indices of at most ``most`` of ``count`` items (a sweep's parameter sets, for the
    figures that cannot show them all), evenly spaced, the first and the last kept."""
    if count <= most:
        return list(range(count))
    if most <= 1:
        return [0][:most]
    return sorted({round(i * (count - 1) / (most - 1)) for i in range(most)})
