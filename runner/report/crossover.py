"""Where the winner changes along a swept parameter, said in words (pure).

A sweep's point is one parameter set's result along one parameter: a model told
apart as the fastest (the set's headline crowns it), two models level or not told
apart, or nothing measured. Two leaders not told apart from each other still share
the win where together they are told apart from every other model ("asyncio and
threads pay from tasks = 2 up"). Points with the same winner form a stretch, across
points between them where no winner is told apart; a crossover is claimed only
between two stretches, so never at a point whose leaders are not told apart: such
points are named as they are ("at n = 24, sync and processes are not told apart").

    >>> points = [Point(18, "sync"), Point(21, "sync"), Point(24, "processes")]
    >>> words("n", points)
    'processes pay from n = 24 up; below, sync wins.'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from runner.config.values import format_value

#: The model a sweep compares the others with: where it wins, no concurrency pays.
SYNC = "sync"


@dataclass(frozen=True)
class Point:
    """One parameter set along the swept parameter."""

    value: Any
    winner: str | None  # the model told apart as the fastest; None where none is
    leaders: tuple[str, ...] = ()  # where none is: the two models neither told apart;
    # () where no run succeeded
    level: bool = False  # the leaders are level (alike within the precision), not unknown
    ahead: bool = False  # the leaders, neither told apart from the other, are together
    # told apart from every other model: they share the win

    @property
    def won(self) -> str | None:
        """Who wins here: the told winner, ``asyncio and threads`` where two share it."""
        if self.winner is not None or not self.ahead:
            return self.winner
        return " and ".join(sorted(self.leaders))


@dataclass(frozen=True)
class Stretch:
    """Points ``first`` to ``last`` (indices) whose told winner is ``model``; points
    between them may have none."""

    model: str
    first: int
    last: int


@dataclass(frozen=True)
class Change:
    """The winner changes from ``before`` (told at ``below``, the last value it wins) to
    ``after`` (told from ``above``, the first value it wins)."""

    before: str
    after: str
    below: Any
    above: Any


def stretches(points: Sequence[Point]) -> list[Stretch]:
    """Runs of one told winner, in order; a point without one extends no stretch but
    does not end one either."""
    found: list[Stretch] = []
    for index, point in enumerate(points):
        if (won := point.won) is None:
            continue
        if found and found[-1].model == won:
            found[-1] = Stretch(won, found[-1].first, index)
        else:
            found.append(Stretch(won, index, index))
    return found


def changes(points: Sequence[Point]) -> list[Change]:
    """Every crossover along ordered ``points``: between two stretches of told winners."""
    runs = stretches(points)
    return [Change(a.model, b.model, points[a.last].value, points[b.first].value)
            for a, b in pairwise(runs)]


def words(param: str, points: Sequence[Point], *, ordered: bool = True) -> str:
    """One sentence: who wins where along ``param`` and where the winner changes.

    ``ordered``: the values are numbers in increasing order, so "from ... up" means
    something; otherwise each winner's values are listed.
    """
    runs = stretches(points)
    notes = _shared(param, points) + _undecided(param, points)
    if not runs:
        return f"No winner is told apart at any {param}" + (f": {'; '.join(notes)}."
                                                              if notes else ".")
    if not ordered:
        said = _by_winner(param, points)
    else:
        said = _two_sided(param, points, runs) or "; ".join(
            f"{_verb(run.model, 'win')} {_where(param, points, run)}" for run in runs)
        if len(runs) == 1 and not notes and runs[0].model == SYNC:
            said += ": no model pays"
    return "; ".join([said, *notes]) + "."


def _by_winner(param: str, points: Sequence[Point]) -> str:
    """``threads win at mode = a and c; asyncio wins at mode = b``: values in no order."""
    won: dict[str, list[str]] = {}
    for point in points:
        if point.won is not None:
            won.setdefault(point.won, []).append(_value(point))
    return "; ".join(f"{_verb(model, 'win')} at {param} = {_listed(values)}"
                     for model, values in won.items())


def _two_sided(param: str, points: Sequence[Point], runs: list[Stretch]) -> str | None:
    """The lesson's phrasing where sync wins at one end and one model at the other:
    ``processes pay from n = 24 up; below, sync wins``; None where it does not fit."""
    if len(runs) != 2 or SYNC not in (runs[0].model, runs[1].model):
        return None
    low, high = runs
    if low.first != 0 or high.last != len(points) - 1 or any(
            points[i].won is None for run in runs for i in range(run.first, run.last + 1)):
        return None  # not from end to end, or a point inside tells no winner
    adjacent = low.last + 1 == high.first
    below, above = _value(points[low.last]), _value(points[high.first])
    if high.model != SYNC:
        rest = "below, sync wins" if adjacent else f"sync wins up to {param} = {below}"
        return f"{_verb(high.model, 'pay')} from {param} = {above} up; {rest}"
    rest = "above, sync wins" if adjacent else f"sync wins from {param} = {above} up"
    return f"{_verb(low.model, 'pay')} up to {param} = {below}; {rest}"


def _where(param: str, points: Sequence[Point], run: Stretch) -> str:
    """Where a stretch lies: ``at every n from 18 to 27``, ``up to n = 21``, ...; where
    some point inside it tells no winner, the values it wins at, listed."""
    low, high = _value(points[run.first]), _value(points[run.last])
    if run.first == run.last:
        return f"at {param} = {low}"
    won = [i for i in range(run.first, run.last + 1) if points[i].won == run.model]
    if len(won) < run.last - run.first + 1:
        return f"at {param} = {_values(points, won)}"
    if run.first == 0 and run.last == len(points) - 1:
        return f"at every {param} from {low} to {high}"
    if run.first == 0:
        return f"up to {param} = {high}"
    if run.last == len(points) - 1:
        return f"from {param} = {low} up"
    return f"from {param} = {low} to {high}"


def _shared(param: str, points: Sequence[Point]) -> list[str]:
    """Per pair that shares the win somewhere: ``asyncio and threads are not told apart
    from each other`` (or level, or level at some values)."""
    pairs: dict[str, list[int]] = {}
    for index, point in enumerate(points):
        if point.winner is None and point.won is not None:
            pairs.setdefault(point.won, []).append(index)
    notes = []
    for names, indices in pairs.items():
        level = [i for i in indices if points[i].level]
        if len(level) == len(indices):
            notes.append(f"{names} are level with each other")
        else:
            notes.append(f"{names} are not told apart from each other" + (
                f" (level at {param} = {_values(points, level)})" if level else ""))
    return notes


def _undecided(param: str, points: Sequence[Point]) -> list[str]:
    """Where no winner is told apart, per pair of leaders: ``at n = 24, sync and
    processes are not told apart`` (``elsewhere`` where one pair holds every point
    without a winner and those lie scattered in more than two runs; ``level`` where
    they are alike), and where nothing was measured."""
    pairs: dict[frozenset[str], list[int]] = {}
    nothing = []
    for index, point in enumerate(points):
        if point.won is None:
            if point.leaders:
                pairs.setdefault(frozenset(point.leaders), []).append(index)
            else:
                nothing.append(index)
    won = any(point.won is not None for point in points)
    notes = []
    alone = len(pairs) == 1 and not nothing  # one pair holds every point without a winner
    for indices in pairs.values():
        if alone and not won:
            where = ""  # the sentence opens with "no winner is told apart at any"
        elif alone and len(_items(points, indices)) > 2:
            where = "elsewhere, "  # rather than a list of scattered values
        else:
            where = f"at {param} = {_values(points, indices)}, "
        names = _listed(list(points[indices[0]].leaders))
        level = [i for i in indices if points[i].level]
        if len(level) == len(indices):
            notes.append(f"{where}{names} are level")
            continue
        notes.append(f"{where}{names} are not told apart" + (
            f" (level at {param} = {_values(points, level)})" if level else ""))
    if nothing:
        notes.append(f"at {param} = {_values(points, nothing)}, no run succeeded")
    return notes


def _values(points: Sequence[Point], indices: list[int]) -> str:
    """The values at ``indices``: ``1, 2 and 8``, three or more neighbours as ``16 to 64``."""
    return _listed(_items(points, indices))


def _items(points: Sequence[Point], indices: list[int]) -> list[str]:
    spans: list[list[int]] = []
    for index in indices:
        if spans and spans[-1][-1] + 1 == index:
            spans[-1].append(index)
        else:
            spans.append([index])
    said = []
    for span in spans:
        values = [_value(points[i]) for i in span]
        said += [f"{values[0]} to {values[-1]}"] if len(values) > 2 else values
    return said


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _value(point: Point) -> str:
    return format_value(point.value)


def _verb(model: str, verb: str) -> str:
    """``threads win``, ``asyncio wins``: a model named in the plural, or two models,
    take the plural."""
    plural = model.endswith("s") or " and " in model
    return f"{model} {verb}" if plural else f"{model} {verb}s"
