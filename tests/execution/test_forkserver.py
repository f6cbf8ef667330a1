"""The fork server: each timed run in a process that ran nothing before, forked from a
zygote that starts no thread; a zygote that dies is replaced, its run an error row."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from runner.config.loader import load
from runner.execution.forkserver import ForkServer, ForkServers, available, server_key
from runner.execution.isolation import encode, run_isolated
from runner.execution.local import Settings, execute
from runner.execution.worker import Visit, object_path
from runner.models.processes import ProcessesModel
from runner.models.sync import SyncModel
from runner.plan.grid import expand
from runner.plan.schedule import Job
from runner.results.rows import RunRecord, Status
from runner.workloads.callable_task import CallableTask
from runner.workloads.http_task import HttpTask
from tests.helpers import ROOT, run_cli

#: Part of the end-to-end subset CI runs under every Python (.ci/pythons).
pytestmark = [pytest.mark.skipif(not available(), reason="fork servers need Linux"),
              pytest.mark.e2e]

#: Logs, per call, the process, its module-level call count, a random number and its
#: TMPDIR: a process that ran nothing before starts the count at 1.
USERWORK = """
import json, os, random, tempfile

CALLS = 0


def work(index, args):
    global CALLS
    CALLS += 1
    with open(args["log"], "a") as log:
        log.write(json.dumps({"pid": os.getpid(), "calls": CALLS, "random": random.random(),
                              "tmp": tempfile.gettempdir(),
                              "cpus": sorted(os.sched_getaffinity(0))}) + "\\n")
"""


def write_experiment(folder: Path, text: str) -> Path:
    (folder / "userwork.py").write_text(USERWORK, encoding="utf-8")
    path = folder / "experiment.yaml"
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def rows(run_dir: Path) -> list[dict[str, str]]:
    with (run_dir / "runs.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_each_timed_run_is_a_process_that_ran_nothing_before(tmp_path: Path) -> None:
    log = tmp_path / "calls.jsonl"
    path = write_experiment(tmp_path, f"""
        name: fresh
        repetitions: 3
        warmups: 0
        workloads:
          - {{kind: callable, target: "userwork:work", tasks: 1, args: {{log: "{log}"}}}}
        models: [sync]
    """)
    result = run_cli("run", path, "--out", tmp_path / "run")
    assert result.returncode == 0, result.stderr
    calls = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert len(calls) == 3
    assert len({call["pid"] for call in calls}) == 3  # a process per run
    assert [call["calls"] for call in calls] == [1, 1, 1]  # each the module's first call
    assert len({call["random"] for call in calls}) == 3  # seeded anew, not the zygote's
    assert len({call["tmp"] for call in calls}) == 3  # a TMPDIR per run, not the zygote's
    assert not any(Path(call["tmp"]).exists() for call in calls)  # each removed after


def visit_of(task: object, model: object) -> Visit:
    return Visit(task, model, 2, {}, 0)  # type: ignore[arg-type]


def test_the_zygote_of_an_http_run_imports_aiohttp_and_requests_and_starts_no_thread(
        ) -> None:
    task = HttpTask(count=2, urls=("http://127.0.0.1:9/",), expected_bytes=None)
    server = ForkServer(sys.executable, {**os.environ, "PYTHONPATH": str(ROOT)},
                        encode(visit_of(task, ProcessesModel()), sys.path))
    try:
        server.ready()
        assert server.threads == ["MainThread"]
        # The kernel's count too, which also sees threads that C code started.
        status = Path(f"/proc/{server.process.pid}/status").read_text()
        assert "Threads:\t1\n" in status
        maps = Path(f"/proc/{server.process.pid}/maps").read_text()
        assert "aiohttp" in maps  # its compiled parts are loaded: imported before any fork
    finally:
        server.close()
    assert server.process.returncode == 0


def test_a_workload_whose_import_starts_a_thread_is_spawned_instead(tmp_path: Path) -> None:
    (tmp_path / "threaded.py").write_text(textwrap.dedent("""
        import threading, time
        threading.Thread(target=time.sleep, args=(60,), daemon=True, name="poller").start()

        def work(index, args):
            return index
    """), encoding="utf-8")
    task = CallableTask(count=1, target="threaded:work", async_target=None, setup=None,
                        teardown=None, args={})
    forks = ForkServers()
    sys_path = [str(tmp_path), *sys.path]
    key = server_key(sys.executable, sys_path, object_path(SyncModel()), task)
    try:
        server = forks.get(key, {**os.environ, "PYTHONPATH": str(ROOT)},
                           encode(visit_of(task, SyncModel()), sys_path))
        assert server is None
        assert "poller" in forks.refused[key]
    finally:
        forks.close()


def test_an_interrupt_while_zygotes_import_kills_them_at_once(tmp_path: Path) -> None:
    (tmp_path / "slow.py").write_text("import time\ntime.sleep(60)\n\n"
                                      "def work(index, args):\n    return index\n",
                                      encoding="utf-8")
    task = CallableTask(count=1, target="slow:work", async_target=None, setup=None,
                        teardown=None, args={})
    sys_path = [str(tmp_path), *sys.path]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    wanted = [(server_key(sys.executable, sys_path, object_path(model), task), env,
               encode(visit_of(task, model), sys_path))
              for model in (SyncModel(), ProcessesModel())]
    forks = ForkServers()
    started: list[ForkServer] = []
    real = ForkServer.__init__

    def remember(self: ForkServer, *args: Any) -> None:
        real(self, *args)
        started.append(self)

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(ForkServer, "__init__", remember)
            signal.setitimer(signal.ITIMER_REAL, 1.0)
            begun = time.monotonic()
            with pytest.raises(KeyboardInterrupt):
                forks.start(wanted)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        forks.close()
    assert time.monotonic() - begun < 10  # killed, not waited for through their import
    assert len(started) == 2
    for server in started:
        assert server.process.returncode is not None  # gone and reaped
        assert server.sock.fileno() == -1 and server.stderr.closed


def test_the_zygotes_an_experiment_needs_start_side_by_side(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_experiment(tmp_path, """
        name: side-by-side
        repetitions: 1
        workloads:
          - {kind: sleep, tasks: 2, duration_ms: 0}
        models: [sync, threads, asyncio, processes]
        pool_sizes: [1]
    """)
    events: list[tuple[str, int]] = []
    start, ready = ForkServer.__init__, ForkServer.ready

    def started(self: ForkServer, *args: Any) -> None:
        start(self, *args)
        events.append(("started", self.process.pid))

    def readied(self: ForkServer) -> None:
        ready(self)
        events.append(("ready", self.process.pid))

    monkeypatch.setattr(ForkServer, "__init__", started)
    monkeypatch.setattr(ForkServer, "ready", readied)
    cells = expand(load(path).experiment)
    records: list[RunRecord] = []
    assert execute([Job(cell, 1) for cell in cells], Settings(run_id="r", experiment="e"),
                   lambda finished: records.append(finished.record), cells=cells)
    assert [r.status for r in records] == [Status.OK] * 4
    assert [kind for kind, _ in events] == ["started"] * 4 + ["ready"] * 4
    assert len({pid for _, pid in events}) == 4  # a zygote per model, none started twice


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs to pin one")
def test_a_forked_run_takes_the_runners_cpus_of_the_moment(tmp_path: Path) -> None:
    write_experiment(tmp_path, "")
    log = tmp_path / "calls.jsonl"
    task = CallableTask(count=1, target="userwork:work", async_target=None, setup=None,
                        teardown=None, args={"log": str(log)})
    forks = ForkServers()
    allowed = os.sched_getaffinity(0)
    sys.path.insert(0, str(tmp_path))
    try:
        run_isolated(visit_of(task, SyncModel()), None, forks=forks)  # the zygote starts
        os.sched_setaffinity(0, {min(allowed)})  # as taskset would, after it started
        run_isolated(visit_of(task, SyncModel()), None, forks=forks)
    finally:
        os.sched_setaffinity(0, allowed)
        sys.path.remove(str(tmp_path))
        forks.close()
    calls = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [call["cpus"] for call in calls] == [sorted(allowed), [min(allowed)]]
    assert calls[0]["pid"] != calls[1]["pid"]


def children_of(pid: int) -> list[tuple[int, str]]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                command = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append((int(entry), command.decode(errors="replace")))
    return found


def wait_for(condition: Callable[[], object], timeout: float) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.02)
    return None


def test_a_zygote_killed_mid_run_is_replaced_and_its_run_is_an_error(tmp_path: Path) -> None:
    path = write_experiment(tmp_path, """
        name: zygote-dies
        repetitions: 2
        workloads: [{kind: sleep, tasks: 1, duration_ms: 1500}]
        models: [sync]
    """)
    out = tmp_path / "run"
    runner = subprocess.Popen([sys.executable, "-m", "runner", "run", str(path), "--out",
                               str(out)], env={**os.environ, "PYTHONPATH": str(ROOT)},
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        def measuring_zygote() -> int | None:
            zygotes = [pid for pid, command in children_of(runner.pid)
                       if "runner.execution.zygote" in command]
            return next((z for z in zygotes if children_of(z)), None)

        zygote = wait_for(measuring_zygote, 60)
        assert isinstance(zygote, int), "no run was forked"
        os.kill(zygote, signal.SIGKILL)
        _, stderr = runner.communicate(timeout=60)
    finally:
        runner.kill()
    assert runner.returncode == 1, stderr  # as for any run that failed
    first, second = rows(out)
    assert first["status"] == "error" and "fork server died" in first["error"]
    assert second["status"] == "ok"  # forked by the zygote started in its place
