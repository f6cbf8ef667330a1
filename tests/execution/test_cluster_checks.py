"""A cluster that cannot be used is refused before anything is written: one line, exit 2,
within seconds, no run folder, and ``results/<name>/latest`` where it was."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dask_cluster import dask, make_tls, stop
from tests.helpers import free_port, run_cli

pytest.importorskip("distributed", reason="pip install 'runexp[dask]'")

SMALL = ("name: small\nrepetitions: 1\nisolation: inline\n"
         "workloads: [{kind: sleep, tasks: 2, duration_ms: 1}]\nmodels: [sync]\n")
#: Python's start, runexp's imports and Dask's: the refusal itself takes milliseconds,
#: or connection.REACH_TIMEOUT_S (5 s) for a host that does not answer at all.
FEW_SECONDS = 8.0


@pytest.fixture(scope="module")
def plain_scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A plain-TCP scheduler with no workers: what a tls:// client meets there."""
    port = free_port()
    folder = tmp_path_factory.mktemp("scheduler")
    scheduler = dask("scheduler", "--host", "127.0.0.1", "--port", str(port),
                     "--no-dashboard", log=folder / "scheduler.log")
    address = f"tcp://127.0.0.1:{port}"
    try:
        from distributed import Client

        with Client(address, timeout="30s"):  # up and answering
            pass
        yield address
    finally:
        stop(scheduler)


def refused(folder: Path, command: str, *args: str) -> str:
    """Run ``runexp COMMAND small.yaml ARGS`` in ``folder`` after a first run there made
    ``latest``; check it was refused as it should be; its one line."""
    results = folder / "results" / "small"
    before = sorted(path.name for path in results.iterdir())
    latest = (results / "latest").resolve()
    started = time.monotonic()
    done = run_cli(command, "small.yaml", *args, cwd=folder)
    took = time.monotonic() - started
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert took < FEW_SECONDS, (took, done.stderr)
    assert sorted(path.name for path in results.iterdir()) == before  # no run folder
    assert (results / "latest").resolve() == latest
    return lines[0]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with small.yaml and one finished local run of it (so ``latest`` exists)."""
    folder = tmp_path_factory.mktemp("runs")
    (folder / "small.yaml").write_text(SMALL)
    first = run_cli("run", "small.yaml", cwd=folder)
    assert first.returncode == 0, first.stderr
    assert (folder / "results" / "small" / "latest").exists()
    return folder


@pytest.mark.parametrize(("address", "said"), [
    ("tcp://127.0.0.1", "--cluster tcp://127.0.0.1: no port: add the scheduler's, e.g. "
                        "tcp://127.0.0.1:8786"),
    ("localhost", "--cluster localhost: not a scheduler address: expected tcp://HOST:PORT "
                  "or tls://HOST:PORT"),
    ("http://127.0.0.1:8786", "a scheduler address starts with tcp:// or tls://, not http://"),
])
def test_a_malformed_address_is_one_line(folder: Path, address: str, said: str) -> None:
    assert said in refused(folder, "run", "--cluster", address)


def test_nothing_listening_is_said_at_once(folder: Path) -> None:
    address = f"tcp://127.0.0.1:{free_port()}"
    line = refused(folder, "run", "--cluster", address)
    assert f"cannot reach the Dask scheduler at {address}: nothing listens there" in line
    line = refused(folder, "advise", "--cluster", address, "--budget", "5")
    assert f"cannot reach the Dask scheduler at {address}: nothing listens there" in line


def test_a_resume_on_a_cluster_that_cannot_be_reached_writes_nothing(folder: Path) -> None:
    run_dir = (folder / "results" / "small" / "latest").resolve()
    before = {name: (run_dir / name).read_bytes() for name in ("metadata.json", "runs.csv")}
    address = f"tcp://127.0.0.1:{free_port()}"
    done = run_cli("run", "small.yaml", "--resume", run_dir, "--cluster", address, cwd=folder)
    assert done.returncode == 2, done.stderr
    assert f"cannot reach the Dask scheduler at {address}" in done.stderr
    assert {name: (run_dir / name).read_bytes() for name in before} == before


def test_tls_against_a_plain_scheduler_says_it_does_not_speak_tls(
        folder: Path, plain_scheduler: str) -> None:
    tls = make_tls(folder / "tls")
    address = plain_scheduler.replace("tcp://", "tls://")
    line = refused(folder, "run", "--cluster", address, "--cluster-tls", tls.option)
    assert line.endswith(f"cannot reach the Dask scheduler at {address}: the TLS handshake "
                         "failed: the scheduler does not speak TLS (it answered in plain "
                         "TCP): start it with --protocol tls and its certificates, or, on a "
                         "network you trust, connect with tcp://"), line


def test_cluster_none_runs_here_whatever_the_file_says(folder: Path) -> None:
    (folder / "elsewhere.yaml").write_text(
        SMALL.replace("small", "elsewhere") +
        f"executor: {{kind: dask, address: 'tcp://127.0.0.1:{free_port()}'}}\n")
    done = run_cli("run", "elsewhere.yaml", "--cluster", "none", cwd=folder)
    assert done.returncode == 0, done.stderr
    assert (folder / "results" / "elsewhere" / "latest" / "runs.csv").exists()
