"""Fork servers, runner side: one zygote per interpreter and per set of imports.

A timed run in a freshly started interpreter pays the interpreter's start and every
import again (tens of milliseconds, more with aiohttp or a user's libraries). A zygote
(``runner.execution.zygote``) pays them once per experiment and forks the measuring
process of each run from a process that has imported, and run, nothing else. The child
behaves as a spawned worker: its own session and process group, the same lifeline on
stdin, the same protocol on stdout (``runner.execution.isolation`` follows both kinds
alike).

A zygote serves the runs whose task class, model and imports it preloaded (see
``server_key``): a fib run never inherits aiohttp because an http cell ran before.
One that died is started again for the next run; the run it was serving is an error.
Where the platform cannot fork safely (anything but Linux), or importing started a
thread, runs are spawned instead.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from typing import IO, TYPE_CHECKING, Any

from runner.errors import ForkServerError
from runner.execution.zygote import LENGTH

if TYPE_CHECKING:
    from runner.workloads.task import Task

#: Allowance for the zygote's interpreter to start and import before it answers.
READY_S = 60.0
#: How long a zygote told to stop may take before it is killed.
STOP_S = 5.0

Key = tuple[str, tuple[str, ...], str, str, tuple[str, ...]]


def available() -> bool:
    """Forking a measuring process from a zygote: Linux only (macOS's frameworks are not
    safe to use after fork, which is why its multiprocessing spawns)."""
    return sys.platform == "linux" and hasattr(os, "fork")


class ForkedChild:
    """A measuring process forked by a zygote, with the parts of ``Popen`` that
    ``runner.execution.isolation`` uses: pid, stdin, stdout, poll, wait, returncode."""

    def __init__(self, server: ForkServer, pid: int, stdin: IO[bytes], stdout: IO[bytes]) -> None:
        self.server, self.pid, self.stdin, self.stdout = server, pid, stdin, stdout
        self.returncode: int | None = None
        self.server_lost = False  # the zygote died: the child's end cannot be known

    def poll(self) -> int | None:
        if self.returncode is None:
            self._settle(self.server.pump(0.0))
        return self.returncode

    def wait(self) -> int:
        while self.returncode is None:
            self._settle(self.server.pump(0.5))
        return self.returncode

    def _settle(self, alive: bool) -> None:
        code = self.server.exits.pop(self.pid, None)
        if code is not None:
            self.returncode = code
        elif not alive:
            # Its end could not be told any more: a run that ends like this is an error,
            # and the child goes now, not when its timeout comes.
            self.server_lost = True
            with contextlib.suppress(OSError):
                os.killpg(self.pid, signal.SIGKILL)
            self.returncode = -signal.SIGKILL

    def how_it_ended(self) -> str | None:
        return "its fork server died during the run" if self.server_lost else None


class ForkServer:
    """One zygote: started with a preload request, then asked for one child per run.

    Construction starts it and returns at once; ``ready`` waits until it has imported,
    so that several can start side by side."""

    def __init__(self, python: str, env: dict[str, str], preload: bytes) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock = ours
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self.exits: dict[int, int] = {}
        self.buffer = b""
        self.lock = threading.Lock()
        try:
            with theirs:
                self.process = subprocess.Popen(
                    [python, "-m", "runner.execution.zygote", str(theirs.fileno())],
                    pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL, stderr=self.stderr, env=env,
                    # Its own session: Ctrl-C at the terminal is the runner's to handle.
                    start_new_session=True)
        except BaseException:
            ours.close()
            self.stderr.close()
            raise
        self.threads: list[str] = []
        try:
            self.sock.sendall(preload)
        except BaseException:
            self.abandon()
            raise

    def ready(self) -> None:
        """Wait until it has imported what it preloads (``threads`` then names the
        threads that importing left running); ForkServerError, closed, if it failed."""
        try:
            ready = self._next_event(time.monotonic() + READY_S)
            if ready is None or ready.get("event") != "ready":
                raise ForkServerError(f"the fork server did not start{self._last_words()}")
            self.threads = ready["threads"]
        except BaseException:
            self.abandon()
            raise

    def alive(self) -> bool:
        return self.process.poll() is None

    def fork(self, tmpdir: str, stderr: IO[bytes]) -> ForkedChild:
        """A new child with fresh pipes for stdin and stdout, and ``stderr``."""
        child_in, stdin_w = os.pipe()
        stdout_r, child_out = os.pipe()
        try:
            # The runner's CPUs now, as a process it started now would inherit them.
            cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
            body = json.dumps({"tmpdir": tmpdir, "cpus": cpus}).encode()
            with self.lock:
                socket.send_fds(self.sock, [LENGTH.pack(len(body))],
                                [child_in, child_out, stderr.fileno()])
                self.sock.sendall(body)
                event = self._next_event(time.monotonic() + READY_S, wanted="forked")
        except OSError as error:
            os.close(stdin_w)
            os.close(stdout_r)
            raise ForkServerError(f"the fork server is gone: {error}") from None
        finally:
            os.close(child_in)  # the child holds them now; the lifeline's write end is ours
            os.close(child_out)
        if event is None:
            os.close(stdin_w)
            os.close(stdout_r)
            raise ForkServerError(f"the fork server died{self._last_words()}")
        return ForkedChild(self, event["pid"], os.fdopen(stdin_w, "wb"),
                           os.fdopen(stdout_r, "rb"))

    def pump(self, timeout: float) -> bool:
        """Read what the zygote said within ``timeout``; False once it is gone."""
        with self.lock:
            deadline = time.monotonic() + timeout
            while True:
                self._take_events()
                received = self._receive(max(0.0, deadline - time.monotonic()))
                if received is None:
                    return False
                if not received:
                    return True
                deadline = time.monotonic()  # take what is there, then return

    def _receive(self, timeout: float) -> bool | None:
        """Add to the buffer what the zygote sends within ``timeout``: True if something
        came, False if nothing did, None at the end of its socket (it is gone)."""
        ready, _, _ = select.select([self.sock], [], [], timeout)
        if not ready:
            return False
        try:
            chunk = self.sock.recv(65536)
        except OSError:
            return None
        if not chunk:
            return None
        self.buffer += chunk
        return True

    def _take_events(self, wanted: str | None = None) -> dict[str, Any] | None:
        while b"\n" in self.buffer:
            line, self.buffer = self.buffer.split(b"\n", 1)
            event = json.loads(line)
            if event["event"] == "exit":
                self.exits[event["pid"]] = event["code"]
            elif wanted is None or event["event"] == wanted:
                return event
        return None

    def _next_event(self, deadline: float, wanted: str | None = None) -> dict[str, Any] | None:
        """The next event other than an exit (those are kept); None at the zygote's end."""
        while True:
            event = self._take_events(wanted)
            if event is not None:
                return event
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._receive(remaining) is None:
                return None

    def _last_words(self) -> str:
        with contextlib.suppress(OSError, ValueError):
            self.stderr.seek(0)
            lines = self.stderr.read().decode(errors="replace").strip().splitlines()
            if lines:
                return f": {lines[-1]}"
        return ""

    def abandon(self) -> None:
        """End a zygote that never served (failed, or interrupted while it started):
        killed, not asked, so that nothing waits for its imports to finish."""
        with contextlib.suppress(OSError):
            self.process.kill()
        self.close()

    def close(self) -> None:
        """End the zygote: the end of its socket tells it; a kill if it does not go."""
        with contextlib.suppress(OSError):
            self.sock.close()
        try:
            self.process.wait(timeout=STOP_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.stderr.close()


def server_key(python: str, sys_path: list[str], model: str, task: Task) -> Key:
    """Runs that may share a zygote: same interpreter, import path, model and imports."""
    kind = f"{type(task).__module__}:{type(task).__qualname__}"
    return (python, tuple(sys_path), model, kind, task.imports())


class ForkServers:
    """The zygotes of one experiment (or of one Dask worker's life), by ``server_key``."""

    def __init__(self) -> None:
        self._servers: dict[Key, ForkServer] = {}
        #: Keys whose runs are spawned instead, and why.
        self.refused: dict[Key, str] = {}

    def get(self, key: Key, env: dict[str, str], preload: bytes) -> ForkServer | None:
        """The zygote for ``key``, started (again) where needed; None: spawn this run."""
        if not available() or key in self.refused:
            return None
        server = self._servers.get(key)
        if server is not None and not server.alive():
            server.close()  # died since its last run: its successor serves this one
            del self._servers[key]
        self.start([(key, env, preload)])
        return self._servers.get(key)

    def start(self, wanted: list[tuple[Key, dict[str, str], bytes]]) -> None:
        """Start the zygotes of ``wanted`` (key, environment, preload request) not yet
        running, side by side, and wait until each is ready or refused."""
        if not available():
            return
        starting: dict[Key, ForkServer] = {}
        try:
            for key, env, preload in wanted:
                if key in self._servers or key in self.refused or key in starting:
                    continue
                try:
                    starting[key] = ForkServer(key[0], env, preload)
                except (ForkServerError, OSError) as error:
                    self.refused[key] = str(error)
            for key, server in list(starting.items()):
                self._adopt(key, server)
                del starting[key]  # only once adopted or refused: an interrupt finds it
        finally:
            for server in starting.values():  # interrupted while waiting for them
                server.abandon()

    def _adopt(self, key: Key, server: ForkServer) -> None:
        try:
            server.ready()
        except (ForkServerError, OSError) as error:
            self.refused[key] = str(error)
            return
        if len(server.threads) > 1:
            self.refused[key] = ("importing the workload started threads ("
                                 f"{', '.join(server.threads[1:])}): forking is unsafe")
            server.close()
            return
        self._servers[key] = server

    def close(self) -> None:
        for server in self._servers.values():
            server.close()
        self._servers.clear()
