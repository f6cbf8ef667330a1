"""What several test modules use: the repository root and the CLI in a real subprocess."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from runner.results.metadata import (
    CpuInfo,
    Environment,
    OptionsRecord,
    OsInfo,
    PythonInfo,
    RunMetadata,
)
from runner.results.rows import RunRecord, Status

ROOT = Path(__file__).resolve().parent.parent

#: An experiment of four inline runs of a few milliseconds.
TINY = """
name: tiny
repetitions: 2
isolation: inline
workloads: [{kind: sleep, tasks: 2, duration_ms: 1}]
models: [sync, threads]
pool_sizes: [2]
"""


def run_cli(*args: str | Path, cwd: Path | None = None, timeout: float = 120
            ) -> subprocess.CompletedProcess[str]:
    """``python -m runner ARGS`` in a real subprocess, as a user would run ``runexp``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "runner", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, env=env, check=False)


def sample_metadata(**changes: Any) -> RunMetadata:
    """A complete metadata.json record of a made-up run, with ``changes`` applied."""
    metadata = RunMetadata(
        run_id="r", started_at="2026-01-01T00:00:00Z", command="runexp run e.yaml",
        experiment_file="e.yaml",
        experiment={"name": "e", "description": "", "order": "interleaved", "warmups": 0,
                    "isolation": "process"},
        options=OptionsRecord(), seed=None, cells=1, planned_runs=1,
        load_average_at_start=(0.1, 0.1, 0.1),
        environment=Environment(
            python=PythonInfo("3.11.7", "CPython", "/usr/bin/python3"), host="here",
            cpu=CpuInfo("a CPU", 2, 2), memory_gib=4.0, os=OsInfo("Linux", "6", "Linux-6"),
            packages={"runexp": "0.1.0"}, git=None),
    )
    return replace(metadata, **changes)


def sample_record(repetition: int, **params: object) -> RunRecord:
    """A runs.csv row of a made-up fib/sync run."""
    return RunRecord(
        run_id="20260101T000000Z", experiment="t", cell="fib/sync", workload="fib",
        params={"tasks": 3, **params}, model="sync", pool_size=1, repetition=repetition,
        status=Status.OK, wall_s=0.1234567891, cpu_s=0.1, max_rss_mb=20.0, tasks=3,
        throughput_per_s=24.3, error="", started_at="2026-01-01T00:00:00.000Z", host="h",
        python="cpython-3.11.7",
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_rows(path: Path, rows: int, process: subprocess.Popen[Any],
                  timeout: float = 120) -> None:
    """Until runs.csv at ``path`` holds ``rows`` rows (or the process ended, or time ran
    out): a test's moment to strike mid-run."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if path.exists() and path.read_text().count("\n") > rows:
            return
        time.sleep(0.02)
