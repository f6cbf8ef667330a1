"""Reading a run directory back: every malformed runs.csv is an error naming its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.errors import ResultsError
from runner.results.readers import read_done, read_runs, read_tasks, tasks_in_flight
from runner.results.rows import columns
from runner.results.rundir import RunsWriter
from tests.helpers import sample_record as record

PARAMS = ["tasks", "latency_ms", "n"]


def runs_csv(tmp_path: Path, rows: int = 2) -> Path:
    """A genuine runs.csv of ``rows`` runs; tests then spoil one thing in it."""
    with RunsWriter(tmp_path, PARAMS) as writer:
        for repetition in range(1, rows + 1):
            writer.write(record(repetition, n=20))
    return tmp_path / "runs.csv"


def spoil(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, count))


HEADER = ",".join(columns(PARAMS))


@pytest.mark.parametrize(("content", "expected"), [
    (b"a,b\n1,2\n", r"runs.csv:1: not a runexp runs.csv: expected the columns run_id, "
                    r"experiment, cell, workload, the parameter columns, model, .*; found a, b$"),
    (b"\x7fELF\x02\x01\x01\x00garbage", r"runs.csv: no complete line; expected a header line"),
    (HEADER.encode() + b"\n", r"runs.csv: a header but no runs"),
    (b"\x89PNG\r\n\x1a\n\xd0\xff\xfe\n", r"runs.csv:1: not UTF-8 text"),
    (HEADER.encode() + b"\n20260101T000000Z,t,\x00\n", r"runs.csv:2: a NUL byte"),
    (HEADER.replace("model,", "").encode() + b"\n", r"runs.csv:1: .*missing columns model"),
    (HEADER.replace("model,pool_size", "pool_size,model").encode() + b"\n",
     r"runs.csv:1: .*columns out of order: expected run_id, .* model, pool_size"),
    (HEADER.replace("latency_ms", "n").encode() + b"\n", r"runs.csv:1: .*column n appears twice"),
])
def test_read_runs_refuses_what_is_not_a_runs_csv(tmp_path: Path, content: bytes,
                                                    expected: str) -> None:
    (tmp_path / "runs.csv").write_bytes(content)
    with pytest.raises(ResultsError, match=expected) as caught:
        read_runs(tmp_path)
    assert str(tmp_path / "runs.csv") in str(caught.value)


@pytest.mark.parametrize(("old", "new", "expected"), [
    (",ok,0.123457,", ",ok,abc,", r"runs.csv:3: wall_s: expected a number or nothing, found 'abc'"),
    (",ok,", ",done,", r"runs.csv:3: status: expected one of ok, error, timeout, skipped, "
                       r"found 'done'"),
    (",sync,1,", ",sync,x,", r"runs.csv:3: pool_size: expected a whole number, found 'x'"),
    (",sync,1,", ",sync,1.5,", r"runs.csv:3: pool_size: expected a whole number, found '1.5'"),
    (",sync,1,", ",sync,,", r"runs.csv:3: pool_size: expected a whole number, found nothing"),
    ("fib/sync,", ",", r"runs.csv:3: cell: expected a value, found nothing"),
    ("cpython-3.11.7,", "cpython-3.11.7,,extra,", r"runs.csv: not a valid CSV file \(.*line 3"),
])
def test_read_runs_names_the_line_and_column_of_a_bad_value(tmp_path: Path, old: str, new: str,
                                                              expected: str) -> None:
    path = runs_csv(tmp_path)
    lines = path.read_text().splitlines(keepends=True)
    assert old in lines[2]
    path.write_text(lines[0] + lines[1] + lines[2].replace(old, new, 1))
    with pytest.raises(ResultsError, match=expected):
        read_runs(tmp_path)


@pytest.mark.parametrize("later", [1, 2], ids=["without others_cores", "without startup_s"])
def test_read_runs_casts_whole_numbers_and_keeps_older_files_without_later_columns(
        tmp_path: Path, later: int) -> None:
    path = runs_csv(tmp_path)
    lines = [line.rsplit(",", later)[0] + "\n" for line in path.read_text().splitlines()]
    path.write_text("".join(lines).replace(",sync,1,", ",sync,1.0,"))
    runs = read_runs(tmp_path)
    assert list(runs.columns) == columns(PARAMS)[:-later]
    assert runs["pool_size"].dtype == "int64"


def test_read_done_uses_the_same_checks_and_allows_a_header_alone(tmp_path: Path) -> None:
    path = runs_csv(tmp_path)
    assert read_done(tmp_path) == {("fib/sync", 1), ("fib/sync", 2)}
    path.write_text(HEADER + "\n")
    assert read_done(tmp_path) == set()  # killed before its first row was whole
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ResultsError, match=r"not a runexp runs\.csv"):
        read_done(tmp_path)


def test_tasks_may_be_empty_but_not_text_and_a_stray_column_is_named(tmp_path: Path) -> None:
    path = runs_csv(tmp_path)
    spoil(path, ",3,24.3,", ",,24.3,")  # tasks: a run that counted no units of work
    assert read_runs(tmp_path)["tasks"].isna().sum() == 1
    spoil(path, ",,24.3,", ",many,24.3,")
    with pytest.raises(ResultsError, match=r"runs.csv:2: tasks: expected a whole number or "
                                           r"nothing, found 'many'"):
        read_runs(tmp_path)
    path.write_text(HEADER + ",extra\n")
    with pytest.raises(ResultsError, match=r"runs.csv:1: .*unexpected column extra after model"):
        read_runs(tmp_path)


def test_a_runs_csv_saved_by_a_spreadsheet_with_a_bom_and_crlf_is_read(tmp_path: Path) -> None:
    path = runs_csv(tmp_path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    assert list(read_runs(tmp_path)["repetition"]) == [1, 2]


@pytest.mark.parametrize(("content", "done"), [
    (b"", set()),  # created, then killed before the header was written
    (b"run_id,experiment,ce", set()),  # killed while writing the header
])
def test_resume_accepts_a_runs_csv_killed_before_its_header_was_whole(
        tmp_path: Path, content: bytes, done: set[tuple[str, int]]) -> None:
    (tmp_path / "runs.csv").write_bytes(content)
    assert read_done(tmp_path) == done


def test_resume_refuses_a_single_line_that_is_no_torn_header(tmp_path: Path) -> None:
    (tmp_path / "runs.csv").write_bytes(b"my notes about this run, unsaved")
    with pytest.raises(ResultsError, match=r"runs.csv: no complete line; expected a header"):
        read_done(tmp_path)


def test_whole_numbers_past_int64_are_refused_not_wrapped(tmp_path: Path) -> None:
    path = runs_csv(tmp_path)
    spoil(path, ",sync,1,", ",sync,99999999999999999999,")
    with pytest.raises(ResultsError, match=r"runs.csv:2: pool_size: expected a whole number"):
        read_runs(tmp_path)


def test_tasks_of_the_run_in_flight_are_dropped_but_not_those_of_a_missing_run(
        tmp_path: Path) -> None:
    with RunsWriter(tmp_path, PARAMS) as writer:
        writer.write(record(1, n=20), [(0.0, 0.01, "main"), (0.01, 0.01, "main")])
        writer.write(record(2, n=20), [(0.0, 0.01, "main"), (0.01, 0.01, "main")])
    runs = tmp_path / "runs.csv"
    lines = runs.read_text().splitlines(keepends=True)
    runs.write_text("".join(lines[:2]))  # repetition 2's row never reached the disk
    tasks = read_tasks(tmp_path, read_done(tmp_path))
    assert tasks is not None and list(tasks["repetition"]) == [1, 1]
    assert tasks_in_flight(tmp_path, read_done(tmp_path)) == 4
    runs.write_text(lines[0] + lines[2])  # now repetition 1 is missing: not the last run
    with pytest.raises(ResultsError, match=r"tasks.csv:2: a task of fib/sync repetition 1, "
                                           r"a run runs.csv does not hold"):
        read_tasks(tmp_path, read_done(tmp_path))


def test_an_older_tasks_csv_without_the_worker_column_still_reads(tmp_path: Path) -> None:
    with RunsWriter(tmp_path, PARAMS) as writer:
        writer.write(record(1, n=20))
    (tmp_path / "tasks.csv").write_text(
        "run_id,cell,workload,model,pool_size,repetition,task,start_s,latency_s\n"
        "20260101T000000Z,fib/sync,fib,sync,1,1,0,0.0,0.01\n")
    tasks = read_tasks(tmp_path)
    assert tasks is not None
    assert tasks["worker"].isna().all() and tasks["latency_s"].tolist() == [0.01]
