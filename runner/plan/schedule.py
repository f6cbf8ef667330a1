"""Cells x repetitions -> jobs: the timed runs in the order they execute."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from runner.plan.grid import Cell


@dataclass(frozen=True)
class Job:
    """One timed run of a cell (preceded by the experiment's warmups)."""

    cell: Cell
    repetition: int


def schedule(cells: list[Cell], repetitions: int, order: str = "interleaved",
             seed: int | None = None) -> list[Job]:
    """The timed runs in the order they execute.

    interleaved: repetition 1 of every cell, then 2, ..., so slow drift of a
    shared machine spreads over all cells; sequential: each cell's repetitions
    together; random: a shuffle reproducible from ``seed``.
    """
    if order == "sequential":
        return [Job(cell, rep) for cell in cells for rep in range(1, repetitions + 1)]
    jobs = [Job(cell, rep) for rep in range(1, repetitions + 1) for cell in cells]
    if order == "random":
        random.Random(seed).shuffle(jobs)
    return jobs


def missing(jobs: list[Job], done: set[tuple[str, int]]) -> Iterator[Job]:
    """The jobs whose (cell, repetition) has no row yet: what a resumed run still owes."""
    return (job for job in jobs if (job.cell.id, job.repetition) not in done)
