"""Runs on a cluster of hosts of their own: a scheduler and two worker hosts, each in a
network namespace with its own address and host name, the second pinned to one CPU;
runexp, the client, runs here in the root namespace.

Needs root (CI runs as root); elsewhere these tests skip and say why, unless
RUNEXP_REQUIRE_NETNS is set, where they fail instead.
"""

from __future__ import annotations

import json
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
from tests.dask_cluster import HostsCluster, Tls, make_tls
from tests.helpers import ROOT, run_cli, wait_for_rows
from tests.netns import why_not

pytest.importorskip("distributed", reason="pip install 'runexp[dask]'")

_REASON = why_not()
if _REASON is not None and os.environ.get("RUNEXP_REQUIRE_NETNS"):
    raise RuntimeError(f"RUNEXP_REQUIRE_NETNS is set, but {_REASON}")
pytestmark = pytest.mark.skipif(_REASON is not None,
                                reason=f"cannot make hosts of their own: {_REASON}")

A, B = HostsCluster.NAMES
#: Four comparison groups of four runs; the http group's bodies (1 MiB a run) would
#: show on the hosts' links if its requests left the host that measures it.
GROUPS = """
name: hosts
repetitions: 2
workloads:
  - {kind: sleep, tasks: 2, duration_ms: [3, 6, 9]}
  - {kind: http, tasks: 4, latency_ms: 1, size_bytes: 262144}
models: [sync, threads]
pool_sizes: [2]
"""
HTTP_BYTES = 4 * 262144 * 2 * 2  # tasks x body x cells x repetitions


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    return make_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def hosts(tmp_path_factory: pytest.TempPathFactory, tls: Tls) -> Iterator[HostsCluster]:
    """Two worker hosts behind a TLS scheduler, kept for the module's tests."""
    cluster = HostsCluster(tmp_path_factory.mktemp("hosts"), tls=tls)
    try:
        yield cluster
    finally:
        cluster.close()


def write(folder: Path, text: str, name: str = "hosts.yaml") -> Path:
    path = folder / name
    path.write_text(text.lstrip(), encoding="utf-8")
    return path


def expected_pairs(path: Path) -> set[tuple[str, int]]:
    _, jobs = plan_jobs(load(path).experiment, {}, None)
    assert isinstance(jobs, list)
    return {(job.cell.id, job.repetition) for job in jobs}


def group_hosts(runs: pd.DataFrame) -> dict[str, set[str]]:
    """Per comparison group (the cell ids' part before the model), the hosts of its runs."""
    groups = runs["cell"].str.split("/").str[0]
    return {str(key): set(group["host"]) for key, group in runs.groupby(groups)}


def test_each_group_runs_on_one_host_and_the_report_tells_the_hosts_apart(
        hosts: HostsCluster, tls: Tls, tmp_path: Path) -> None:
    path, out = write(tmp_path, GROUPS), tmp_path / "out"
    crossed = [host.traffic_bytes() for host in hosts.hosts]
    done = run_cli("run", path, "--cluster", hosts.address, "--cluster-tls", tls.option,
                   "--out", out, timeout=180)
    crossed = [host.traffic_bytes() - before for host, before in zip(hosts.hosts, crossed,
                                                                     strict=True)]
    assert done.returncode == 0, done.stderr
    runs = pd.read_csv(out / "runs.csv")
    assert set(zip(runs["cell"], runs["repetition"], strict=True)) == expected_pairs(path)
    assert len(runs) == len(expected_pairs(path))
    placed = group_hosts(runs)
    assert all(len(on) == 1 for on in placed.values()), placed
    assert set(runs["host"]) == {A, B}  # spread by load: two groups each
    summary = pd.read_csv(out / "summary.csv")
    assert summary["host"].tolist() == [runs.loc[runs["cell"] == cell, "host"].iloc[0]
                                        for cell in summary["cell"]]
    assert summary["speedup_vs_sync"].notna().all()
    # what each host said of itself, measured there: B may use one CPU of two
    facts = json.loads((out / "metadata.json").read_text())["hosts"]
    assert {name: facts[name]["usable_cores"] for name in (A, B)} == {A: 2, B: 1}
    assert facts[B]["logical_cores"] == 2 and facts[B]["python"]
    report = (out / "report.md").read_text()
    assert f"The cluster's hosts differ (usable cores: {A} 2, {B} 1)" in report
    assert "## Hosts" in report and f"| {B} |" in report
    assert f" on {A}" in report and f" on {B}" in report  # groups named by host
    # the http group's embedded server answered on its own host's loopback
    assert (runs.loc[runs["workload"] == "http", "status"] == "ok").all()
    assert sum(crossed) < HTTP_BYTES / 4, crossed


def test_a_client_without_the_clusters_certificate_is_refused(
        hosts: HostsCluster, tmp_path: Path) -> None:
    path = write(tmp_path, GROUPS)
    plain = run_cli("run", path, "--cluster", hosts.address, "--out", tmp_path / "plain")
    assert plain.returncode == 2, plain.stderr
    assert "is a TLS cluster: give its certificates with --cluster-tls" in plain.stderr
    stranger = make_tls(tmp_path / "stranger", "stranger")  # a CA the cluster never met
    refused = run_cli("run", path, "--cluster", hosts.address, "--cluster-tls",
                      stranger.option, "--out", tmp_path / "refused")
    assert refused.returncode == 2, refused.stderr
    assert f"cannot reach the Dask scheduler at {hosts.address}" in refused.stderr
    assert "TLS handshake failed" in refused.stderr
    tcp = run_cli("run", path, "--cluster", hosts.address.replace("tls://", "tcp://"),
                  "--out", tmp_path / "tcp")
    assert tcp.returncode == 2, tcp.stderr
    for done in (plain, refused, tcp):
        assert "Traceback" not in done.stderr
    assert not (tmp_path / "refused" / "runs.csv").exists()


def test_a_run_whose_client_was_killed_resumes_with_each_group_on_its_host(
        hosts: HostsCluster, tls: Tls, tmp_path: Path) -> None:
    path = write(tmp_path, GROUPS.replace("duration_ms: [3, 6, 9]", "duration_ms: [40, 50]")
                 .replace("repetitions: 2", "repetitions: 3"))
    out = tmp_path / "out"
    client = subprocess.Popen(
        [sys.executable, "-m", "runner", "run", str(path), "--cluster", hosts.address,
         "--cluster-tls", tls.option, "--out", str(out)],
        env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for_rows(out / "runs.csv", 3, client)
    finally:
        os.killpg(client.pid, signal.SIGKILL)
        client.wait()
    before = pd.read_csv(out / "runs.csv")
    assert len(before) < len(expected_pairs(path)), "the run ended before it was killed"
    again = run_cli("run", path, "--resume", out, "--cluster-tls", tls.option, timeout=180)
    assert again.returncode == 0, again.stderr
    runs = pd.read_csv(out / "runs.csv")
    assert set(zip(runs["cell"], runs["repetition"], strict=True)) == expected_pairs(path)
    assert not runs.duplicated(["cell", "repetition"]).any()
    placed = group_hosts(runs)
    assert all(len(on) == 1 for on in placed.values()), placed


def test_advise_keeps_each_parameter_set_on_one_host(hosts: HostsCluster, tls: Tls,
                                                     tmp_path: Path) -> None:
    # advise sends one configuration at a time; each group's still stay on one host
    path = write(tmp_path, """
name: adv
workloads: [{kind: sleep, tasks: 2, duration_ms: [5, 10]}]
models: [sync, threads]
pool_sizes: [1]
""")
    out = tmp_path / "out"
    done = run_cli("advise", path, "--cluster", hosts.address, "--cluster-tls", tls.option,
                   "--max-pool", "2", "--budget", "60", "--out", out, timeout=180)
    assert done.returncode == 0, done.stderr
    runs = pd.read_csv(out / "runs.csv")
    assert (runs["status"] == "ok").all()
    placed = group_hosts(runs)
    assert sorted(placed.values(), key=sorted) == [{A}, {B}], placed



#: Two groups of twelve runs of 40-240 ms.
CUT = """
name: cut
repetitions: 4
workloads: [{kind: sleep, tasks: 2, duration_ms: [40, 60]}]
models: [sync, threads]
pool_sizes: [2, 4]
"""


def test_a_host_cut_off_mid_run_has_its_group_finished_on_the_other(tmp_path: Path) -> None:
    cluster = HostsCluster(tmp_path / "cluster", worker_ttl="6s")
    try:
        path = write(tmp_path, CUT)
        out = tmp_path / "out"
        run = subprocess.Popen(
            [sys.executable, "-m", "runner", "run", str(path), "--cluster", cluster.address,
             "--out", str(out)], env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        cut = cluster.hosts[1]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and run.poll() is None and not (
                (out / "runs.csv").exists() and f",{cut.name}," in (out / "runs.csv").read_text()):
            time.sleep(0.02)
        cut.cut()  # while it measures its group's next run
        assert run.poll() is None, "the run ended before a host could be cut off"
        _, stderr = run.communicate(timeout=180)
    finally:
        cluster.close()
    assert run.returncode == 0, stderr
    runs = pd.read_csv(out / "runs.csv")
    assert set(zip(runs["cell"], runs["repetition"], strict=True)) == expected_pairs(path)
    assert not runs.duplicated(["cell", "repetition"]).any()
    placed = runs.groupby("duration_ms")["host"].agg(set)
    moved = placed[placed == {A, B}].index.tolist()
    assert len(moved) == 1, placed  # the cut host's group, finished on the other
    metadata = json.loads((out / "metadata.json").read_text())
    assert metadata["hosts"][cut.name]["lost_at"]
    assert not metadata["hosts"][A]["lost_at"]
    summary = pd.read_csv(out / "summary.csv")
    group = summary[summary["duration_ms"] == moved[0]]
    assert "mixed" in set(group["host"])  # the run in flight at the cut ran again on A
    sync = runs[(runs["duration_ms"] == moved[0]) & (runs["model"] == "sync")]
    for row in group.itertuples():  # never one host's time over another's
        on_host = sync.loc[sync["host"] == row.host, "wall_s"]
        if row.host == "mixed" or on_host.empty:
            assert pd.isna(row.speedup_vs_sync), row
        else:
            assert row.speedup_vs_sync == pytest.approx(on_host.median() / row.wall_median_s,
                                                         rel=1e-3), row
    report = (out / "report.md").read_text()
    assert "1 comparison group was measured on more than one host" in report
    assert f"Measured on 2 hosts ({A}, {B}): {B} left the cluster mid-run" in report
    assert "## Per host" in report and "speedup vs sync (same host)" in report


def test_a_client_cut_off_mid_run_keeps_only_real_rows_and_a_resume_finishes_them(
        tmp_path: Path) -> None:
    # runexp on a host of its own, whose link goes down mid-run; the client notices when
    # its connection to the scheduler times out (distributed.comm.timeouts.tcp, 11 s at
    # least), not 30 s as by default.
    cluster = HostsCluster(tmp_path / "cluster", client_host=True)
    try:
        assert cluster.client is not None
        path = write(tmp_path, CUT)
        out, log = tmp_path / "out", tmp_path / "client.log"
        client = cluster.client.popen(
            [sys.executable, "-m", "runner", "run", str(path), "--cluster", cluster.address,
             "--out", str(out)], log=log,
            env={**os.environ, "PYTHONPATH": str(ROOT),
                 "DASK_DISTRIBUTED__COMM__TIMEOUTS__TCP": "11s",
                 "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "3s"})
        wait_for_rows(out / "runs.csv", 3, client)
        cluster.client.cut()
        assert client.poll() is None, "the run ended before its client could be cut off"
        assert client.wait(timeout=90) == 3, log.read_text()
        said = log.read_text()
        errors = [line for line in said.splitlines() if line.startswith("runexp: error:")]
        assert len(errors) == 1, said
        assert f"lost the connection to the Dask scheduler at {cluster.address}" in errors[0]
        assert f"--resume {out}" in errors[0]
        assert "Traceback" not in said and "distributed." not in said, said
        kept = pd.read_csv(out / "runs.csv")
        assert (kept["status"] == "ok").all(), kept["error"].dropna().tolist()
        assert len(kept) < len(expected_pairs(path))
        # the cluster never went away: a resume from here (another client host) finishes
        again = run_cli("run", path, "--resume", out, timeout=180)
    finally:
        cluster.close()
    assert again.returncode == 0, again.stderr
    runs = pd.read_csv(out / "runs.csv")
    assert set(zip(runs["cell"], runs["repetition"], strict=True)) == expected_pairs(path)
    assert not runs.duplicated(["cell", "repetition"]).any()
    assert (runs["status"] == "ok").all()


def test_a_cluster_run_finished_on_this_machine_shows_both_hosts(
        hosts: HostsCluster, tls: Tls, tmp_path: Path) -> None:
    path, out = write(tmp_path, GROUPS), tmp_path / "out"
    first = run_cli("run", path, "--cluster", hosts.address, "--cluster-tls", tls.option,
                    "--out", out, "--repetitions", "1", timeout=180)
    assert first.returncode == 0, first.stderr
    here = run_cli("run", path, "--resume", out, "--cluster", "none", "--repetitions", "2")
    assert here.returncode == 0, here.stderr
    this = socket.gethostname()
    assert f"are measured on this machine ({this})" in here.stderr
    runs = pd.read_csv(out / "runs.csv")
    assert set(zip(runs["cell"], runs["repetition"], strict=True)) == expected_pairs(path)
    assert set(runs.loc[runs["repetition"] == 2, "host"]) == {this}
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["host"]) == {"mixed"}  # each cell: one run there, one here
    assert summary["speedup_vs_sync"].isna().all()  # never one host's time over another's
    facts = json.loads((out / "metadata.json").read_text())["hosts"]
    assert {A, B, this} <= facts.keys() and facts[this]["usable_cores"]
    report = (out / "report.md").read_text()
    assert "comparison groups were measured on more than one host" in report
    assert f"| {this} |" in report  # the Hosts table has this machine too
