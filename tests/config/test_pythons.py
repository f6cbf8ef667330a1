"""The interpreters axis, with this machine's other Pythons (pyenv has 3.11-3.13)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from runner.config.pythons import probe
from tests.helpers import run_cli

WriteYaml = Callable[..., Path]


def other_pythons() -> list[str]:
    """Distinct CPython 3.11+ executables on this machine."""
    candidates = [shutil.which(f"python3.{minor}") for minor in range(11, 15)]
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    candidates += sorted(glob.glob(f"{root}/versions/3.1[1-9]*/bin/python3"))
    found: dict[str, str] = {}
    for candidate in filter(None, candidates):
        try:
            version = subprocess.run([candidate, "-c", "import platform;"
                                      "print(platform.python_version())"],
                                     capture_output=True, text=True, timeout=30,
                                     check=True).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            continue
        if version and tuple(int(x) for x in version.split(".")[:2]) >= (3, 11):
            found.setdefault(version, candidate)
    return list(found.values())


def test_two_interpreters_run_every_cell(write_yaml: WriteYaml, tmp_path: Path) -> None:
    pythons = other_pythons()[:2]
    if len(pythons) < 2:
        pytest.skip(f"fewer than two Python 3.11+ interpreters here: {pythons}")
    labels = [probe(p).python_column for p in pythons]
    path = write_yaml(f"""
        name: two-pythons
        repetitions: 2
        workloads: [{{kind: fib, tasks: 4, n: 18}}, {{kind: sleep, tasks: 4, duration_ms: 5}}]
        python: [{pythons[0]}, {pythons[1]}]
        models: [sync, threads, asyncio, processes, interpreters]
        pool_sizes: [2]
    """)
    done = run_cli("run", path, "--out", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    runs = pd.read_csv(tmp_path / "out" / "runs.csv")
    assert set(runs["python"]) == set(labels)
    classic = runs[runs["model"] != "interpreters"]
    assert (classic["status"] == "ok").all(), classic[classic["status"] != "ok"]["error"]
    assert len(classic) == 2 * 2 * 2 * 4  # workloads x interpreters x reps x models
    newer = runs[runs["model"] == "interpreters"]
    for _, row in newer.iterrows():  # 3.14+ runs them, older ones say why not
        assert row["status"] == "ok" or "needs Python 3.14" in row["error"]
    summary = pd.read_csv(tmp_path / "out" / "summary.csv")
    sync = summary[summary["model"] == "sync"]
    assert (sync["speedup_vs_sync"] == 1).all()  # each against its own interpreter's sync
    report = (tmp_path / "out" / "report.md").read_text()
    assert report.count("GIL enabled") + report.count("GIL disabled") >= 2
    assert f"## fib@{Path(pythons[0]).name}" in report


def test_a_missing_interpreter_skips_its_cells(write_yaml: WriteYaml, tmp_path: Path) -> None:
    path = write_yaml("""
        name: missing-python
        repetitions: 1
        workloads: [{kind: fib, tasks: 2, n: 10}]
        python: [python3, no-such-python3.99]
        models: [sync]
    """)
    done = run_cli("run", path, "--out", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    runs = pd.read_csv(tmp_path / "out" / "runs.csv").set_index("cell")
    assert runs.loc["fib/sync@python3", "status"] == "ok"
    assert runs.loc["fib/sync@no-such-python3.99", "status"] == "skipped"
    assert "not found" in runs.loc["fib/sync@no-such-python3.99", "error"]


def test_inline_isolation_cannot_take_other_interpreters(write_yaml: WriteYaml) -> None:
    path = write_yaml("""
        name: bad
        isolation: inline
        workloads: [{kind: fib}]
        python: [python3]
    """)
    done = run_cli("validate", path)
    assert done.returncode == 2
    assert f"{path}:4:" in done.stderr and "need isolation: process" in done.stderr
