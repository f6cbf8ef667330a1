from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request

import pytest

from runner.execution.server import EmbeddedServer


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def test_answers_the_size_after_the_latency(server_url: str) -> None:
    assert server_url.startswith("http://127.0.0.1:")
    start = time.perf_counter()
    body = get(f"{server_url}/x?latency_ms=60&size_bytes=5000")
    assert len(body) == 5000
    assert time.perf_counter() - start >= 0.06


@pytest.mark.parametrize("query", ["latency_ms=abc", "size_bytes=-1", "latency_ms=1e9"])
def test_bad_queries_are_400(server_url: str, query: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as caught:
        get(f"{server_url}/x?{query}")
    caught.value.close()  # it holds the response open
    assert caught.value.code == 400


def test_the_server_stops_with_its_context() -> None:
    with EmbeddedServer() as server:
        url = server.url
        assert get(f"{url}/?size_bytes=3") == b"xxx"
        process = server._process
    assert process is not None
    assert process.returncode is not None
    port = int(url.rsplit(":", 1)[1])
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port)):
        pass


def test_serve_on_a_busy_port_exits_2() -> None:
    from tests.helpers import run_cli

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = run_cli("serve", "--port", str(port), timeout=60)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.strip() == (f"runexp: error: port {port} is in use on 127.0.0.1; "
                                   "choose another with --port (0 picks a free one)")


def test_serve_shows_an_example_url_with_the_query() -> None:
    import os
    import signal
    import subprocess
    import sys

    from tests.helpers import ROOT, run_cli

    assert "http://127.0.0.1:8000/anything?latency_ms=100&size_bytes=2048" in " ".join(
        run_cli("serve", "--help").stdout.split())
    process = subprocess.Popen([sys.executable, "-m", "runner", "serve", "--port", "0"],
                               env={**os.environ, "PYTHONPATH": str(ROOT)},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        banner, example = process.stdout.readline(), process.stdout.readline()
        url = banner.split()[-1]
        assert example.split()[1] == f"{url}/anything?latency_ms=100&size_bytes=2048"
        assert len(get(example.split()[1])) == 2048
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
    assert process.returncode == 0
