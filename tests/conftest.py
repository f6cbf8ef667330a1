"""Shared fixtures: a real embedded server, and experiment files written on the fly.

Helpers that tests import live in tests/helpers.py, not here."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from runner.execution.server import EmbeddedServer
from tests.dask_cluster import Cluster


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


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    """A real scheduler and two workers, for tests that skip without Dask installed."""
    running = Cluster(tmp_path)
    try:
        yield running
    finally:
        running.close()
