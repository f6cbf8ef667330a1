"""The per-task timing wrapper that every run's task goes through."""

from __future__ import annotations

import pickle

import pytest

from runner.execution.timing import (
    ASYNC_TASK,
    TimedTask,
    Who,
    first_start,
    task_timings,
    unwrap,
    worker_labels,
)
from runner.models import MODELS
from runner.models.sync import SyncModel
from runner.workloads.fib_task import FibTask
from runner.workloads.sleep_task import SleepTask


def test_a_model_sees_the_workload_tasks_own_attributes_through_the_wrapper() -> None:
    timed = TimedTask(FibTask(count=3, n=5))
    assert (timed.count, timed.n) == (3, 5)
    again = pickle.loads(pickle.dumps(timed))  # process pools ship it
    assert again.n == 5
    with pytest.raises(AttributeError):
        _ = timed.no_such_attribute


def test_every_unit_is_timed_in_index_order() -> None:
    results = SyncModel().run(TimedTask(FibTask(count=3, n=10)), 1, {})
    assert unwrap(results) == [55, 55, 55]
    timings = task_timings(results)
    assert timings[0][0] == 0.0
    assert all(latency >= 0 for _, latency, _ in timings)
    assert [start for start, _, _ in timings] == sorted(start for start, _, _ in timings)
    assert {worker for _, _, worker in timings} == {"main"}
    assert first_start(results) is not None


@pytest.mark.parametrize(("model", "expected"), [
    ("threads", {"thread-1", "thread-2", "thread-3"}),
    ("processes", {"process-1", "process-2", "process-3"}),
    ("asyncio", {"task-1", "task-2", "task-3"}),
])
def test_each_unit_is_named_by_the_worker_that_ran_it(model: str,
                                                       expected: set[str]) -> None:
    """A small per-run label: three workers each take units of 30 ms, six in all."""
    options = MODELS[model].options_model()().model_dump()
    results = MODELS[model].run(TimedTask(SleepTask(count=6, duration_s=0.03)), 3, options)
    assert {worker for _, _, worker in task_timings(results)} == expected


def test_asyncio_units_take_the_lowest_lane_free_when_they_start() -> None:
    main = (1, 1, 0)
    units: list[tuple[float, float, Who]] = [
        (0.0, 1.0, ASYNC_TASK), (0.1, 0.3, ASYNC_TASK), (0.5, 1.0, ASYNC_TASK),
        (1.0, 0.5, ASYNC_TASK)]
    assert worker_labels(units, main) == ["task-1", "task-2", "task-2", "task-1"]


def test_threads_processes_and_interpreters_are_numbered_in_order_of_first_start() -> None:
    main = (10, 100, 0)
    units: list[tuple[float, float, Who]] = [
        (0.2, 0.1, (10, 200, 0)), (0.1, 0.1, (10, 300, 0)), (0.0, 0.1, (10, 100, 0)),
        (0.3, 0.1, (11, 5, 0)), (0.4, 0.1, (10, 400, 2)), (0.5, 0.1, (10, 200, 0))]
    assert worker_labels(units, main) == [
        "thread-2", "thread-1", "main", "process-1", "interpreter-1", "thread-2"]
