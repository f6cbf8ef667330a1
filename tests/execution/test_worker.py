"""The cell worker: a cheap start, and what one visit reports (run in this process)."""

from __future__ import annotations

import itertools
import json
import os
import pickle
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import pytest

from runner.execution.worker import RunResult, Visit, visit
from runner.models.base import Model, Options
from runner.models.sync import SyncModel
from runner.results.rows import Status
from runner.workloads.callable_task import CallableTask
from runner.workloads.fib_task import FibTask
from runner.workloads.file_task import FileTask
from runner.workloads.hash_task import HashTask
from runner.workloads.http_task import HttpTask
from runner.workloads.mixed_task import MixedTask
from runner.workloads.sleep_task import SleepTask
from runner.workloads.task import Task
from tests.faulty import RaisingTask
from tests.helpers import ROOT

#: Part of the end-to-end subset CI runs under every Python (.ci/pythons).
pytestmark = pytest.mark.e2e

HEAVY = ("pydantic", "pandas", "matplotlib", "aiohttp", "requests", "yaml")
#: Imports the worker, then unpickles what stdin holds; prints the heavy modules loaded.
PROBE = f"""
import pickle, sys
import runner.execution.worker
payload = sys.stdin.buffer.read()
if payload:
    pickle.loads(payload)
print(sorted(set({HEAVY!r}) & set(sys.modules)))
"""


def heavy_modules_after(payload: bytes = b"") -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", PROBE], input=payload, capture_output=True,
                          env=env, check=True)
    return done.stdout.decode().strip()


def test_the_worker_imports_nothing_heavy() -> None:
    assert heavy_modules_after() == "[]"


@pytest.mark.parametrize("task", [
    FibTask(count=1, n=1), SleepTask(count=1, duration_s=0.0),
    HashTask(count=1, size_bytes=1), FileTask(count=1, size_bytes=1, fsync=False),
    MixedTask(count=1, cpu_s=0.0, io_s=0.0),
    HttpTask(count=1, urls=("http://127.0.0.1:1/",), expected_bytes=None),
    CallableTask(count=1, target="os:getpid", async_target=None, setup=None, teardown=None,
                 args={}),
], ids=lambda task: type(task).__name__)
def test_unpickling_a_built_in_task_imports_nothing_heavy(task: Task) -> None:
    # http's own libraries load when its task runs (preload), not when it arrives
    assert heavy_modules_after(pickle.dumps(task)) == "[]"


def job(task: Task, model: Model | None = None, warmups: int = 0, **options: Any) -> Visit:
    return Visit(task, model or SyncModel(), 2, options, warmups)


def test_a_clean_visit_is_ok_with_its_measurements() -> None:
    result = visit(job(FibTask(count=2, n=10)))
    assert result.status is Status.OK
    assert result.message == ""
    assert result.wall_s is not None and result.wall_s > 0
    assert result.startup_s is not None and 0 <= result.startup_s <= result.wall_s
    assert result.task_timings is None  # not asked for


def test_each_run_is_announced_warmups_first() -> None:
    seen: list[bool] = []
    assert visit(job(FibTask(count=1, n=5), warmups=2), seen.append).status is Status.OK
    assert seen == [True, True, False]


def test_the_wall_time_is_the_injected_clocks() -> None:
    ticks = itertools.count(start=100.0, step=0.25)
    result = visit(job(FibTask(count=1, n=5)), clock=lambda: next(ticks))
    assert result.wall_s == 0.25
    assert result.startup_s is None  # task starts are perf_counter readings: not comparable


def test_the_load_of_other_programs_comes_from_the_injected_busy_counter() -> None:
    ticks = itertools.count(start=100.0, step=0.5)
    busy = itertools.count(start=1000.0, step=1.0)  # one busy CPU second per reading
    result = visit(job(FibTask(count=1, n=5)), clock=lambda: next(ticks),
                   busy=lambda: next(busy))
    assert result.cpu_s is not None and result.others_cores is not None
    assert result.others_cores == pytest.approx((1.0 - result.cpu_s) / 0.5)


def test_task_timings_come_back_where_recorded() -> None:
    result = visit(Visit(FibTask(count=3, n=5), SyncModel(), 1, {}, 0, record_tasks=True))
    assert result.task_timings is not None and len(result.task_timings) == 3
    assert result.task_timings[0][0] == 0.0  # offsets from the first task's start
    assert all(latency >= 0 for _, latency, _ in result.task_timings)


def test_a_raising_task_is_an_error_with_its_text() -> None:
    result = visit(job(RaisingTask()))
    assert result.status is Status.ERROR
    assert result.message == "ValueError: task 1 is broken"
    assert result.wall_s is None


class _Unwilling(SyncModel):
    def unsupported(self, task: Task, options: Options) -> str | None:
        return "not today"


class _Forgetful(Model):
    name = "forgetful"

    def run(self, task: Task, pool_size: int, options: Options) -> list[Any]:
        return [task.call(None, 0)]


@dataclass(frozen=True)
class _NeedsAMissingLibrary(Task):
    count: int = 1

    def preload(self) -> None:
        import runexp_no_such_library  # type: ignore[import-not-found]  # noqa: F401

    def call(self, resource: Any, index: int) -> int:
        return index


def test_an_unsupported_model_is_skipped_with_its_reason() -> None:
    seen: list[bool] = []
    result = visit(job(FibTask(count=1, n=5), _Unwilling()), seen.append)
    assert result.status is Status.SKIPPED
    assert result.message == "not today"
    assert seen == []  # nothing ran


def test_a_task_whose_library_is_missing_is_skipped_with_what_to_install() -> None:
    result = visit(job(_NeedsAMissingLibrary()))
    assert result.status is Status.SKIPPED
    assert "cannot import runexp_no_such_library" in result.message


def test_a_model_that_loses_results_is_an_error() -> None:
    result = visit(job(FibTask(count=3, n=5), _Forgetful()))
    assert result.status is Status.ERROR
    assert result.message == "RuntimeError: 1 of 3 tasks returned a result"


def test_a_result_crosses_the_process_boundary_intact() -> None:
    result = RunResult(Status.TIMEOUT, 1.5, 0.5, 20.0, "too slow", [(0.0, 0.1), (0.1, 0.2)],
                       0.01, 0.75)
    back = RunResult.from_json(json.loads(result.to_json()))
    assert back == result
    assert back.status is Status.TIMEOUT

