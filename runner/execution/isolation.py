"""Run one visit of a cell in a fresh process: forked from a fork server (see
``runner.execution.forkserver``) or a freshly started interpreter
(``python -m runner.execution.worker``); both speak the worker's protocol.

A fresh process per timed run means no warm pools, sessions or GC state leak from
one cell to the next, as pyperf runs benchmarks in fresh worker processes. It also
makes timeouts real: a thread cannot be killed, but the worker's whole process group
(the worker and its pool processes) can.

Each worker gets a temporary folder of its own as TMPDIR, removed once its
group is gone: whatever it or its pool processes left there (a killed file
task's directory, multiprocessing's ``pymp-*`` folders, which a worker ending
in os._exit never removes) goes with it.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from runner.errors import ForkServerError
from runner.execution.forkserver import ForkedChild, ForkServers, Key, server_key
from runner.execution.worker import RunResult, Visit, object_path
from runner.results.rows import Status

#: How often a silent worker is checked for having died.
POLL_S = 0.5
#: Allowance for starting the interpreter and importing before the first run.
START_GRACE_S = 60.0
#: How long a SIGKILLed group may take to go before its folder is removed anyway.
GROUP_END_S = 5.0


def run_isolated(job: Visit, timeout_s: float | None, python: str = sys.executable,
                 import_path: list[str] | None = None, forks: ForkServers | None = None
                 ) -> RunResult:
    """One visit in a worker subprocess; timeouts kill it, deaths become errors.

    With ``forks``, the worker is forked from the zygote that preloaded this kind of
    run (started on first use), else a fresh interpreter is started for it.
    ``import_path`` replaces this interpreter's sys.path for another interpreter
    (see ``runner.config.pythons``); it is also that worker's PYTHONPATH, so that
    ``python -m runner.execution.worker`` finds the runner package at all.
    """
    key, env, request = worker_request(job, python, import_path)
    server = forks.get(key, env, request) if forks is not None else None
    # A short name: multiprocessing's forkserver puts a socket two levels below,
    # and socket paths are limited to about 100 bytes.
    folder = tempfile.mkdtemp(prefix="runexp-")
    try:
        if server is not None:
            with contextlib.suppress(ForkServerError):  # gone since: spawn this one
                return _run_worker(request, timeout_s,
                                   lambda stderr: server.fork(folder, stderr))

        def spawn(stderr: IO[bytes]) -> subprocess.Popen[bytes]:
            return subprocess.Popen(
                [python, "-m", "runner.execution.worker"], stdin=subprocess.PIPE,
                # start_new_session: its own process group, killable as a whole
                stdout=subprocess.PIPE, stderr=stderr, env={**env, "TMPDIR": folder},
                start_new_session=True)

        return _run_worker(request, timeout_s, spawn)
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # the group is gone: nothing writes there


def worker_request(job: Visit, python: str = sys.executable,
                   import_path: list[str] | None = None) -> tuple[Key, dict[str, str], bytes]:
    """What a worker for ``job`` is started with: the key of the zygote it may fork
    from, its environment, and the request it reads (also a zygote's preload)."""
    sys_path = sys.path if import_path is None else import_path
    env = dict(os.environ)
    if import_path is not None:
        env["PYTHONPATH"] = os.pathsep.join(import_path)
    else:
        # ``-m runner...`` must find this very runner package, not another copy (an
        # older install in site-packages) that the interpreter would find first.
        env["PYTHONPATH"] = os.pathsep.join(
            [str(Path(__file__).resolve().parents[2]), *filter(None, [env.get("PYTHONPATH")])])
    key = server_key(python, sys_path, object_path(job.model), job.task)
    return key, env, encode(job, sys_path)


Process = subprocess.Popen[bytes] | ForkedChild


def _run_worker(request: bytes, timeout_s: float | None,
                start: Callable[[IO[bytes]], Process]) -> RunResult:
    with tempfile.TemporaryFile() as stderr:
        process = start(stderr)
        try:
            assert process.stdin is not None
            assert process.stdout is not None
            process.stdin.write(request)
            process.stdin.flush()
            result = _follow(process, process.stdout, timeout_s)
        except BaseException:  # Ctrl-C included: never leave a worker behind
            _kill(process)
            raise
        finally:
            _close(process)
        if result is None:
            result = RunResult(Status.ERROR, message=_death(process, stderr))
    return result


def encode(job: Visit, sys_path: list[str]) -> bytes:
    """What the worker reads on stdin: the JSON header line, then the pickled task."""
    payload = pickle.dumps(job.task)
    header = {"sys_path": sys_path, "model": object_path(job.model), "pool_size": job.pool_size,
              "options": dict(job.options), "warmups": job.warmups,
              "record_tasks": job.record_tasks, "task_bytes": len(payload)}
    return json.dumps(header).encode() + b"\n" + payload


def _follow(process: Process, stdout: IO[bytes],
            timeout_s: float | None) -> RunResult | None:
    """Read the worker's events until its result; None if it died first."""
    lines = _LineReader(stdout.fileno())
    deadline = time.monotonic() + START_GRACE_S
    while True:
        line = lines.next(deadline, process)
        if line is None:
            return None
        if line == b"timeout":
            _kill(process)
            return RunResult(Status.TIMEOUT, message=f"killed after the {timeout_s:g} s timeout")
        event = json.loads(line)
        if event["event"] == "result":
            return RunResult.from_json(event)
        if event["event"] == "start":
            limit = timeout_s if timeout_s is not None else float("inf")
            deadline = time.monotonic() + limit


class _LineReader:
    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = b""

    def next(self, deadline: float, process: Process) -> bytes | None:
        """The next line; b"timeout" past the deadline; None at EOF or worker death."""
        while b"\n" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return b"timeout"
            ready, _, _ = select.select([self.fd], [], [], min(remaining, POLL_S))
            if not ready:
                if process.poll() is not None:
                    return None  # dead, and whoever inherited its stdout stays silent
                continue
            chunk = os.read(self.fd, 65536)
            if not chunk:
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line


def _kill(process: Process) -> None:
    """SIGKILL the worker's whole group, the worker and any pool processes it made, and
    wait (``GROUP_END_S`` at most) until none of them runs.

    The group's id is the worker's pid: while the worker is unreaped, or while
    the group still has members, no other process or group can have that id.
    """
    if process.returncode is None:
        with contextlib.suppress(OSError):
            os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + GROUP_END_S
    while _group_runs(process.pid) and time.monotonic() < deadline:
        # e.g. pool processes of a worker that died on its own, or still dying
        with contextlib.suppress(OSError):
            os.killpg(process.pid, signal.SIGKILL)
        time.sleep(0.01)


def _group_runs(group: int) -> bool:
    """Whether a process of ``group`` still runs (zombies do not: they write nothing)."""
    try:
        os.killpg(group, 0)
    except OSError:  # none left, or none this user may signal (nor kill)
        return False
    # Zombies answer signal 0 too, and orphaned ones stay where init reaps
    # nothing (some containers): on Linux, ask /proc for live members only.
    try:
        entries = os.listdir("/proc")
    except OSError:
        return True
    for entry in entries:
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as file:
                    state, _, pgrp = file.read().rsplit(b")", 1)[1].split()[:3]
            except (OSError, ValueError):
                continue  # gone meanwhile
            if int(pgrp) == group and state not in (b"Z", b"X"):
                return True
    return False


def _close(process: Process) -> None:
    for stream in (process.stdin, process.stdout):
        with contextlib.suppress(OSError):
            if stream is not None:
                stream.close()
    # Anything left in the group (e.g. pool processes after os._exit) goes too.
    _kill(process)


def _death(process: Process, stderr: IO[bytes]) -> str:
    code = process.wait()
    how = (process.how_it_ended() if isinstance(process, ForkedChild) else None) or (
        f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit code {code}")
    stderr.seek(0)
    tail = stderr.read().decode(errors="replace").strip().splitlines()
    last = f": {tail[-1]}" if tail else ""
    return f"worker process died ({how}) before reporting a result{last}"


@contextlib.contextmanager
def import_path_for_foreign_interpreters() -> Iterator[list[str]]:
    """sys.path entries another interpreter may use: the runner package and the project.

    This interpreter's own standard library and site-packages are left out (their
    compiled modules are built for this version); the runner package is exposed
    alone, through a symbolic link in a temporary directory, even where runexp
    is installed in site-packages.
    """
    prefixes = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    own = [entry for entry in sys.path if entry and not any(
        os.path.realpath(entry).startswith(prefix) for prefix in prefixes)]
    package = Path(__file__).resolve().parent.parent  # runner/
    with tempfile.TemporaryDirectory(prefix="runexp-path-") as folder:
        (Path(folder) / package.name).symlink_to(package, target_is_directory=True)
        yield [folder, *own]
