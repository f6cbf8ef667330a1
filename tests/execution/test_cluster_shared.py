"""Measuring workers that share a host are warned about: as the run starts, in the report,
and again by ``runexp report``, from what metadata.json's hosts record."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from tests.dask_cluster import Cluster
from tests.helpers import run_cli

pytest.importorskip("distributed", reason="pip install 'runexp[dask]'")

WARNING = (f"Measuring workers share a host: {socket.gethostname()} measures up to 2 runs at "
           "once (its workers' runexp units)")


def test_two_measuring_workers_on_one_host_are_warned_about(cluster: Cluster,
                                                            tmp_path: Path) -> None:
    # Both loopback workers report this machine's host name: one host, two runexp units.
    path = tmp_path / "small.yaml"
    path.write_text("name: small\nrepetitions: 2\n"
                    "workloads: [{kind: sleep, tasks: 2, duration_ms: 5}]\nmodels: [sync]\n")
    out = tmp_path / "out"
    done = run_cli("run", path, "--cluster", cluster.address, "--out", out)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    warned = [i for i, line in enumerate(lines) if line.startswith(f"runexp: warning: {WARNING}")]
    first_run = next(i for i, line in enumerate(lines) if line.startswith("[1/"))
    assert warned and warned[0] < first_run, done.stderr  # as the run starts...
    assert len(warned) == 2, done.stderr  # ...and once more with the report's warnings
    host = json.loads((out / "metadata.json").read_text())["hosts"][socket.gethostname()]
    assert host["slots"] == 2
    assert host["cpu_model"] and host["python"]  # what the workers reported is kept too
    assert WARNING in (out / "report.md").read_text()
    again = run_cli("report", out)
    assert again.returncode == 0, again.stderr
    assert f"runexp: warning: {WARNING}" in again.stderr
