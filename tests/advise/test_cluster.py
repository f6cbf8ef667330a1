"""`runexp advise --cluster`: the search's runs measured on a real Dask cluster."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pandas as pd
import pytest

from tests.helpers import run_cli

pytest.importorskip("distributed", reason="pip install 'runexp[dask]'")

from tests.dask_cluster import Cluster
from tests.helpers import free_port


def test_advise_on_a_cluster_measures_every_run_there(cluster: Cluster,
                                                      tmp_path: Path) -> None:
    path = tmp_path / "tiny.yaml"
    # pool_sizes names only 1: the search climbs past it, so the workers must be told of
    # cells the file's grid does not hold.
    path.write_text("name: tiny\nworkloads: [{kind: sleep, tasks: 2, duration_ms: 5}]\n"
                    "models: [sync, threads]\npool_sizes: [1]\n")
    out = tmp_path / "out"
    done = run_cli("advise", path, "--cluster", cluster.address, "--max-pool", "2",
                   "--budget", "120", "--out", out, timeout=300)
    assert done.returncode == 0, done.stderr
    runs = pd.read_csv(out / "runs.csv")
    advice = json.loads((out / "advice.json").read_text())
    assert len(runs) == advice["runs_used"]
    assert (runs["status"] == "ok").all()
    assert set(runs["host"]) == {socket.gethostname()}
    assert {("threads", 1), ("threads", 2)} <= set(zip(runs["model"], runs["pool_size"],
                                                       strict=True))
    assert not runs.duplicated(["cell", "repetition"]).any()
    assert advice["advice"][0]["model"] in ("sync", "threads")
    metadata = json.loads((out / "metadata.json").read_text())
    assert metadata["options"]["cluster"] == cluster.address
    assert metadata["hosts"]


def test_the_files_executor_is_used_and_an_unreachable_one_is_a_clear_error(
        tmp_path: Path) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text("name: tiny\nworkloads: [{kind: sleep, tasks: 2, duration_ms: 5}]\n"
                    "models: [sync]\n"
                    f"executor: {{kind: dask, address: 'tcp://127.0.0.1:{free_port()}'}}\n")
    done = run_cli("advise", path, "--out", tmp_path / "out")
    assert done.returncode == 2
    assert "cannot reach the Dask scheduler" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()  # checked before the run folder is made
