"""A scheduler's address is checked before Dask sees it: each mistake is one ClusterError."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from runner.config.loader import parse
from runner.errors import ClusterError
from runner.execution.address import cluster_address, parse_address


@pytest.mark.parametrize(("text", "expected"), [
    ("tcp://10.0.0.5:8786", "tcp://10.0.0.5:8786"),
    ("tls://node-1.example:9000", "tls://node-1.example:9000"),
    ("TCP://10.0.0.5:8786/", "tcp://10.0.0.5:8786"),
    ("tcp://[::1]:8786", "tcp://[::1]:8786"),
    ("inproc://10.0.0.5/123/1", "inproc://10.0.0.5/123/1"),  # as the file allows
])
def test_an_address_dask_takes_passes(text: str, expected: str) -> None:
    assert parse_address(text) == expected


@pytest.mark.parametrize(("text", "said"), [
    ("tcp://127.0.0.1", "--cluster tcp://127.0.0.1: no port: add the scheduler's, e.g. "
                        "tcp://127.0.0.1:8786"),
    ("localhost", "--cluster localhost: not a scheduler address: expected tcp://HOST:PORT or "
                  "tls://HOST:PORT, e.g. tcp://localhost:8786"),
    ("a b", "not a scheduler address: expected tcp://HOST:PORT or tls://HOST:PORT, e.g. "
            "tcp://10.0.0.5:8786"),
    ("10.0.0.5:8786", "no scheme: write tcp://10.0.0.5:8786 (or tls://10.0.0.5:8786"),
    ("http://10.0.0.5:8786", "starts with tcp:// or tls://, not http://"),
    ("tcp://10.0.0.5:99999", "the port must be a number from 1 to 65535"),
    ("tcp://10.0.0.5:0", "the port must be a number from 1 to 65535"),
    ("tcp://10.0.0.5:port", "the port must be a number from 1 to 65535"),
    ("tcp://:8786", "no host"),
    ("tcp://10.0.0.5:8786/scheduler", "expected tcp://HOST:PORT and nothing more"),
])
def test_a_malformed_address_says_what_to_write(text: str, said: str) -> None:
    with pytest.raises(ClusterError) as raised:
        parse_address(text)
    assert said in str(raised.value)
    assert "\n" not in str(raised.value)


def test_the_files_address_is_checked_and_none_runs_here() -> None:
    text = ("name: e\nworkloads: [{kind: sleep}]\nmodels: [sync]\n"
            "executor: {kind: dask, address: 'tcp://127.0.0.1'}\n")
    experiment = parse(text, Path("e.yaml"))
    with pytest.raises(ClusterError, match=re.escape(
            "the file's executor.address tcp://127.0.0.1: no port")):
        cluster_address(None, experiment)
    assert cluster_address("none", experiment) is None
    assert cluster_address("NONE", experiment) is None
    assert cluster_address("tcp://10.0.0.5:8786", experiment) == "tcp://10.0.0.5:8786"
