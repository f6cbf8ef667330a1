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

from runner.config.experiment import Experiment
from runner.config.pythons import probe
from runner.plan.grid import expand
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


def pyenv_installations() -> list[str]:
    """``bin/python3`` of each pyenv CPython 3.11+: different installations, one file name."""
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    found = sorted(glob.glob(f"{root}/versions/3.1[1-9]*/bin/python3"))
    return [path for path in found if os.access(path, os.X_OK)]


def test_two_installations_named_python3_are_labelled_by_version(write_yaml: WriteYaml,
                                                                  tmp_path: Path) -> None:
    pythons = pyenv_installations()[:2]
    if len(pythons) < 2:
        pytest.skip(f"fewer than two pyenv installations of Python 3.11+: {pythons}")
    versions = [probe(p).version for p in pythons]
    path = write_yaml(f"""
        name: two-installations
        repetitions: 1
        workloads: [{{kind: fib, tasks: 2, n: 5}}]
        models: [sync]
        python: [{pythons[0]}, {pythons[1]}]
    """)
    checked = run_cli("validate", path)
    assert checked.returncode == 0, checked.stderr
    assert "ok (2 cells)" in checked.stdout
    done = run_cli("run", path, "--out", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    runs = pd.read_csv(tmp_path / "out" / "runs.csv")
    assert sorted(runs["cell"]) == sorted(f"fib/sync@python3-{v}" for v in versions)
    assert sorted(runs["python"]) == sorted(f"cpython-{v}" for v in versions)
    assert (runs["status"] == "ok").all(), runs["error"]


def test_one_version_installed_twice_gets_a_numbered_label(tmp_path: Path) -> None:
    installed = pyenv_installations()
    if not installed:
        pytest.skip("no pyenv installation of Python 3.11+")
    real = os.path.realpath(installed[0])
    names = []
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "python3").symlink_to(real)
        names.append(str(tmp_path / folder / "python3"))
    version = probe(real).version
    exp = Experiment.model_validate({"name": "t", "workloads": [{"kind": "fib"}],
                                     "models": ["sync"], "python": names})
    labels = list(exp.python_labels().values())
    assert labels == [f"python3-{version}", f"python3-{version}-2"]
    assert all("/" not in label for label in labels)
    assert [cell.id for cell in expand(exp)] == [f"fib/sync@{label}" for label in labels]
    assert [cell.id for cell in expand(exp) if cell.matches({"python": labels[1]})] == [
        f"fib/sync@{labels[1]}"]


def test_distinct_file_names_stay_the_labels() -> None:
    exp = Experiment.model_validate({"name": "t", "workloads": [{"kind": "fib"}],
                                     "python": ["no-such-python3.98", "/nowhere/python3.99"]})
    assert exp.python_labels() == {"no-such-python3.98": "no-such-python3.98",
                                   "/nowhere/python3.99": "python3.99"}


def test_the_same_interpreter_twice_is_refused_at_the_second(write_yaml: WriteYaml) -> None:
    installed = pyenv_installations()
    if not installed:
        pytest.skip("no pyenv installation of Python 3.11+")
    folder = str(Path(installed[0]).parent)
    path = write_yaml(f"""
        name: twice
        workloads: [{{kind: fib}}]
        python:
          - {installed[0]}
          - {folder}/../bin/python3
    """)
    done = run_cli("validate", path)
    assert done.returncode == 2
    assert f"{path}:5:" in done.stderr and "python.1" in done.stderr, done.stderr
    assert "same interpreter as python.0" in done.stderr
    assert "Traceback" not in done.stderr
