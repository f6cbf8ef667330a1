"""A runner stopped by Ctrl-C, SIGTERM or killed outright (SIGKILL, no handler runs)
leaves nothing running.

Its cell worker, the worker's pool processes, the fork server and the embedded
server each notice that their standard input (the fork server: its socket), a
pipe from the runner, has ended, and go. Nothing else would end them here: the
pool processes sleep for a minute and the servers serve until told to stop.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")

EXPERIMENT = """
    name: lifeline
    repetitions: 1
    workloads:
      - {kind: http, tasks: 2, latency_ms: 1}
      - {kind: sleep, tasks: 2, duration_ms: 60000}
    models: [processes]
    pool_sizes: [2]
"""


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    group: int
    state: str
    command: str


def processes() -> list[Proc]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            command = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue  # gone meanwhile
        state, ppid, group = stat.rsplit(")", 1)[1].split()[:3]
        found.append(Proc(int(entry), int(ppid), int(group), state,
                          command.decode(errors="replace")))
    return found


def alive(pids: set[int]) -> set[int]:
    """Those of ``pids`` still running (a zombie has ended; only its parent has not looked)."""
    return {p.pid for p in processes() if p.pid in pids and p.state != "Z"}


def wait_for(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize(("isolation", "stop"), [
    ("process", signal.SIGKILL), ("spawn", signal.SIGKILL),
    ("process", signal.SIGINT), ("process", signal.SIGTERM)])
def test_a_stopped_runner_takes_its_worker_pool_server_and_fork_server_with_it(
        isolation: str, stop: signal.Signals, write_yaml: Callable[..., Path]) -> None:
    path = write_yaml(EXPERIMENT + f"    isolation: {isolation}\n")
    # A runner killed outright cannot remove its runs' temporary folders: keep them here.
    temp = path.parent / "temp"
    temp.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(temp)}
    runs = path.parent / "run" / "runs.csv"
    runner = subprocess.Popen([sys.executable, "-m", "runner", "run", str(path), "--out",
                               str(runs.parent)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    left: set[int] = set()
    try:
        def sleeping_cell_running() -> bool:
            # Only once the http cell's row is written: its worker would end by itself.
            if not runs.exists() or runs.read_text().count("\n") < 2:
                return False
            everything = processes()
            children = [p for p in everything if p.ppid == runner.pid]
            servers = [p for p in children if "runner.execution.server" in p.command]
            zygotes = [p for p in children if "runner.execution.zygote" in p.command]
            # A worker leads its own group: spawned by the runner or forked by a zygote.
            parents = {runner.pid, *(z.pid for z in zygotes)}
            workers = [p for p in everything if p.ppid in parents and p.group == p.pid
                       and p not in zygotes and "runner.execution.server" not in p.command]
            pools = [p for p in everything
                     if workers and p.group == workers[0].pid and p.pid != workers[0].pid]
            if servers and workers and len(pools) >= 2 and (
                    bool(zygotes) == (isolation == "process")):
                left.update(p.pid for p in servers + zygotes + workers + pools)
                return True
            return False

        assert wait_for(sleeping_cell_running, 60), "the sleep cell's worker never started"
        runner.send_signal(stop)
        runner.wait(timeout=30)
        assert wait_for(lambda: not alive(left), 10), \
            f"still running after the runner was stopped: {alive(left)}"
        if stop != signal.SIGKILL:  # the runner's own cleanup ran: no folder left either
            assert not list(temp.iterdir())
    finally:
        runner.kill()
        for pid in alive(left):
            os.kill(pid, signal.SIGKILL)
