"""Plugins: a package with a dist-info on sys.path registers a workload kind and a model."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from importlib.metadata import entry_points
from pathlib import Path

import pandas as pd
import pytest

from tests.helpers import ROOT

PLUGIN = '''
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from runner.models.base import Model, Options
from runner.workloads.spec import ZIP_FIELD, Axis, StrictInt, StrictModel, WorkloadSpec, zip_model
from runner.workloads.task import Task


@dataclass(frozen=True)
class SquareTask(Task):
    count: int

    def call(self, resource: Any, index: int) -> Any:
        return index * index


class SquareParams(StrictModel):
    tasks: Axis[StrictInt] = (5,)


class SquareSpec(SquareParams, WorkloadSpec):
    params_model: ClassVar[type[StrictModel]] = SquareParams
    kind: Literal["square"]
    zip_: zip_model(SquareParams) | None = ZIP_FIELD

    def make_task(self, params, resources):
        return SquareTask(count=params["tasks"])


class BackwardsModel(Model):
    """Runs the units last to first, in one thread."""

    name = "backwards"
    pooled = False

    def run(self, task: Task, pool_size: int, options: Options) -> list[Any]:
        results = [task.call(None, i) for i in reversed(range(task.count))]
        return results[::-1]
'''

ENTRY_POINTS = """
[runexp.workloads]
square = runexp_square:SquareSpec

[runexp.models]
backwards = runexp_square:BackwardsModel
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    (site / "runexp_square-0.1.dist-info").mkdir(parents=True)
    (site / "runexp_square.py").write_text(textwrap.dedent(PLUGIN))
    info = site / "runexp_square-0.1.dist-info"
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: runexp-square\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(ENTRY_POINTS)
    return site


def run(site: Path, *args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": f"{site}{os.pathsep}{ROOT}"}
    return subprocess.run([sys.executable, "-m", "runner", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_a_plugin_workload_and_model_work_from_yaml(site: Path, tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(textwrap.dedent("""
        name: plugged
        repetitions: 2
        workloads: [{kind: square, tasks: 7}, {kind: fib, n: 10, tasks: 2}]
        models: [sync, backwards, threads]
        pool_sizes: [2]
    """))
    done = run(site, "run", "p.yaml", "--out", tmp_path / "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    runs = pd.read_csv(tmp_path / "out" / "runs.csv")
    assert set(runs["cell"]) == {"square/sync", "square/backwards", "square/threads/p2",
                                 "fib/sync", "fib/backwards", "fib/threads/p2"}
    assert (runs["status"] == "ok").all()


def test_without_the_plugin_its_kind_is_unknown(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text("name: x\nworkloads: [{kind: square}]\n")
    done = run(tmp_path / "nothing-here", "validate", "p.yaml", cwd=tmp_path)
    assert done.returncode == 2
    assert "unknown workload kind 'square'" in done.stderr


def test_a_broken_plugin_is_a_clear_error(site: Path, tmp_path: Path) -> None:
    (site / "runexp_square-0.1.dist-info" / "entry_points.txt").write_text(
        "[runexp.models]\nbroken = runexp_square:NoSuchThing\n")
    (tmp_path / "p.yaml").write_text("name: x\nworkloads: [{kind: fib}]\n")
    done = run(site, "validate", "p.yaml", cwd=tmp_path)
    assert done.returncode == 2
    assert "plugin 'broken' (runexp.models: runexp_square:NoSuchThing) cannot be used" in (
        done.stderr)
    assert "Traceback" not in done.stderr


def test_the_built_ins_are_registered_as_entry_points() -> None:
    names = {ep.name for ep in entry_points(group="runexp.workloads")
             if ep.dist is not None and ep.dist.name == "runexp"}
    if not names:
        pytest.skip("runexp is not installed (pip install -e .), so it has no entry points")
    assert {"http", "fib", "sleep", "hash", "file", "mixed", "callable"} <= names
    models = {ep.name for ep in entry_points(group="runexp.models")}
    assert {"sync", "threads", "asyncio", "processes"} <= models
