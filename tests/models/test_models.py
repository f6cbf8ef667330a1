"""Every model runs every workload for real, on a tiny size, against the embedded server."""

from __future__ import annotations

import asyncio
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from runner.errors import WorkloadError
from runner.execution.measure import measure
from runner.execution.timing import TimedTask
from runner.models import MODELS
from runner.models.base import Options
from runner.workloads.fib_task import FibTask, fib
from runner.workloads.http_task import HttpTask
from runner.workloads.sleep_task import SleepTask
from runner.workloads.task import Task
from tests.faulty import FailingOpenTask

#: Part of the end-to-end subset CI runs under every Python (.ci/pythons).
pytestmark = pytest.mark.e2e

SIZE = 333
#: The models this interpreter can run (interpreters needs Python 3.14).
RUNNABLE = [name for name, model in MODELS.items()
            if model.unsupported(FibTask(count=1, n=1), {}) is None]


def options_for(model: str) -> Options:
    return MODELS[model].options_model()().model_dump()


def http_task(server_url: str, count: int = 6, size: int = SIZE) -> HttpTask:
    urls = tuple(f"{server_url}/pages/{i}?latency_ms=5&size_bytes={size}" for i in range(count))
    return HttpTask(count=count, urls=urls, expected_bytes=size)


@pytest.mark.parametrize("model", RUNNABLE)
def test_http_reads_every_body(model: str, server_url: str) -> None:
    results = MODELS[model].run(http_task(server_url), 3, options_for(model))
    assert results == [SIZE] * 6


@pytest.mark.parametrize("model", RUNNABLE)
def test_fib(model: str) -> None:
    assert MODELS[model].run(FibTask(count=3, n=15), 2, options_for(model)) == [fib(15)] * 3


@pytest.mark.parametrize("model", RUNNABLE)
def test_sleep(model: str) -> None:
    assert MODELS[model].run(SleepTask(count=4, duration_s=0.001), 2,
                             options_for(model)) == [0] * 4


@pytest.mark.parametrize("model", RUNNABLE)
def test_a_short_body_is_an_error(model: str, server_url: str) -> None:
    task = http_task(server_url, count=2, size=10)
    lying = HttpTask(count=2, urls=task.urls, expected_bytes=11)
    with pytest.raises(WorkloadError, match="read 10 bytes, expected 11"):
        MODELS[model].run(lying, 2, options_for(model))


#: Set by the test after import: forked pool processes inherit it, spawned ones
#: import this module afresh.
_SET_AFTER_IMPORT: list[str] = []


@dataclass(frozen=True)
class _InheritanceTask(Task):
    count: int = 2

    def call(self, resource: None, index: int) -> bool:
        return bool(_SET_AFTER_IMPORT)


def test_processes_honour_the_start_method(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.modules[__name__], "_SET_AFTER_IMPORT", ["set"])
    model = MODELS["processes"]
    assert model.run(_InheritanceTask(), 2, {"start_method": "fork"}) == [True, True]
    assert model.run(_InheritanceTask(), 2, {"start_method": "spawn"}) == [False, False]


def test_asyncio_bounds_requests_in_flight(server_url: str) -> None:
    """8 requests of 50 ms with 2 in flight take 4 rounds; unbounded they would take 1."""
    urls = tuple(f"{server_url}/p/{i}?latency_ms=50&size_bytes=1" for i in range(8))
    task = HttpTask(count=8, urls=urls, expected_bytes=1)
    start = time.perf_counter()
    MODELS["asyncio"].run(task, 2, {})
    assert time.perf_counter() - start >= 0.2  # a lower bound only: never flaky when slow


def test_fib_values() -> None:
    assert [fib(n) for n in range(10)] == [0, 1, 1, 2, 3, 5, 8, 13, 21, 34]


def test_the_interpreters_model_says_why_it_cannot_run_before_3_14() -> None:

    reason = MODELS["interpreters"].unsupported(FibTask(count=1, n=1), {})
    if sys.version_info >= (3, 14):
        assert reason is None
        assert MODELS["interpreters"].run(FibTask(count=3, n=10), 2, {}) == [fib(10)] * 3
    else:
        assert reason is not None and "needs Python 3.14 or newer" in reason


@pytest.mark.parametrize("model", RUNNABLE)
def test_hash_file_and_mixed(model: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                             ) -> None:
    import hashlib

    from runner.workloads.file_task import FileTask
    from runner.workloads.hash_task import HashTask
    from runner.workloads.mixed_task import MixedTask

    options = options_for(model)
    digests = MODELS[model].run(HashTask(count=3, size_bytes=1000), 2, options)
    assert len(set(digests)) == 1
    assert len(digests[0]) == hashlib.sha256().digest_size
    # forked pool processes inherit this; each worker's directory must go with it
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert MODELS[model].run(FileTask(count=3, size_bytes=1000, fsync=True), 2,
                             options) == [1000] * 3
    assert list(tmp_path.iterdir()) == []
    steps = MODELS[model].run(MixedTask(count=2, cpu_s=0.002, io_s=0.001), 2, options)
    assert all(s > 0 for s in steps)


def test_the_mixed_ideal_takes_the_larger_bound() -> None:
    from runner.workloads.mixed import MixedSpec

    spec = MixedSpec.model_validate({"kind": "mixed"})
    # 40 tasks of 10 ms CPU + 40 ms waiting: 40 at a time on 2 cores is CPU-bound
    assert spec.ideal_s({"tasks": 40, "cpu_ms": 10.0, "io_ms": 40.0}, 40, 2, None) == (
        pytest.approx(0.2))
    # one at a time: 40 x 50 ms
    assert spec.ideal_s({"tasks": 40, "cpu_ms": 10.0, "io_ms": 40.0}, 1, 2, None) == (
        pytest.approx(2.0))



@dataclass(frozen=True)
class _FailingTask(Task):
    """Unit 1 fails at once while unit 0 is still busy; each step is logged with its thread."""

    log: list[tuple[str, int]]
    count: int = 2

    def _note(self, what: str) -> None:
        self.log.append((what, threading.get_ident()))

    def open(self) -> None:
        self._note("open")

    def close(self, resource: None) -> None:
        self._note("close")

    def call(self, resource: None, index: int) -> int:
        if index == 1:
            raise ValueError("unit 1 fails")
        time.sleep(0.05)
        self._note("unit 0 ends")
        return 0

    async def acall(self, resource: None, index: int) -> int:
        if index == 1:
            raise ValueError("unit 1 fails")
        try:
            await asyncio.sleep(0.05)
        finally:
            self._note("unit 0 ends")
        return 0


@pytest.mark.parametrize("model", ["sync", "threads", "asyncio"])
def test_on_an_error_each_opener_closes_once_after_the_other_units(model: str) -> None:
    log: list[tuple[str, int]] = []
    with pytest.raises(ValueError, match="unit 1 fails"):
        MODELS[model].run(_FailingTask(log), 2, options_for(model))
    events = [what for what, _ in log]
    openers = sorted(thread for what, thread in log if what == "open")
    assert openers
    assert sorted(thread for what, thread in log if what == "close") == openers
    assert events.index("unit 0 ends") < events.index("close")


def test_a_pool_runs_at_most_its_units_or_chunks_at_once() -> None:
    from runner.models import MODELS

    assert MODELS["threads"].most_in_flight(16, {}) == 16
    assert MODELS["asyncio"].most_in_flight(16, {}) == 16
    assert MODELS["processes"].most_in_flight(10, {"chunksize": 4}) == 3
    assert MODELS["sync"].most_in_flight(16, {}) is None  # not pooled: nothing to bound


@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_a_failing_open_in_a_pool_process_is_the_users_exception(start_method: str) -> None:
    """Raised from the pool's initializer, it would be "a process in the process pool
    was terminated abruptly" (BrokenProcessPool), the user's exception lost."""
    options = {**options_for("processes"), "start_method": start_method}
    with pytest.raises(PermissionError, match="the database refused the login"):
        MODELS["processes"].run(FailingOpenTask(), 2, options)


@pytest.mark.parametrize("start_method", ["fork", "spawn", "forkserver"])
def test_pool_workers_cpu_time_counts_under_every_start_method(start_method: str) -> None:
    """Under forkserver (Python 3.14's default on Linux) the workers are the fork
    server's children, not the timed process's: getrusage alone sees none of their
    CPU, and a CPU-bound run looked like waiting."""
    task = TimedTask(FibTask(count=6, n=22))
    _, alone = measure(lambda: MODELS["sync"].run(task, 1, options_for("sync")))
    model = MODELS["processes"]
    options = {**options_for("processes"), "start_method": start_method}
    _, pooled = measure(lambda: model.run(task, 2, options), elsewhere=model.elsewhere)
    assert pooled.cpu_s >= 0.8 * alone.cpu_s, (pooled.cpu_s, alone.cpu_s)
