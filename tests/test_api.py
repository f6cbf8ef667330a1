"""The Python API: runner.run and runner.load, as a notebook user calls them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import runner
from runner.results.metadata import RunMetadata
from runner.results.rows import RunRecord, Status

SLEEPS = """
name: api
repetitions: 2
workloads: [{kind: sleep, tasks: 2, duration_ms: 1}]
models: [sync, threads]
pool_sizes: [2]
isolation: inline
"""


def test_load_gives_typed_metadata_and_an_empty_tasks_frame(
        write_yaml: Callable[[str], Path], tmp_path: Path) -> None:
    made = runner.run(write_yaml(SLEEPS), out=tmp_path / "run", progress=False)
    loaded = runner.load(made.run_dir)
    assert isinstance(loaded.metadata, RunMetadata)
    assert loaded.metadata.planned_runs == 4
    assert loaded.metadata.environment.cpu.usable_cores
    # sleep records no task latencies: still a DataFrame, with tasks.csv's columns
    assert loaded.tasks.empty
    assert list(loaded.tasks.columns)[:3] == ["run_id", "cell", "workload"]
    assert str(loaded.tasks["latency_s"].dtype) == "float64"


def test_a_progress_callback_sees_every_run(write_yaml: Callable[[str], Path],
                                            tmp_path: Path) -> None:
    seen: list[tuple[int, int, RunRecord]] = []
    runner.run(write_yaml(SLEEPS), out=tmp_path / "run",
               progress=lambda done, total, record: seen.append((done, total, record)))
    assert [(done, total) for done, total, _ in seen] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert all(record.status == Status.OK for _, _, record in seen)


def test_progress_is_shown_by_default(write_yaml: Callable[[str], Path], tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    runner.run(write_yaml(SLEEPS), out=tmp_path / "run")
    shown = capsys.readouterr().err
    assert "running 4 timed runs" in shown
    assert "[4/4] sleep/threads/p2 rep 2" in shown
