"""The first contact with a scheduler gives up within REACH_TIMEOUT_S, not Dask's whole
connect timeout, where nothing answers."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from runner.errors import ClusterError
from runner.execution import connection

pytest.importorskip("distributed", reason="pip install 'runexp[dask]'")


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port whose listen queue is full: the kernel drops further connection attempts
    unanswered, as a host behind a firewall that drops packets does."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    queued = socket.create_connection(("127.0.0.1", port))
    try:
        yield port
    finally:
        queued.close()
        listener.close()


def test_a_scheduler_that_does_not_answer_is_given_up_on_in_seconds(
        silent_port: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connection, "REACH_TIMEOUT_S", 0.5)
    address = f"tcp://127.0.0.1:{silent_port}"
    started = time.monotonic()
    with pytest.raises(ClusterError) as raised:
        connection.check(address, None)
    assert time.monotonic() - started < 3
    assert str(raised.value) == (f"cannot reach the Dask scheduler at {address}: no answer "
                                 f"within 0.5 s: is the host up, and its port {silent_port} "
                                 "open to this machine?")
