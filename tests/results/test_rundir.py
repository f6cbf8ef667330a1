from __future__ import annotations

from pathlib import Path

import pytest

from runner.errors import ResultsError
from runner.results.rows import RunRecord, Status, columns
from runner.results.rundir import RunsWriter, create_run_dir, link_latest, read_runs

PARAMS = ["tasks", "latency_ms", "n"]


def record(repetition: int, **params: object) -> RunRecord:
    return RunRecord(
        run_id="20260101T000000Z", experiment="t", cell="fib/sync", workload="fib",
        params={"tasks": 3, **params}, model="sync", pool_size=1, repetition=repetition,
        status=Status.OK, wall_s=0.1234567891, cpu_s=0.1, max_rss_mb=20.0, tasks=3,
        throughput_per_s=24.3, error="", started_at="2026-01-01T00:00:00.000Z", host="h",
        python="cpython-3.11.7",
    )


def test_columns_follow_the_design_order() -> None:
    assert columns(PARAMS) == [
        "run_id", "experiment", "cell", "workload", "latency_ms", "n", "model", "pool_size",
        "repetition", "status", "wall_s", "cpu_s", "max_rss_mb", "tasks", "throughput_per_s",
        "error", "started_at", "host", "python", "startup_s",
    ]


def test_rows_are_appended_and_read_back_with_numeric_dtypes(tmp_path: Path) -> None:
    path = tmp_path / "runs.csv"
    with RunsWriter(tmp_path, PARAMS) as writer:
        writer.write(record(1, n=20))
        assert path.read_text().count("\n") == 2  # on disk before the writer closes
    with RunsWriter(tmp_path, PARAMS) as writer:
        writer.write(record(2, n=20))
    assert not (tmp_path / "tasks.csv").exists()
    runs = read_runs(tmp_path)
    assert list(runs.columns) == columns(PARAMS)
    assert list(runs["repetition"]) == [1, 2]
    assert runs["wall_s"].dtype == "float64"
    assert runs["wall_s"][0] == 0.123457
    assert runs["n"].dtype == "int64"
    assert runs["latency_ms"].isna().all()


def test_a_torn_last_line_is_dropped_and_cut_before_appending(tmp_path: Path) -> None:
    path = tmp_path / "runs.csv"
    with RunsWriter(tmp_path, PARAMS) as writer:
        writer.write(record(1, n=20))
    with path.open("a") as file:
        file.write("20260101T000000Z,t,fib/sy")  # a process killed mid-row
    assert len(read_runs(tmp_path)) == 1
    with RunsWriter(tmp_path, PARAMS) as writer:
        writer.write(record(2, n=20))
    assert list(read_runs(tmp_path)["repetition"]) == [1, 2]


def test_run_dirs_are_never_reused(tmp_path: Path) -> None:
    first = create_run_dir(tmp_path, "exp", "20260101T000000Z", None)
    second = create_run_dir(tmp_path, "exp", "20260101T000000Z", None)
    assert first[0] == "20260101T000000Z"
    assert second[0] == "20260101T000000Z-2"
    link_latest(second[1])
    assert (tmp_path / "exp" / "latest").resolve() == second[1].resolve()
    (second[1] / "runs.csv").write_text("x")
    with pytest.raises(ResultsError, match="not an empty directory"):
        create_run_dir(tmp_path, "exp", "x", second[1])


def test_task_timings_go_to_tasks_csv(tmp_path: Path) -> None:
    import pandas as pd

    with RunsWriter(tmp_path, PARAMS) as writer:
        writer.write(record(1, n=20), [(0.0, 0.05), (0.001, 0.052)])
    tasks = pd.read_csv(tmp_path / "tasks.csv")
    assert list(tasks.columns) == ["run_id", "cell", "workload", "model", "pool_size",
                                   "repetition", "task", "start_s", "latency_s"]
    assert list(tasks["task"]) == [0, 1]
    assert tasks["latency_s"].dtype == "float64"
