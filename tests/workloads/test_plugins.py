"""Plugins: the package the README's "Plugins" section describes, built from its code
blocks, installed with pip, and run under every model."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from importlib.metadata import entry_points
from pathlib import Path

import pandas as pd
import pytest

from tests.helpers import ROOT

MODELS = ("sync", "threads", "asyncio", "processes", "backwards")


def readme_plugin_blocks() -> tuple[str, str]:
    """The Python module and the entry-point TOML of the README's Plugins section."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Plugins\n", 1)[1].split("\n## ", 1)[0]
    python = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    toml = re.search(r"```toml\n(.*?)```", section, re.DOTALL)
    assert python and toml, "the README's Plugins section lost its code blocks"
    return python.group(1), toml.group(1)


def install(tmp_path: Path, module: str, entry_points_toml: str) -> Path:
    """Build the plugin as a real package and pip-install it into a folder of its own."""
    package = tmp_path / "runexp-square"
    package.mkdir()
    (package / "runexp_square.py").write_text(module, encoding="utf-8")
    (package / "pyproject.toml").write_text(textwrap.dedent("""
        [build-system]
        requires = ["setuptools>=64"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "runexp-square"
        version = "0.1"

        [tool.setuptools]
        py-modules = ["runexp_square"]
    """) + entry_points_toml, encoding="utf-8")
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                    "--no-build-isolation", "--no-index", "--target", str(site), str(package)],
                   check=True, capture_output=True, timeout=300)
    return site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    module, toml = readme_plugin_blocks()
    return install(tmp_path_factory.mktemp("plugin"), module, toml)


def run(site: Path, *args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": f"{site}{os.pathsep}{ROOT}"}
    return subprocess.run([sys.executable, "-m", "runner", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_the_readme_plugin_works_under_every_model(site: Path, tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(textwrap.dedent(f"""
        name: plugged
        repetitions: 2
        workloads:
          - {{kind: square}}
          - {{kind: square, label: zipped, zip: {{tasks: [3, 4]}}}}
        models: [{", ".join(MODELS)}]
        pool_sizes: [2]
    """))
    done = run(site, "run", "p.yaml", "--out", tmp_path / "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    runs = pd.read_csv(tmp_path / "out" / "runs.csv")
    assert (runs["status"] == "ok").all(), runs[["cell", "error"]]
    assert set(runs["model"]) == set(MODELS)
    # the plain default `tasks: Axis[int] = 10`, and both zip positions
    assert set(runs.loc[runs["workload"] == "square", "tasks"]) == {10}
    assert set(runs.loc[runs["workload"] == "zipped", "tasks"]) == {3, 4}
    assert len(runs) == 3 * len(MODELS) * 2


def test_plugin_fields_are_strict(site: Path, tmp_path: Path) -> None:
    for bad in ('"20"', "2.0", "true"):
        (tmp_path / "p.yaml").write_text(f"name: x\nworkloads:\n  - kind: square\n"
                                         f"    tasks: {bad}\n")
        done = run(site, "validate", "p.yaml", cwd=tmp_path)
        assert done.returncode == 2, (bad, done.stdout)
        assert "p.yaml:4:" in done.stderr and "tasks" in done.stderr


def test_the_schema_knows_the_plugin(site: Path, tmp_path: Path) -> None:
    done = run(site, "schema", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert '"square"' in done.stdout


NO_TASKS_PARAMETER = '''
from dataclasses import dataclass
from typing import Any, Literal

from runner.workloads.spec import Axis, Params, WorkloadSpec
from runner.workloads.task import Resources, Task


@dataclass(frozen=True)
class PowersTask(Task):
    count: int
    base: int

    def call(self, resource: Any, index: int) -> int:
        return self.base ** index


class PowersSpec(WorkloadSpec):
    kind: Literal["powers"]
    base: Axis[int] = 2

    def make_task(self, params: Params, resources: Resources) -> Task:
        return PowersTask(count=6, base=params["base"])
'''


def test_a_workload_without_a_tasks_parameter_counts_its_tasks_own_units(
        tmp_path: Path) -> None:
    site = install(tmp_path, NO_TASKS_PARAMETER, '[project.entry-points."runexp.workloads"]\n'
                                                 'powers = "runexp_square:PowersSpec"\n')
    (tmp_path / "p.yaml").write_text("name: x\nrepetitions: 1\nworkloads: [{kind: powers, "
                                     "base: [2, 3]}]\nmodels: [sync, processes]\n"
                                     "pool_sizes: [2]\n")
    done = run(site, "run", "p.yaml", "--out", tmp_path / "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    runs = pd.read_csv(tmp_path / "out" / "runs.csv")
    assert (runs["status"] == "ok").all()
    assert (runs["tasks"] == 6).all()
    assert list(runs["base"]) == [2, 2, 3, 3]


# What a plugin may forget: the edits to the README's module, and what the error must say.
FORGOTTEN = {
    "no make_task": ([("def make_task(self, params: Params, resources: Resources) -> Task:\n"
                       "        return SquareTask(count=params[\"tasks\"])\n", "")],
                     "SquareSpec must define make_task"),
    "no Literal kind": ([('kind: Literal["square"]', "kind: str")],
                        "kind: Literal['square']"),
    "no model name": ([('name = "backwards"', "")], "must set `name = 'backwards'`"),
    "no count": ([("    count: int\n", "    size: int = 0\n"),
                  ('SquareTask(count=params["tasks"])', "SquareTask()")],
                 "without an integer `count`"),
    "not a Task": ([('return SquareTask(count=params["tasks"])', "return 42")],
                   "make_task returned a int, not a runner.workloads.task.Task"),
}


@pytest.mark.parametrize("forgotten", list(FORGOTTEN))
def test_what_a_plugin_forgets_is_a_clear_error_before_anything_runs(
        forgotten: str, tmp_path: Path) -> None:
    module, toml = readme_plugin_blocks()
    edits, expected = FORGOTTEN[forgotten]
    for old, new in edits:
        assert old in module
        module = module.replace(old, new)
    site = install(tmp_path, module, toml)
    (tmp_path / "p.yaml").write_text("name: x\nworkloads: [{kind: square}]\n"
                                     "models: [sync, backwards]\n")
    done = run(site, "validate", "p.yaml", cwd=tmp_path)
    assert done.returncode == 2, done.stdout
    assert expected in done.stderr
    assert "square" in done.stderr or "backwards" in done.stderr
    assert "Traceback" not in done.stderr
    done = run(site, "run", "p.yaml", cwd=tmp_path)
    assert done.returncode == 2
    assert not (tmp_path / "results").exists()  # no half-written run directory


def test_without_the_plugin_its_kind_is_unknown(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text("name: x\nworkloads: [{kind: square}]\n")
    done = run(tmp_path / "nothing-here", "validate", "p.yaml", cwd=tmp_path)
    assert done.returncode == 2
    assert "unknown workload kind 'square'" in done.stderr


def test_a_broken_plugin_is_a_clear_error(tmp_path: Path) -> None:
    module, _ = readme_plugin_blocks()
    site = install(tmp_path, module,
                   '[project.entry-points."runexp.models"]\n'
                   'broken = "runexp_square:NoSuchThing"\n')
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
        pytest.skip("runexp is not installed (pip install .), so it has no entry points")
    assert {"http", "fib", "sleep", "hash", "file", "mixed", "callable"} <= names
    models = {ep.name for ep in entry_points(group="runexp.models")}
    assert {"sync", "threads", "asyncio", "processes"} <= models
