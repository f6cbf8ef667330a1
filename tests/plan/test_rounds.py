"""Adaptive repetitions: the rounds, the stop rule, resuming them."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from runner.config.experiment import Experiment, Precision
from runner.plan.grid import expand
from runner.plan.rounds import FAILED, MAX, PRECISE, Rounds
from runner.plan.schedule import Job

EXPERIMENT = Experiment.model_validate({
    "name": "r", "workloads": [{"kind": "sleep", "duration_ms": [1, 2, 3]}],
    "models": ["sync"]})
CELLS = expand(EXPERIMENT)
A, B, C = (cell.id for cell in CELLS)


def precise_after(counts: dict[str, int]) -> Callable[[Sequence[float]], bool]:
    """A rule that calls cell X precise once it has counts[X] values (values are X's index)."""
    def rule(walls: Sequence[float]) -> bool:
        cell = CELLS[int(walls[0])].id
        return len(walls) >= counts[cell]
    return rule


def drive(rounds: Rounds, fail: set[tuple[str, int]] | None = None,
          stop_after: int | None = None) -> list[tuple[str, int]]:
    """Run the jobs as the executor does: each recorded before the next is asked for."""
    seen: list[tuple[str, int]] = []
    for job in rounds:
        seen.append((job.cell.id, job.repetition))
        ok = (job.cell.id, job.repetition) not in (fail or set())
        rounds.record(job.cell.id, job.repetition, ok, float(CELLS.index(job.cell)))
        if stop_after is not None and len(seen) == stop_after:
            break
    return seen


def rounds_of(counts: dict[str, int], policy: Precision, **kwargs: object) -> Rounds:
    return Rounds(CELLS, policy, precise_after(counts), **kwargs)  # type: ignore[arg-type]


def test_rounds_add_one_repetition_to_each_cell_not_yet_precise() -> None:
    rounds = rounds_of({A: 3, B: 5, C: 99}, Precision(min=3, max=6, precision=0.01))
    seen = drive(rounds)
    # rounds 1-3: every cell; round 4: B and C; round 5: B and C (B precise at 5); 6: C
    assert seen == [(c, r) for r in (1, 2, 3) for c in (A, B, C)] + [
        (B, 4), (C, 4), (B, 5), (C, 5), (C, 6)]
    assert [rounds.stop(c) for c in (A, B, C)] == [PRECISE, PRECISE, MAX]


def test_min_comes_first_even_for_a_precise_cell() -> None:
    rounds = rounds_of({A: 1, B: 1, C: 1}, Precision(min=2, max=5, precision=0.01))
    assert len(drive(rounds)) == 6


def test_a_failed_run_stops_its_cell_after_min() -> None:
    rounds = rounds_of({A: 99, B: 99, C: 99}, Precision(min=2, max=4, precision=0.01))
    seen = drive(rounds, fail={(A, 1)})
    assert seen.count((A, 3)) == 0 and seen.count((B, 4)) == 1
    assert rounds.stop(A) == FAILED


def test_random_order_reshuffles_each_round_reproducibly() -> None:
    policy = Precision(min=6, max=6, precision=0.01)
    first = drive(rounds_of({A: 9, B: 9, C: 9}, policy, order="random", seed=4))
    again = drive(rounds_of({A: 9, B: 9, C: 9}, policy, order="random", seed=4))
    assert first == again
    per_round = [tuple(c for c, r in first if r == n) for n in range(1, 7)]
    assert all(sorted(cells) == sorted((A, B, C)) for cells in per_round)
    assert len(set(per_round)) > 1  # not one order for every round


def test_sequential_measures_one_cell_to_its_end_first() -> None:
    rounds = rounds_of({A: 4, B: 3, C: 3}, Precision(min=3, max=9, precision=0.01),
                       order="sequential")
    assert drive(rounds) == [(A, 1), (A, 2), (A, 3), (A, 4), (B, 1), (B, 2), (B, 3),
                             (C, 1), (C, 2), (C, 3)]


def test_a_resumed_run_continues_mid_round_with_the_same_decisions() -> None:
    counts = {A: 3, B: 5, C: 99}
    policy = Precision(min=3, max=6, precision=0.01)
    whole = drive(rounds_of(counts, policy))
    interrupted = drive(rounds_of(counts, policy), stop_after=10)  # inside round 4
    resumed = rounds_of(counts, policy)
    for cell, repetition in interrupted:
        resumed.record(cell, repetition, True, float(CELLS.index(
            next(c for c in CELLS if c.id == cell))))
    assert resumed.owed() == 0
    rest = drive(resumed)
    assert interrupted + rest == whole


def test_max_bounds_the_rounds_even_where_nothing_is_recorded() -> None:
    for order in ("interleaved", "sequential"):
        rounds = rounds_of({A: 1, B: 1, C: 1}, Precision(min=1, max=2, precision=0.5),
                           order=order)
        jobs = list(rounds)  # never recorded: no cell can be called precise
        assert all(isinstance(job, Job) for job in jobs)
        assert len(jobs) == 6
        assert rounds.bounds() == (3, 6)
