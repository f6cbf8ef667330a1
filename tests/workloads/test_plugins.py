"""Plugins: the package the how-to guide docs/how-to/plugin.md describes, built from its
code blocks, installed with pip, and run under every model."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from importlib.metadata import entry_points
from pathlib import Path

import pandas as pd
import pytest

from tests.helpers import ROOT

MODELS = ("sync", "threads", "asyncio", "processes", "backwards")


#: The how-to guide whose code blocks are the plugin.
GUIDE = ROOT / "docs" / "how-to" / "plugin.md"


def guide_blocks(language: str) -> list[str]:
    """The code blocks in ``language`` of the plugin guide, in order."""
    guide = GUIDE.read_text(encoding="utf-8")
    return re.findall(rf"```{language}\n(.*?)```", guide, re.DOTALL)


def guide_plugin_blocks() -> tuple[str, str]:
    """The Python module and the complete pyproject.toml of the plugin guide."""
    python, toml = guide_blocks("python"), guide_blocks("toml")
    assert python and toml, "the plugin guide lost its code blocks"
    return python[0], toml[0]


def pyproject(name: str, modules: list[str], entry_points_toml: str) -> str:
    """The guide's pyproject.toml made another package's: its name, modules, entry points."""
    _, toml = guide_plugin_blocks()
    head = toml.split("[project.entry-points", 1)[0]
    assert 'name = "runexp-square"' in head
    return (head.replace('name = "runexp-square"', f"name = {json.dumps(name)}")
            + entry_points_toml + f"\n[tool.setuptools]\npy-modules = {json.dumps(modules)}\n")


def install(tmp_path: Path, modules: dict[str, str], pyproject_toml: str) -> Path:
    """Build a plugin as a real package (module name -> source, and its pyproject.toml as
    written) and pip-install it into a folder of its own."""
    package = tmp_path / "package"
    package.mkdir()
    for name, source in modules.items():
        (package / f"{name}.py").write_text(source, encoding="utf-8")
    (package / "pyproject.toml").write_text(pyproject_toml, encoding="utf-8")
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                    "--no-build-isolation", "--no-index", "--target", str(site), str(package)],
                   check=True, capture_output=True, timeout=300)
    return site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    module, toml = guide_plugin_blocks()
    return install(tmp_path_factory.mktemp("plugin"), {"runexp_square": module}, toml)


def run(site: Path | str, *args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m runner ARGS`` with the plugins of ``site`` (folders joined by os.pathsep)."""
    env = {**os.environ, "PYTHONPATH": f"{site}{os.pathsep}{ROOT}"}
    return subprocess.run([sys.executable, "-m", "runner", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_the_guide_plugin_works_under_every_model(site: Path, tmp_path: Path) -> None:
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
    # "0": the guide's `Axis[Annotated[int, Field(ge=1)]]`, in a list too
    for bad in ('"20"', "2.0", "true", "0", "[2, 0]"):
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
    site = install(tmp_path, {"runexp_powers": NO_TASKS_PARAMETER},
                   pyproject("runexp-powers", ["runexp_powers"],
                             '[project.entry-points."runexp.workloads"]\n'
                             'powers = "runexp_powers:PowersSpec"\n'))
    (tmp_path / "p.yaml").write_text("name: x\nrepetitions: 1\nworkloads: [{kind: powers, "
                                     "base: [2, 3]}]\nmodels: [sync, processes]\n"
                                     "pool_sizes: [2]\n")
    done = run(site, "run", "p.yaml", "--out", tmp_path / "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    runs = pd.read_csv(tmp_path / "out" / "runs.csv")
    assert (runs["status"] == "ok").all()
    assert (runs["tasks"] == 6).all()
    assert list(runs["base"]) == [2, 2, 3, 3]


# What a plugin may forget: the edits to the guide's module, and what the error must say.
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
    module, toml = guide_plugin_blocks()
    edits, expected = FORGOTTEN[forgotten]
    for old, new in edits:
        assert old in module
        module = module.replace(old, new)
    site = install(tmp_path, {"runexp_square": module}, toml)
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


def test_the_built_ins_are_registered_as_entry_points() -> None:
    names = {ep.name for ep in entry_points(group="runexp.workloads")
             if ep.dist is not None and ep.dist.name == "runexp"}
    if not names:
        pytest.skip("runexp is not installed (pip install .), so it has no entry points")
    assert {"http", "fib", "sleep", "hash", "file", "mixed", "callable"} <= names
    models = {ep.name for ep in entry_points(group="runexp.models")}
    assert {"sync", "threads", "asyncio", "processes"} <= models


# Plugins that cannot be used, all in one package, installed beside the guide's plugin.
TROUBLES = '''
from typing import Literal

from runner.workloads.spec import Axis, WorkloadSpec


class LabelledSpec(WorkloadSpec):
    kind: Literal["labelled"]
    label: Axis[str] = "x"  # would be every workload's own `label`

    def make_task(self, params, resources):
        raise NotImplementedError


class DefaultedSpec(WorkloadSpec):
    kind: Literal["defaulted"]
    tasks: Axis[int] = "1000"

    def make_task(self, params, resources):
        raise NotImplementedError
'''
TROUBLES_ENTRY_POINTS = '''[project.entry-points."runexp.workloads"]
syntaxerr = "runexp_syntax:SyntaxSpec"
labelled = "runexp_troubles:LabelledSpec"
defaulted = "runexp_troubles:DefaultedSpec"
square = "runexp_troubles:LabelledSpec"
fib = "runexp_troubles:DefaultedSpec"
grep = "runexp_grep:GrepSpec"

[project.entry-points."runexp.models"]
broken = "runexp_square:NoSuchThing"
'''
#: Each name the troubles package sets aside -> what using it says.
SET_ASIDE = {
    "syntaxerr": "(runexp.workloads: runexp_syntax:SyntaxSpec) cannot be used: SyntaxError: ",
    "labelled": "LabelledSpec.label: the name 'label' is reserved",
    "defaulted": "DefaultedSpec.tasks: default '1000' is not valid: Input should be a valid "
                 "integer",
    "square": "(runexp.workloads: runexp_square:SquareSpec, runexp_troubles:LabelledSpec) "
              "cannot be used: 2 installed packages register this name",
    "fib": "the name is one of runexp's own; choose another",
    "broken": "plugin 'broken' (runexp.models: runexp_square:NoSuchThing) cannot be used: "
              "AttributeError: module 'runexp_square' has no attribute 'NoSuchThing'",
}


@pytest.fixture(scope="module")
def troubled(site: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The guide's plugin and the troubles package: PYTHONPATH's plugin folders."""
    module, _ = guide_plugin_blocks()
    validator = guide_blocks("python")[1]  # the guide's field_validator example
    modules = {"runexp_syntax": "class SyntaxSpec(:\n", "runexp_troubles": TROUBLES,
               "runexp_grep": module + validator}
    troubles = install(tmp_path_factory.mktemp("troubles"), modules,
                       pyproject("runexp-troubles", list(modules), TROUBLES_ENTRY_POINTS))
    return f"{troubles}{os.pathsep}{site}"


def test_a_broken_plugin_is_set_aside_and_only_files_naming_it_fail(
        troubled: str, tmp_path: Path) -> None:
    (tmp_path / "fib.yaml").write_text("name: x\nworkloads: [{kind: fib}]\n"
                                       "models: [sync, backwards]\n")
    done = run(troubled, "validate", "fib.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    warnings = done.stderr.splitlines()
    assert all(line.startswith("runexp: warning: plugin ") for line in warnings), warnings
    for name, reason in SET_ASIDE.items():
        assert len([line for line in warnings if f"plugin {name!r}" in line]) == 1, name
        assert any(reason in line for line in warnings), reason
    assert "(installed by runexp-square 0.1 and runexp-troubles 0.1)" in done.stderr
    # each file names one of them, on its line 3: the `kind:` or the models list
    named = [name for name in SET_ASIDE if name != "fib"]  # fib is runexp's own, and works
    for name in named:
        (tmp_path / f"{name}.yaml").write_text(f"name: x\nworkloads:\n  - kind: {name}\n")
    (tmp_path / "broken.yaml").write_text("name: x\nworkloads: [{kind: fib}]\n"
                                          "models: [sync, broken]\n")
    done = run(troubled, "validate", *(f"{name}.yaml" for name in named), cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    for name in named:
        assert any(line.startswith(f"{name}.yaml:3:") and SET_ASIDE[name] in line
                   for line in done.stderr.splitlines()), (name, done.stderr)


def test_a_broken_plugin_leaves_every_other_command_working(
        troubled: str, tmp_path: Path) -> None:
    quick = ROOT / "experiments" / "quick.yaml"
    shutil.copytree(ROOT / "tests" / "bad_rundirs" / "good", tmp_path / "run")
    commands = [("validate", quick), ("plan", quick), ("schema",), ("report", "run"),
                ("compare", "run", "run"), ("export", "run")]
    for command in commands:
        done = run(troubled, *command, cwd=tmp_path)
        assert done.returncode == 0, (command, done.stderr)
        assert "Traceback" not in done.stderr
        assert "plugin 'syntaxerr'" not in done.stdout


def test_a_field_validator_refuses_a_bad_value_at_validate_time(
        troubled: str, tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text('name: x\nworkloads:\n  - kind: grep\n    pattern: "("\n')
    done = run(troubled, "validate", "p.yaml", cwd=tmp_path)
    assert done.returncode == 2
    assert any(line.startswith("p.yaml:4:") and "is not a regular expression" in line
               for line in done.stderr.splitlines()), done.stderr
