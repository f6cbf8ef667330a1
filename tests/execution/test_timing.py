"""The per-task timing wrapper that every run's task goes through."""

from __future__ import annotations

import pickle

import pytest

from runner.execution.timing import TimedTask, first_start, task_timings, unwrap
from runner.models.sync import SyncModel
from runner.workloads.fib_task import FibTask


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
    assert all(latency >= 0 for _, latency in timings)
    assert [start for start, _ in timings] == sorted(start for start, _ in timings)
    assert first_start(results) is not None
