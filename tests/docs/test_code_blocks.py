"""Every code block of the README and the docs runs here, so an example that stops working
fails CI.

A page's blocks run in order, in a folder of their own that holds a copy of
experiments/ and a small real run of an experiment named ``io`` at
results/io/latest: Python blocks are executed in one namespace per page; shell
blocks run with bash against the installed runexp; YAML blocks are experiment files
checked by ``runexp validate`` (a fragment is merged into a minimal experiment
first); TOML and JSON blocks must parse. Output blocks (``text``, ``console``) are
not run; any other block must say why it is not run (``tests/docs/fenced.py``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tomllib
import types
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.docs.fenced import OUTPUT, SHELL, Block, blocks, pages
from tests.helpers import ROOT

RUNNABLE = ("python", "yaml", "toml", "json", *SHELL)
#: The experiment a fragment is merged into: valid, and small.
MINIMAL = {"name": "fragment", "workloads": [{"kind": "sleep", "tasks": 1, "duration_ms": 1}]}
#: A quick run of an experiment named io, for the blocks that read results/io/latest.
SMALL_IO = """\
name: io
description: A small run of the I/O experiment, for the docs' examples.
repetitions: 2
workloads:
  - kind: http
    tasks: 20
    latency_ms: 2
models: [sync, threads, asyncio, processes]
pool_sizes: [4]
"""
BIN = Path(sys.executable).parent


def environment() -> dict[str, str]:
    """The installed runexp first on PATH, as a user's activated environment has it."""
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("docs-workspace")
    shutil.copytree(ROOT / "experiments", folder / "experiments",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "io.yaml").write_text(SMALL_IO, encoding="utf-8")
    done = subprocess.run([BIN / "runexp", "run", "io.yaml"], cwd=folder, env=environment(),
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    (folder / "io.yaml").unlink()
    return folder


def test_every_block_runs_or_says_why() -> None:
    wrong = []
    for page in pages():
        for block in blocks(page):
            problem = _problem(block)
            if problem:
                wrong.append(f"{block.where}: ```{block.language} block: {problem}")
    assert wrong == []


def _problem(block: Block) -> str:
    if block.marker == "not run":
        return "" if block.note else "say why it is not run: <!-- not run: REASON -->"
    if block.marker == "fragment" and block.language != "yaml":
        return "only YAML blocks can be fragments"
    if block.marker == "file":
        path = ROOT / block.note
        if not path.is_file():
            return f"no file {block.note}"
        if path.read_text(encoding="utf-8") != block.text:
            return f"differs from {block.note}: copy the file into the page"
    if block.language in OUTPUT or block.language in RUNNABLE:
        return ""
    return ("the tests cannot run it: give it a language they run "
            f"({', '.join(RUNNABLE)}), mark output as text or console, or say why it is "
            "not run: <!-- not run: REASON -->")


@pytest.mark.parametrize("page", pages(), ids=lambda page: str(page.relative_to(ROOT)))
def test_the_blocks_of(page: Path, template: Path, tmp_path: Path,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    runnable = [block for block in blocks(page) if block.marker != "not run"
                and block.language in RUNNABLE]
    if not runnable:
        pytest.skip("no block to run")
    workspace = tmp_path / "work"
    shutil.copytree(template, workspace, symlinks=True)
    monkeypatch.chdir(workspace)
    with page_module(page) as module:
        for block in runnable:
            run_block(block, workspace, module)


@contextlib.contextmanager
def page_module(page: Path) -> Iterator[types.ModuleType]:
    """A module for the page's Python blocks, in sys.modules while they run (dataclasses
    look their module up there)."""
    module = types.ModuleType(f"docs_page_{abs(hash(page))}")
    sys.modules[module.__name__] = module
    try:
        yield module
    finally:
        del sys.modules[module.__name__]


def run_block(block: Block, workspace: Path, module: types.ModuleType) -> None:
    if block.language == "python":
        exec(compile(block.text, block.where, "exec"), module.__dict__)
    elif block.language in SHELL:
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", block.text], cwd=workspace,
                              env=environment(), capture_output=True, text=True, timeout=120,
                              check=False)
        assert done.returncode == 0, f"{block.where}:\n{done.stdout}\n{done.stderr}"
    elif block.language == "yaml":
        validate(block, workspace)
    elif block.language == "toml":
        tomllib.loads(block.text)
    elif block.language == "json":
        json.loads(block.text)


def validate(block: Block, workspace: Path) -> None:
    """The block as an experiment file, beside the examples (whose modules it may name)."""
    text = block.text
    if block.marker == "fragment":
        part = yaml.safe_load(text) or {}
        assert isinstance(part, dict), f"{block.where}: a fragment is keys of an experiment"
        text = yaml.safe_dump({**MINIMAL, **part}, sort_keys=False)
    path = workspace / "experiments" / f"block-{block.line}.yaml"
    path.write_text(text, encoding="utf-8")
    done = subprocess.run([BIN / "runexp", "validate", path], cwd=workspace,
                          env=environment(), capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, f"{block.where}:\n{done.stderr}"
