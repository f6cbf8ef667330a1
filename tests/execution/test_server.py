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
