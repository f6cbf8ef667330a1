"""Each fault kind, in real worker subprocesses (isolation: process)."""

from __future__ import annotations

import importlib.util
import os
import time

import pytest

from runner.execution.isolation import run_isolated
from runner.execution.worker import Visit, visit
from runner.models import MODELS
from runner.workloads.fib_task import FibTask
from tests.faulty import ChattyTask, ExitingTask, HangingTask, RaisingTask


def job(task, model: str = "sync", pool_size: int = 2, warmups: int = 0, **options) -> Visit:
    return Visit(task, MODELS[model], pool_size, options, warmups)


def test_a_clean_run_comes_back_as_structured_data() -> None:
    result = run_isolated(job(FibTask(count=3, n=18), "threads", warmups=1), timeout_s=None)
    assert result.status == "ok"
    assert result.wall_s is not None and result.wall_s > 0
    assert result.cpu_s is not None and result.cpu_s > 0
    assert result.max_rss_mb is not None and result.max_rss_mb > 5
    assert result.startup_s is not None and 0 <= result.startup_s < result.wall_s


def test_process_start_up_is_measured_apart_from_the_work() -> None:
    result = run_isolated(job(FibTask(count=2, n=5), "processes", chunksize=1), timeout_s=None)
    assert result.status == "ok"
    assert result.startup_s is not None and result.startup_s > 0.001  # forking workers


@pytest.mark.parametrize("model", ["sync", "threads", "asyncio", "processes"])
def test_a_raising_task_is_an_error_with_its_text(model: str) -> None:
    result = run_isolated(job(RaisingTask(), model), timeout_s=None)
    assert result.status == "error"
    assert result.message == "ValueError: task 1 is broken"


@pytest.mark.parametrize("model", ["sync", "threads"])
def test_a_run_past_the_timeout_is_killed(model: str) -> None:
    start = time.monotonic()
    result = run_isolated(job(HangingTask(), model), timeout_s=0.5)
    assert result.status == "timeout"
    assert "0.5 s timeout" in result.message
    assert time.monotonic() - start < 30  # not the 300 s the task asked for


def test_a_timeout_kills_the_pool_processes_too() -> None:
    before = _worker_processes()
    result = run_isolated(job(HangingTask(count=4), "processes", pool_size=2), timeout_s=1)
    assert result.status == "timeout"
    time.sleep(0.2)
    assert _worker_processes() <= before  # no orphaned pool worker left sleeping


def test_warmups_count_against_the_timeout_one_run_at_a_time() -> None:
    result = run_isolated(job(FibTask(count=2, n=15), warmups=3), timeout_s=5)
    assert result.status == "ok"


def test_a_dying_worker_is_an_error() -> None:
    result = run_isolated(job(ExitingTask()), timeout_s=None)
    assert result.status == "error"
    assert "worker process died (exit code 3)" in result.message


def test_a_dying_pool_process_is_an_error() -> None:
    result = run_isolated(job(ExitingTask(), "processes"), timeout_s=30)
    assert result.status == "error"
    assert "BrokenProcessPool" in result.message


def test_uvloop_is_skipped_with_a_reason_where_it_is_missing() -> None:
    result = run_isolated(job(FibTask(count=2, n=10), "asyncio", loop="uvloop"), timeout_s=30)
    if importlib.util.find_spec("uvloop") is None:
        assert result.status == "skipped"
        assert "uvloop package is not installed" in result.message
    else:
        assert result.status == "ok"


def test_task_output_does_not_disturb_the_protocol() -> None:
    assert run_isolated(job(ChattyTask()), timeout_s=None).status == "ok"


def test_inline_visits_report_faults_the_same_way() -> None:
    assert visit(job(RaisingTask(), "threads")).message == "ValueError: task 1 is broken"
    assert visit(job(FibTask(count=2, n=10))).status == "ok"


def _worker_processes() -> set[int]:
    """Pids of live processes running runner.execution.worker (forked pool processes included)."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as file:
                    if b"runner.execution.worker" in file.read():
                        found.add(int(entry))
            except OSError:
                continue
    return found
