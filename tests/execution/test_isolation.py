"""Each fault kind, in real worker subprocesses (isolation: process), and that no run
leaves a temporary file or a process behind."""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from runner.execution.isolation import run_isolated
from runner.execution.worker import Visit, visit
from runner.models import MODELS
from runner.workloads.fib_task import FibTask
from runner.workloads.sleep_task import SleepTask
from runner.workloads.task import Task
from tests.faulty import ChattyTask, ExitingTask, HangingTask, RaisingTask
from tests.helpers import ROOT, run_cli


def job(task: Task, model: str = "sync", pool_size: int = 2, warmups: int = 0,
        **options: Any) -> Visit:
    return Visit(task, MODELS[model], pool_size, options, warmups)


def test_a_clean_run_comes_back_as_structured_data() -> None:
    result = run_isolated(job(FibTask(count=3, n=18), "threads", warmups=1), timeout_s=None)
    assert result.status == "ok"
    assert result.wall_s is not None and result.wall_s > 0
    assert result.cpu_s is not None and result.cpu_s > 0
    assert result.max_rss_mb is not None and result.max_rss_mb > 5
    assert result.startup_s is not None and 0 <= result.startup_s < result.wall_s


def test_the_load_of_other_programs_crosses_the_process_boundary() -> None:
    result = run_isolated(job(SleepTask(count=1, duration_s=0.06)), timeout_s=None)
    assert result.status == "ok"
    assert result.others_cores is not None and result.others_cores >= 0  # Linux: /proc/stat


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


def test_a_timeout_kills_the_pool_processes_too(monkeypatch: pytest.MonkeyPatch) -> None:
    # Other tests' workers may come and go meanwhile: mark this test's own.
    marker = f"RUNEXP_TEST_MARK=timeout-{os.getpid()}"
    monkeypatch.setenv(*marker.split("="))
    result = run_isolated(job(HangingTask(count=4), "processes", pool_size=2), timeout_s=1)
    assert result.status == "timeout"
    assert live_processes_mentioning(marker) == []  # no orphaned pool worker left sleeping


def test_warmups_count_against_the_timeout_one_run_at_a_time() -> None:
    # each run takes 0.6 of the timeout: together, but not one by one, they exceed it
    result = run_isolated(job(SleepTask(count=1, duration_s=0.6), warmups=2), timeout_s=1.0)
    assert result.status == "ok", result.message


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


# --- what a run leaves behind: nothing in the temporary folder, no process ---------

SLOW = '''
import pathlib, time

def setup(args):
    pathlib.Path(args["started"]).touch()

def work(index, args):
    if args["broken"]:
        raise ValueError("broken")
    time.sleep(60)
'''
#: forkserver: the worker's multiprocessing makes a folder in the temporary folder
#: for the server's socket, which a worker ending in os._exit never removes.
EVERY_MODEL = """
    name: tidy
    repetitions: 1
    workloads:
      - {kind: file, tasks: 4, size_bytes: 100}
      - {kind: http, tasks: 2, latency_ms: 1}
    models: {sync: {}, threads: {}, asyncio: {}, processes: {start_method: forkserver}}
    pool_sizes: [2]
"""
#: Another interpreter's worker finds the runner package through a folder of its own.
OTHER_PYTHON = f"""
    name: tidy
    repetitions: 1
    python: [{Path(sys.base_prefix) / "bin" / "python3"}]
    workloads:
      - {{kind: file, tasks: 4, size_bytes: 100}}
    models: {{sync: {{}}, processes: {{start_method: forkserver}}}}
    pool_sizes: [2]
"""
FAILING = """
    name: tidy
    repetitions: 1
    timeout_s: 1.0
    workloads:
      - {kind: callable, label: slow, target: "slow:work", setup: "slow:setup", tasks: 4,
         args: {started: STARTED, broken: false}}
      - {kind: callable, label: broken, target: "slow:work", setup: "slow:setup", tasks: 4,
         args: {started: STARTED, broken: true}}
    models: {processes: {start_method: forkserver}}
    pool_sizes: [2]
"""


@pytest.fixture
def temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The temporary folder of the runs that run_cli starts: empty, and only theirs.

    Not below tmp_path: the forkserver's socket, a few levels below, must have a
    path of at most about 100 bytes.
    """
    folder = Path(tempfile.mkdtemp(prefix="runexp-test-"))
    monkeypatch.setenv("TMPDIR", str(folder))
    (tmp_path / "slow.py").write_text(SLOW)
    yield folder
    shutil.rmtree(folder)


def write_experiment(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "exp.yaml"
    path.write_text(textwrap.dedent(text).replace("STARTED", str(tmp_path / "started")))
    return path


def assert_nothing_left(temp: Path) -> None:
    assert sorted(p.name for p in temp.iterdir()) == []
    assert live_processes_mentioning(str(temp)) == []


def live_processes_mentioning(text: str) -> list[str]:
    """Command lines of the live processes (not this one) whose command or environment
    holds ``text``: those a run started inherit the environment it was given."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
            command = Path(f"/proc/{entry}/cmdline").read_bytes()
            environment = Path(f"/proc/{entry}/environ").read_bytes()
        except OSError:
            continue  # gone meanwhile
        if state != "Z" and text.encode() in command + environment:
            found.append(command.replace(b"\0", b" ").decode(errors="replace"))
    return found


@pytest.mark.parametrize(("text", "statuses"), [
    (EVERY_MODEL, ["ok"] * 8),
    (EVERY_MODEL + "    isolation: inline\n", ["ok"] * 8),
    (OTHER_PYTHON, ["ok"] * 2),
    (FAILING, ["error", "timeout"]),
], ids=["every-model", "every-model-inline", "other-python", "timeout-and-error"])
def test_a_run_leaves_no_temporaries_and_no_processes(tmp_path: Path, temp: Path, text: str,
                                                      statuses: list[str]) -> None:
    done = run_cli("run", write_experiment(tmp_path, text), "--out", tmp_path / "run",
                   cwd=tmp_path)
    assert done.returncode == (0 if set(statuses) == {"ok"} else 1), done.stderr
    assert sorted(pd.read_csv(tmp_path / "run" / "runs.csv")["status"]) == statuses
    assert_nothing_left(temp)


def test_a_terminated_run_leaves_no_temporaries_and_no_processes(tmp_path: Path,
                                                                 temp: Path) -> None:
    path = write_experiment(tmp_path, FAILING.replace("timeout_s: 1.0", "timeout_s: 60"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runner = subprocess.Popen([sys.executable, "-m", "runner", "run", str(path), "--out",
                               str(tmp_path / "run")], cwd=tmp_path, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "started").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert (tmp_path / "started").exists(), "the pool never started"
        runner.send_signal(signal.SIGTERM)
        _, stderr = runner.communicate(timeout=60)
    finally:
        runner.kill()
    assert runner.returncode == 130, stderr
    assert_nothing_left(temp)
