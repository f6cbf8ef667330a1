"""The embedded HTTP test server: answers after a delay, with a body of a given size.

``GET /<anything>?latency_ms=100&size_bytes=2048`` waits 100 ms without blocking
(asyncio.sleep), then answers 2048 bytes; without the query it answers 0 bytes at
once. It binds 127.0.0.1 only, so experiments never send traffic off the machine.

It runs in its own process so that its CPU time is not the client's:
``EmbeddedServer`` starts ``python -m runner.execution.server`` on an ephemeral port and
stops it on exit, error or Ctrl-C; the child also exits when its standard input
closes, so it cannot outlive a parent that was killed outright.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import functools
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from types import TracebackType
from typing import IO, TYPE_CHECKING

from runner.errors import RunexpError, ServerError, UsageError

if TYPE_CHECKING:
    from aiohttp import web

HOST = "127.0.0.1"
BANNER = "runexp test server listening on "
#: What to append to the URL for an answer worth measuring; shown to people.
EXAMPLE_QUERY = "/anything?latency_ms=100&size_bytes=2048"
#: Large enough for every connection of an asyncio pool of hundreds to queue
#: at once; aiohttp's default of 128 makes a burst of 160 connects wait ~1 s.
BACKLOG = 2048
MAX_LATENCY_MS = 600_000
MAX_SIZE_BYTES = 256 * 2**20
START_TIMEOUT_S = 30


@functools.lru_cache(maxsize=32)
def _body(size: int) -> bytes:
    return b"x" * size


async def _handle(request: web.Request) -> web.Response:
    from aiohttp import web

    try:
        latency_ms = float(request.query.get("latency_ms", "0"))
        size = int(request.query.get("size_bytes", "0"))
    except ValueError:
        return web.Response(status=400, text="latency_ms and size_bytes must be numbers\n")
    if not (0 <= latency_ms <= MAX_LATENCY_MS and 0 <= size <= MAX_SIZE_BYTES):
        return web.Response(status=400, text="latency_ms or size_bytes out of range\n")
    if latency_ms:
        await asyncio.sleep(latency_ms / 1000)
    return web.Response(body=_body(size), content_type="application/octet-stream")


async def serve(port: int, ready: Callable[[str], None], stop: asyncio.Event) -> None:
    """Serve on 127.0.0.1:port (0: any free port) until ``stop`` is set."""
    from aiohttp import web

    app = web.Application()
    app.router.add_get("/{tail:.*}", _handle)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, HOST, port, backlog=BACKLOG)
        try:
            await site.start()
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise UsageError(f"port {port} is in use on {HOST}; choose another with "
                                 "--port (0 picks a free one)") from None
            raise UsageError(f"cannot listen on {HOST}:{port} "
                             f"({error.strerror or error})") from None
        bound = runner.addresses[0][1]
        ready(f"http://{HOST}:{bound}")
        await stop.wait()
    finally:
        await runner.cleanup()


def _watch_stdin(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    """Set ``stop`` at the end of standard input: the parent has gone.

    The event loop watches the pipe itself; a watching thread would make the
    server's process multi-threaded, which slowed bursts of connections on a
    16-core machine (see runner.execution.worker).
    """
    fd = sys.stdin.fileno()
    os.set_blocking(fd, False)

    def readable() -> None:
        try:
            if os.read(fd, 4096):
                return
        except BlockingIOError:
            return
        except OSError:
            pass
        loop.remove_reader(fd)
        stop.set()

    loop.add_reader(fd, readable)


async def _main(port: int, lifeline: bool) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    if lifeline:
        _watch_stdin(loop, stop)

    def ready(url: str) -> None:
        print(f"{BANNER}{url}", flush=True)
        if not lifeline:  # a person started it; the runner reads the first line only
            print(f"example: {url}{EXAMPLE_QUERY} answers 2048 bytes after 100 ms "
                  "(a bare GET / answers 0 bytes at once)", flush=True)

    await serve(port, ready, stop)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m runner.execution.server", description=__doc__)
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    parser.add_argument("--lifeline", action="store_true",
                        help="exit when standard input closes (used by the runner)")
    args = parser.parse_args(argv)
    asyncio.run(_main(args.port, args.lifeline))


class EmbeddedServer:
    """The test server in a child process; ``url`` is set once it listens."""

    def __init__(self) -> None:
        self.url = ""
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None

    def __enter__(self) -> EmbeddedServer:
        self._stderr = tempfile.TemporaryFile()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "runner.execution.server", "--port", "0", "--lifeline"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
        )
        try:
            self.url = self._wait_for_banner()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_for_banner(self) -> str:
        assert self._process is not None
        stdout = self._process.stdout
        assert stdout is not None
        lines: list[bytes] = []
        # A thread, because readline has no timeout and a stuck child must not hang us.
        reader = threading.Thread(target=lambda: lines.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(START_TIMEOUT_S)
        line = lines[0].decode(errors="replace").strip() if lines else ""
        if not line.startswith(BANNER):
            raise ServerError(f"the embedded test server did not start: {self._errors() or line}")
        return line.removeprefix(BANNER)

    def _errors(self) -> str:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        text = self._stderr.read().decode(errors="replace").strip()
        return text.splitlines()[-1] if text else ""

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        process, self._process = self._process, None
        if process is not None:
            with contextlib.suppress(OSError):
                if process.stdin is not None:
                    process.stdin.close()
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout is not None:
                process.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None


if __name__ == "__main__":
    try:
        main()
    except RunexpError as error:  # this module is an entry point too: no traceback
        print(f"runexp: error: {error}", file=sys.stderr)
        sys.exit(error.exit_code)
