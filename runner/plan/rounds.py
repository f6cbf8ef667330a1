"""Repetitions to a precision: timed runs in rounds until every cell is precise.

With ``repetitions: {min, max, precision}`` (or ``auto``) the jobs are not known
in advance. Each round runs one more repetition of every cell still being
measured, in the experiment's order (``random`` reshuffles each round, from the
seed and the round's number); ``sequential`` measures one cell to its end before
the next. A cell stops being measured when

- it has ``min`` repetitions and ``precise`` says its ok wall times are precise
  enough (``stop``: precise);
- it has ``max`` repetitions (``stop``: max);
- one of its runs failed, once it has ``min`` repetitions: repeating a failing
  run rarely makes it pass and a timeout costs its limit each time
  (``stop``: failed).

The decisions read only what was recorded, so a resumed run, given the rows of
the interrupted one, takes the same decisions and runs only what is missing.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from runner.config.experiment import Precision
from runner.plan.grid import Cell
from runner.plan.schedule import Job

#: Whether a cell's ok wall times are precise enough to stop.
PreciseRule = Callable[[Sequence[float]], bool]
#: Called as each round begins: its number, the cells it measures, its runs still to do.
OnRound = Callable[[int, int, int], None]

PRECISE, MAX, FAILED = "precise", "max", "failed"


@dataclass
class _Measured:
    """What has been recorded of one cell."""

    repetitions: set[int] = field(default_factory=set)
    walls: list[float] = field(default_factory=list)
    failed: bool = False


def stop_reason(repetitions: int, walls: Sequence[float], failed: bool, policy: Precision,
                precise: PreciseRule) -> str | None:
    """Why a cell with these runs is measured no further (precise, max, failed), or None."""
    if repetitions < policy.min:
        return None
    if walls and not failed and precise(walls):
        return PRECISE
    if repetitions >= policy.max:
        return MAX
    if failed:
        return FAILED
    return None


class Rounds:
    """The jobs of an adaptive run, decided round by round from the rows recorded.

    Iterate over it for the jobs; ``record`` each finished run before asking for
    the next job (the local executor does), or use ``batches`` to get a whole
    round at a time (the cluster executor does).
    """

    def __init__(self, cells: list[Cell], policy: Precision, precise: PreciseRule, *,
                 order: str = "interleaved", seed: int | None = None,
                 on_round: OnRound | None = None) -> None:
        self.cells = cells
        self.policy = policy
        self.precise = precise
        self.order = order
        self.seed = seed
        self.on_round = on_round
        self._measured = {cell.id: _Measured() for cell in cells}

    def record(self, cell: str, repetition: int, ok: bool, wall_s: float | None) -> None:
        """One finished run (also those of an earlier, interrupted invocation)."""
        measured = self._measured.get(cell)
        if measured is None or repetition in measured.repetitions:
            return
        measured.repetitions.add(repetition)
        if ok and wall_s is not None:
            measured.walls.append(wall_s)
        elif not ok:
            measured.failed = True

    def stop(self, cell: str) -> str | None:
        """Why a cell is no longer measured (precise, max, failed), or None."""
        measured = self._measured[cell]
        return stop_reason(len(measured.repetitions), measured.walls, measured.failed,
                           self.policy, self.precise)

    def __iter__(self) -> Iterator[Job]:
        for batch in self.batches():
            yield from batch

    def batches(self) -> Iterator[list[Job]]:
        """The rounds' jobs, each round decided once the one before it was recorded."""
        if self.order == "sequential":
            for cell in self.cells:
                yield from self._one_cell(cell)
            return
        active = list(self.cells)
        number = 1
        while active:
            ordered = list(active)
            if self.order == "random":
                random.Random(f"{self.seed}:{number}").shuffle(ordered)
            todo = [Job(cell, number) for cell in ordered
                    if number not in self._measured[cell.id].repetitions]
            if todo and self.on_round is not None and number > self.policy.min:
                self.on_round(number, len(active), len(todo))
            if todo:
                yield todo
            # Round ``max`` is the last whatever was recorded: the bound holds by construction.
            active = [cell for cell in active
                      if number < self.policy.max and self.stop(cell.id) is None]
            number += 1

    def _one_cell(self, cell: Cell) -> Iterator[list[Job]]:
        repetition = 1
        while True:
            if repetition not in self._measured[cell.id].repetitions:
                yield [Job(cell, repetition)]
            if repetition >= self.policy.max or self.stop(cell.id) is not None:
                return
            repetition += 1

    def owed(self) -> int:
        """Timed runs certain to come: those missing from every cell's first ``min``."""
        return sum(max(0, self.policy.min - len(measured.repetitions))
                   for measured in self._measured.values())

    def bounds(self) -> tuple[int, int]:
        """Fewest and most timed runs the whole grid can take."""
        return len(self.cells) * self.policy.min, len(self.cells) * self.policy.max
