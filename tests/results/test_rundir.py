from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from runner.errors import ResultsError, WriteError
from runner.results.metadata import write_metadata
from runner.results.readers import read_runs
from runner.results.rows import columns
from runner.results.rundir import RunsWriter, create_run_dir, link_latest
from tests.helpers import sample_metadata
from tests.helpers import sample_record as record

PARAMS = ["tasks", "latency_ms", "n"]


def test_columns_follow_the_design_order() -> None:
    assert columns(PARAMS) == [
        "run_id", "experiment", "cell", "workload", "latency_ms", "n", "model", "pool_size",
        "repetition", "status", "wall_s", "cpu_s", "max_rss_mb", "tasks", "throughput_per_s",
        "error", "started_at", "host", "python", "startup_s", "others_cores",
    ]


def test_rows_appended_to_an_older_file_keep_its_columns(tmp_path: Path) -> None:
    """A runs.csv of a runexp from before startup_s and others_cores takes rows without
    them: a row longer than its header would no longer parse."""
    path = tmp_path / "runs.csv"
    old = columns(PARAMS)[:-2]
    path.write_text(",".join(old) + "\n")
    with RunsWriter(tmp_path, PARAMS) as writer:
        writer.write(replace(record(1, n=20), startup_s=0.01, others_cores=1.5))
    assert path.read_text().splitlines()[0] == ",".join(old)
    runs = read_runs(tmp_path)
    assert list(runs.columns) == old and runs["repetition"].tolist() == [1]


def test_rows_are_not_appended_under_another_header(tmp_path: Path) -> None:
    path = tmp_path / "runs.csv"
    path.write_text("run_id,something,else\n")
    with RunsWriter(tmp_path, PARAMS) as writer:
        for _ in range(2):  # and again: a first refusal leaves nothing open to write to
            with pytest.raises(ResultsError,
                               match=r"runs.csv:1: its columns are not those this run appends"):
                writer.write(record(1, n=20))
    assert path.read_text() == "run_id,something,else\n"


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
        writer.write(record(1, n=20), [(0.0, 0.05, "main"), (0.001, 0.052, "main")])
    tasks = pd.read_csv(tmp_path / "tasks.csv")
    assert list(tasks.columns) == ["run_id", "cell", "workload", "model", "pool_size",
                                   "repetition", "task", "start_s", "latency_s", "worker"]
    assert list(tasks["task"]) == [0, 1]
    assert list(tasks["worker"]) == ["main", "main"]
    assert tasks["latency_s"].dtype == "float64"


def test_a_results_folder_under_a_regular_file_is_a_results_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(ResultsError, match=r"file/run: cannot create the run directory"):
        create_run_dir(tmp_path, "exp", "r", tmp_path / "file" / "run")
    with pytest.raises(ResultsError, match=r"file/exp: cannot create the run directory"):
        create_run_dir(tmp_path / "file", "exp", "r", None)


def test_latest_that_cannot_be_replaced_is_a_results_error(tmp_path: Path) -> None:
    _, run_dir = create_run_dir(tmp_path, "exp", "r", None)
    (tmp_path / "exp" / "latest" / "keep").mkdir(parents=True)  # a real folder, not our link
    with pytest.raises(ResultsError, match=r"exp/latest: cannot point it at r"):
        link_latest(run_dir)
    assert [p.name for p in (tmp_path / "exp").iterdir() if p.name.startswith(".")] == []


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_is_a_write_error_and_the_run_keeps_no_half_of_its_rows(
        tmp_path: Path) -> None:
    (tmp_path / "tasks.csv").symlink_to("/dev/full")  # every write: ENOSPC
    with RunsWriter(tmp_path, PARAMS) as writer, pytest.raises(
            WriteError, match=r"tasks.csv: cannot write \(No space left on device\)"):
        writer.write(record(1, n=20), [(0.0, 0.05, "main")])
    assert not (tmp_path / "runs.csv").exists()  # its row comes after its tasks


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_metadata_that_cannot_be_written_is_a_write_error(tmp_path: Path) -> None:
    (tmp_path / ".metadata.json.tmp").symlink_to("/dev/full")
    with pytest.raises(WriteError, match=r"metadata.json: cannot write \(No space left"):
        write_metadata(tmp_path / "metadata.json", sample_metadata())
    assert not (tmp_path / "metadata.json").exists()
