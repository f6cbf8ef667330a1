"""Runs on a real Dask cluster: a scheduler and two workers on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from runner.config.loader import load
from runner.execution.pipeline import plan_jobs
from tests.dask_cluster import Cluster
from tests.helpers import ROOT, free_port, run_cli

pytest.importorskip("distributed", reason="pip install 'runexp[dask]'")


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
