"""Runs on a real Dask cluster: a scheduler and two workers on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from runner.config.loader import load
from runner.execution.pipeline import plan_jobs
from tests.helpers import ROOT, run_cli

pytest.importorskip("distributed", reason="pip install 'runexp[dask]'")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def dask(*args: str, log: Path) -> subprocess.Popen[bytes]:
    # TMPDIR too: a worker killed mid-run cannot remove its run's temporary folder.
    (log.parent / "tmp").mkdir(exist_ok=True)
    env = {**os.environ, "DASK_TEMPORARY_DIRECTORY": str(log.parent / "dask-tmp"),
           "TMPDIR": str(log.parent / "tmp"), "PYTHONPATH": str(ROOT)}
    dask_command = str(Path(sys.executable).with_name("dask"))
    with log.open("w") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen([dask_command, *args], stdout=out, stderr=subprocess.STDOUT,
                                env=env, start_new_session=True)


def wait_for_workers(address: str, count: int, timeout: float = 60) -> None:
    from distributed import Client

    with Client(address, timeout="30s") as client:
        client.wait_for_workers(count, timeout=timeout)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class Cluster:
    def __init__(self, folder: Path) -> None:
        port = free_port()
        self.address = f"tcp://127.0.0.1:{port}"
        self.folder = folder
        self.scheduler = dask("scheduler", "--host", "127.0.0.1", "--port", str(port),
                              "--no-dashboard", log=folder / "scheduler.log")
        self.workers = [self.add_worker(i) for i in range(2)]
        wait_for_workers(self.address, 2)

    def add_worker(self, index: int) -> subprocess.Popen[bytes]:
        return dask("worker", self.address, "--nworkers", "1", "--nthreads", "1",
                    "--resources", "runexp=1", "--no-dashboard",
                    log=self.folder / f"worker{index}.log")

    def close(self) -> None:
        for worker in self.workers:  # workers first: an orphaned worker lingers ~40 s
            stop(worker)
        stop(self.scheduler)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    running = Cluster(tmp_path)
    try:
        yield running
    finally:
        running.close()


def expected_pairs(path: Path) -> set[tuple[str, int]]:
    _, jobs = plan_jobs(load(path).experiment, {}, None)
    return {(job.cell.id, job.repetition) for job in jobs}


def test_quick_yaml_on_a_cluster_gives_the_rows_of_a_local_run(cluster: Cluster,
                                                                tmp_path: Path) -> None:
    quick = ROOT / "experiments" / "quick.yaml"
    done = run_cli("run", quick, "--cluster", cluster.address, "--out", tmp_path / "out",
                   timeout=300)
    assert done.returncode == 0, done.stderr
    runs = pd.read_csv(tmp_path / "out" / "runs.csv")
    assert set(zip(runs["cell"], runs["repetition"], strict=True)) == expected_pairs(quick)
    assert len(runs) == len(expected_pairs(quick))
    assert (runs["status"] == "ok").all()
    assert runs["host"].notna().all()
    assert set(runs["host"]) == {socket.gethostname()}  # loopback workers share the name


def test_a_worker_killed_mid_run_loses_and_duplicates_nothing(cluster: Cluster,
                                                              tmp_path: Path) -> None:
    path = tmp_path / "slow.yaml"
    path.write_text("name: slow\nrepetitions: 6\n"
                    "workloads: [{kind: sleep, tasks: 2, duration_ms: 150}]\n"
                    "models: [sync, threads]\npool_sizes: [2]\n")
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.Popen([sys.executable, "-m", "runner", "run", str(path), "--cluster",
                            cluster.address, "--out", str(out)], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (
            (out / "runs.csv").exists() and (out / "runs.csv").read_text().count("\n") > 3):
        time.sleep(0.05)
    os.killpg(cluster.workers[0].pid, signal.SIGKILL)  # nanny, worker and all
    cluster.workers[0].wait()
    assert run.poll() is None, "the run ended before a worker could be killed mid-way"
    _, stderr = run.communicate(timeout=240)
    assert run.returncode in (0, 1), stderr
    runs = pd.read_csv(out / "runs.csv")
    assert set(zip(runs["cell"], runs["repetition"], strict=True)) == expected_pairs(path)
    assert not runs.duplicated(["cell", "repetition"]).any()
    for error in runs.loc[runs["status"] != "ok", "error"]:  # Dask normally reschedules
        assert "on the cluster" in error


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path: Path) -> None:
    done = run_cli("run", ROOT / "experiments" / "quick.yaml", "--cluster",
                   f"tcp://127.0.0.1:{free_port()}", "--out", tmp_path / "out")
    assert done.returncode == 2
    assert "cannot reach the Dask scheduler" in done.stderr
    assert "Traceback" not in done.stderr


def test_resume_works_for_cluster_runs(cluster: Cluster, tmp_path: Path) -> None:
    path = tmp_path / "small.yaml"
    path.write_text("name: small\nrepetitions: 2\n"
                    "workloads: [{kind: fib, tasks: 2, n: 15}]\nmodels: [sync, threads]\n"
                    "pool_sizes: [2]\n")
    out = tmp_path / "out"
    first = run_cli("run", path, "--cluster", cluster.address, "--out", out,
                    "--repetitions", "1")
    assert first.returncode == 0, first.stderr
    again = run_cli("run", path, "--resume", out, "--repetitions", "3")  # the cluster is kept
    assert again.returncode == 0, again.stderr
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 2 * 3
    assert not runs.duplicated(["cell", "repetition"]).any()
    assert "hosts" in __import__("json").loads((out / "metadata.json").read_text())
