from __future__ import annotations

from runner.config.experiment import Experiment
from runner.plan.grid import expand
from runner.plan.schedule import missing, schedule


def cells():
    exp = Experiment.model_validate({"name": "t", "workloads": [{"kind": "fib"}],
                                     "models": ["sync", "threads"], "pool_sizes": [2]})
    return expand(exp)


def pairs(jobs):
    return [(job.cell.id, job.repetition) for job in jobs]


def test_interleaved_visits_every_cell_before_the_next_repetition() -> None:
    assert pairs(schedule(cells(), 2, "interleaved")) == [
        ("fib/sync", 1), ("fib/threads/p2", 1), ("fib/sync", 2), ("fib/threads/p2", 2)]


def test_sequential_keeps_a_cells_repetitions_together() -> None:
    assert pairs(schedule(cells(), 2, "sequential")) == [
        ("fib/sync", 1), ("fib/sync", 2), ("fib/threads/p2", 1), ("fib/threads/p2", 2)]


def test_random_is_a_reproducible_permutation() -> None:
    many = cells() * 1  # two cells
    first = pairs(schedule(many, 20, "random", seed=7))
    assert first == pairs(schedule(many, 20, "random", seed=7))
    assert first != pairs(schedule(many, 20, "random", seed=8))
    assert sorted(first) == sorted(pairs(schedule(many, 20, "sequential")))


def test_missing_skips_pairs_already_recorded() -> None:
    jobs = schedule(cells(), 2, "interleaved")
    assert pairs(missing(jobs, {("fib/sync", 1), ("fib/threads/p2", 2)})) == [
        ("fib/threads/p2", 1), ("fib/sync", 2)]
