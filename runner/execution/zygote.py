"""The fork server ("zygote"): imports what a run needs once, then forks one child per run.

Started by ``runner.execution.forkserver`` as ``python -m runner.execution.zygote FD``,
where FD is its end of a Unix socket pair. It speaks this protocol on it:

- in: one preload request, in the worker's own format (a JSON header line, then the
  pickled task; see ``runner.execution.isolation.encode``). The zygote imports the
  worker, the model's module and the task's module, and calls the task's ``preload``
  (imports only, by the Task contract), then answers
  ``{"event": "ready", "threads": [...]}``: the threads alive after importing, which
  must be the main thread alone, or the runner does not fork from it.
- in, per run: an 8-byte length, then a JSON object ``{"tmpdir": ..., "cpus": [...]}``
  (the runner's CPU affinity at that moment, which the child takes), with three
  file descriptors attached (SCM_RIGHTS): the child's stdin, stdout and stderr. It
  forks; the child starts a session of its own, takes them as 0, 1 and 2 and runs the
  worker's ``main``, exactly as a freshly started worker would (its request arrives on
  that stdin). The zygote answers ``{"event": "forked", "pid": ...}``.
- out, whenever a child ends: ``{"event": "exit", "pid": ..., "code": ...}`` (as
  ``Popen.returncode``: negative for a signal).

The zygote never starts a thread, an event loop, a session or a pool and never runs a
task, so each child starts from a process that has run nothing. At the end of its
socket (the runner is done, or died) it exits; its children, in sessions of their own,
end by their own lifeline (stdin) as spawned workers do.

No ``gc.freeze()``: frozen, the import-time objects would be skipped by the child's
full collections, which a freshly started worker's collector walks; the child would
collect less than the interpreter it stands for. Unfrozen, its collector does the same
work (plus copying the pages it writes to, a cost of the fork, not of the run's code).
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import select
import signal
import socket
import struct
import sys
import tempfile
import threading
from typing import Any

from runner.execution import worker

#: The per-run message's length prefix.
LENGTH = struct.Struct("!Q")
#: A child's three standard streams.
STREAMS = 3


def send_event(sock: socket.socket, event: dict[str, Any]) -> None:
    sock.sendall(json.dumps(event).encode() + b"\n")


def preload(sock_file: Any) -> dict[str, Any]:
    """Read the preload request and import what it names; never run anything."""
    header = json.loads(sock_file.readline())
    sys.path[:0] = [p for p in header["sys_path"] if p not in sys.path]
    payload = sock_file.read(header["task_bytes"])
    # Each child meets the same error and reports it as its run's row.
    with contextlib.suppress(Exception):
        worker.load_object(header["model"])
        task = pickle.loads(payload)
        task.preload()
    return {"event": "ready", "threads": [t.name for t in threading.enumerate()]}


def receive(sock: socket.socket) -> tuple[dict[str, Any], list[int]] | None:
    """One per-run message and its descriptors; None at the end of the socket."""
    first, fds, _, _ = socket.recv_fds(sock, LENGTH.size, STREAMS)
    head = _complete(sock, first, LENGTH.size) if first else None
    if head is None:
        return None
    body = _complete(sock, b"", LENGTH.unpack(head)[0])
    return None if body is None else (json.loads(body), list(fds))


def _complete(sock: socket.socket, data: bytes, size: int) -> bytes | None:
    """``data`` read on to ``size`` bytes; None if the socket ends first."""
    while len(data) < size:
        more = sock.recv(size - len(data))
        if not more:
            return None
        data += more
    return data


def fork_child(message: dict[str, Any], fds: list[int], keep_out: list[int]) -> int:
    pid = os.fork()
    if pid == 0:
        try:
            _become_worker(message, fds, keep_out)
        finally:
            os._exit(70)  # worker.main ends in os._exit(0); this is only for its faults
    for fd in fds:
        os.close(fd)
    return pid


def _become_worker(message: dict[str, Any], fds: list[int], keep_out: list[int]) -> None:
    os.setsid()  # a group of its own: a timeout kills the child and its pool processes
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for fd in keep_out:  # the zygote's socket and wake-up pipe are none of its business
        os.close(fd)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    if message.get("cpus") and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, message["cpus"])
    os.environ["TMPDIR"] = message["tmpdir"]
    tempfile.tempdir = None  # gettempdir() may have cached the zygote's while importing
    worker.main()


def reap(sock: socket.socket) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        send_event(sock, {"event": "exit", "pid": pid,
                          "code": os.waitstatus_to_exitcode(status)})


def serve(sock: socket.socket) -> None:
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)  # wakes select via wake_w
    while True:
        ready, _, _ = select.select([sock.fileno(), wake_r], [], [])
        if wake_r in ready:
            os.read(wake_r, 4096)
            reap(sock)
        if sock.fileno() in ready:
            message = receive(sock)
            if message is None:
                return
            pid = fork_child(*message, keep_out=[sock.fileno(), wake_r, wake_w])
            send_event(sock, {"event": "forked", "pid": pid})


def main() -> None:
    sock = socket.socket(fileno=int(sys.argv[1]))
    with sock.makefile("rb") as sock_file:
        ready = preload(sock_file)
    send_event(sock, ready)
    if len(ready["threads"]) > 1:
        return  # forking a process with threads is unsafe: the runner spawns instead
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the runner is gone
        serve(sock)
    os._exit(0)


if __name__ == "__main__":
    main()
