"""The cluster how-to's TLS recipe works pasted as is: its openssl block, run verbatim,
makes files that a scheduler and a worker started with the page's commands accept, and
runexp connects with them through --cluster-tls or through the page's Dask
configuration."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from tests.dask_cluster import Tls, dask, stop, wait_for_workers
from tests.helpers import ROOT, free_port, run_cli

pytest.importorskip("distributed", reason="pip install 'runexp[dask]'")

TINY = ("name: tiny\nrepetitions: 1\nworkloads: [{kind: sleep, tasks: 2, duration_ms: 5}]\n"
        "models: [sync, threads]\npool_sizes: [2]\n")
#: Where the page's Dask configuration keeps the files.
CONFIG_FOLDER = "/etc/dask/tls/"


#: The page that holds the recipe.
PAGE = ROOT / "docs" / "how-to" / "cluster.md"


def cluster_section() -> str:
    return PAGE.read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```$", cluster_section(), re.S | re.M)


def block_with(language: str, text: str) -> str:
    found = [block for block in blocks(language) if text in block]
    assert len(found) == 1, f"one ```{language} block with {text!r} in {PAGE.name}"
    return found[0]


def commands(block: str) -> dict[str, str]:
    """The block's commands (continuations joined, comments dropped) by their first two
    words, e.g. 'dask scheduler'."""
    joined = re.sub(r"\\\n\s*", "", block)
    lines = [line.strip() for line in joined.splitlines()]
    return {" ".join(line.split()[:2]): line for line in lines
            if line and not line.startswith("#")}


def keys(tree: dict[str, Any], prefix: str = "") -> list[str]:
    return [key for name, value in tree.items() for key in (
        keys(value, f"{prefix}{name}.") if isinstance(value, dict) else [f"{prefix}{name}"])]


def test_the_readmes_tls_recipe_runs_pasted_as_is(tmp_path: Path) -> None:
    recipe = block_with("sh", "openssl req -x509")
    made = subprocess.run(["sh", "-e", "-c", recipe], cwd=tmp_path, capture_output=True,
                          text=True, check=False)
    assert made.returncode == 0, made.stderr
    # The page's three commands, on this machine's loopback and a free port.
    port = free_port()
    given = commands(block_with("sh", "dask scheduler"))

    def here(command: str) -> list[str]:
        return shlex.split(command.replace("10.0.0.5", "127.0.0.1")
                           .replace("8786", str(port))
                           .replace("experiments/io.yaml", "tiny.yaml"))

    (tmp_path / "tiny.yaml").write_text(TINY)
    scheduler = dask(*here(given["dask scheduler"])[1:], log=tmp_path / "scheduler.log",
                     cwd=tmp_path)
    worker = None
    try:
        worker = dask(*here(given["dask worker"])[1:], log=tmp_path / "worker.log",
                      cwd=tmp_path)
        client = Tls(tmp_path / "ca.pem", tmp_path / "client.pem", tmp_path / "client.key")
        address = f"tls://127.0.0.1:{port}"
        wait_for_workers(address, 1, security=client.security())
        runexp = here(given["runexp run"])
        assert runexp[:2] == ["runexp", "run"] and "--cluster-tls" in runexp
        done = run_cli(*runexp[1:], "--out", "flags", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert (pd.read_csv(tmp_path / "flags" / "runs.csv")["status"] == "ok").all()
        assert "share a host" not in done.stderr  # one measuring worker
        # The Dask configuration instead of --cluster-tls.
        config = block_with("yaml", "distributed:")
        folder = tmp_path / "dask-config"
        folder.mkdir()
        (folder / "tls.yaml").write_text(config.replace(CONFIG_FOLDER, f"{tmp_path}/"))
        flag = runexp.index("--cluster-tls")
        without = [*runexp[1:flag], *runexp[flag + 2:], "--out", "config"]
        done = subprocess.run([sys.executable, "-m", "runner", *without], cwd=tmp_path,
                              capture_output=True, text=True, check=False, env={
                                  **os.environ, "PYTHONPATH": str(ROOT),
                                  "DASK_CONFIG": str(folder)})
        assert done.returncode == 0, done.stderr
        assert (pd.read_csv(tmp_path / "config" / "runs.csv")["status"] == "ok").all()
    finally:
        if worker is not None:
            stop(worker)
        stop(scheduler)


def test_the_readmes_dask_configuration_names_dasks_own_keys() -> None:
    import dask.config
    import distributed  # noqa: F401  (its defaults join Dask's configuration)

    config = yaml.safe_load(block_with("yaml", "distributed:"))
    named = keys(config)
    assert "distributed.comm.tls.scheduler.cert" in named
    for key in named:
        dask.config.get(key)  # a KeyError for a key Dask does not have
