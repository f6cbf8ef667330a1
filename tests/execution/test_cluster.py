"""Runs on a real Dask cluster: a scheduler and two workers on 127.0.0.1."""

from __future__ import annotations

import json
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
from tests.helpers import ROOT, TINY, free_port, run_cli, wait_for_rows

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


#: Twenty runs of 0.1-0.2 s: a second and a half on two workers.
SLOW = ("name: slow\nrepetitions: 10\nworkloads: [{kind: sleep, tasks: 2, duration_ms: 100}]\n"
        "models: [sync, threads]\npool_sizes: [2]\n")



def kill_scheduler_mid_run(cluster: Cluster, path: Path, out: Path) -> str:
    """Run ``path`` on the cluster, SIGKILL the scheduler after 3 rows, and check what the
    run left: only real rows, a finished metadata.json, one line on how to go on."""
    run = subprocess.Popen([sys.executable, "-m", "runner", "run", str(path), "--cluster",
                            cluster.address, "--out", str(out)],
                           env={**os.environ, "PYTHONPATH": str(ROOT)},
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for_rows(out / "runs.csv", 3, run)
    cluster.kill_scheduler()
    assert run.poll() is None, "the run ended before its scheduler could be killed"
    _, stderr = run.communicate(timeout=60)
    assert run.returncode == 3, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("runexp: error:")]
    assert len(errors) == 1, stderr
    assert f"lost the connection to the Dask scheduler at {cluster.address} after" in errors[0]
    assert f"--resume {out}" in errors[0] and "--cluster none" in errors[0]
    assert "Traceback" not in stderr and "distributed." not in stderr, stderr
    runs = pd.read_csv(out / "runs.csv")
    assert (runs["status"] == "ok").all(), runs["error"].dropna().tolist()  # no row for the loss
    assert 3 <= len(runs) < len(expected_pairs(path))
    assert f"after {len(runs)} of {len(expected_pairs(path))} runs" in errors[0]
    metadata = json.loads((out / "metadata.json").read_text())
    assert metadata["interrupted"] and metadata["ended_at"]
    return stderr


def exactly_once(out: Path, path: Path) -> pd.DataFrame:
    runs = pd.read_csv(out / "runs.csv")
    assert set(zip(runs["cell"], runs["repetition"], strict=True)) == expected_pairs(path)
    assert not runs.duplicated(["cell", "repetition"]).any()
    assert (runs.groupby("cell").size() == 10).all()
    assert (runs["status"] == "ok").all()
    return runs


def test_a_scheduler_killed_mid_run_keeps_only_real_rows_and_a_new_one_finishes_them(
        cluster: Cluster, tmp_path: Path) -> None:
    path, out = tmp_path / "slow.yaml", tmp_path / "out"
    path.write_text(SLOW)
    kill_scheduler_mid_run(cluster, path, out)
    cluster.restart()  # a new scheduler at the same address, new workers
    again = run_cli("run", path, "--resume", out)
    assert again.returncode == 0, again.stderr
    exactly_once(out, path)


def test_a_cluster_run_is_finished_on_this_machine_with_cluster_none(
        cluster: Cluster, tmp_path: Path) -> None:
    path, out = tmp_path / "slow.yaml", tmp_path / "out"
    path.write_text(SLOW)
    kill_scheduler_mid_run(cluster, path, out)
    kept = len(pd.read_csv(out / "runs.csv"))
    here = run_cli("run", path, "--resume", out, "--cluster", "none")
    assert here.returncode == 0, here.stderr
    assert "resuming here a run measured on a Dask cluster: its missing runs are measured " \
           f"on this machine ({socket.gethostname()})" in here.stderr
    assert f"{20 - kept} runs, 0 failed" in here.stdout
    exactly_once(out, path)
    metadata = json.loads((out / "metadata.json").read_text())
    assert metadata["options"]["cluster"] == "none"  # a later --resume stays here too
    assert socket.gethostname() in metadata["hosts"]


def test_cluster_none_runs_here_whatever_the_file_says(tmp_path: Path) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY + f"executor: {{kind: dask, address: 'tcp://127.0.0.1:{free_port()}'}}\n")
    done = run_cli("run", path, "--cluster", "none", "--out", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    assert len(pd.read_csv(tmp_path / "out" / "runs.csv")) == 4


def test_a_cluster_choice_that_means_nothing_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    pems = [tmp_path / name for name in ("ca.pem", "cert.pem", "key.pem")]
    for pem in pems:
        pem.write_text("")
    for args, said in ((["--cluster", ""], "--cluster '': give the scheduler's address"),
                       (["--cluster", "none", "--cluster-tls", ",".join(map(str, pems))],
                        "it cannot go with --cluster none")):
        done = run_cli("run", path, *args, "--out", tmp_path / "out")
        assert done.returncode == 2, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("runexp: error: "), done.stderr
        assert said in lines[0]
        assert not (tmp_path / "out").exists()
