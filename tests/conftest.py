"""Shared fixtures: a real embedded server, and experiment files written on the fly."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from runner.execution.server import EmbeddedServer

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """The embedded test server, in its own process on 127.0.0.1, for the whole session."""
    with EmbeddedServer() as server:
        yield server.url


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a dedented YAML document to tmp_path/name and return its path."""

    def write(text: str, name: str = "experiment.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return path

    return write


def run_cli(*args: str | Path, cwd: Path | None = None, timeout: float = 120
            ) -> subprocess.CompletedProcess[str]:
    """``python -m runner ARGS`` in a real subprocess, as a user would run ``runexp``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "runner", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, env=env, check=False)
