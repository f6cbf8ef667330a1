"""errors.jsonl: a failed run's exception kept whole, with the frames of the user's code."""

from __future__ import annotations

import json
import sysconfig
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

from runner.results.failures import (
    ERRORS,
    FailedRun,
    Failure,
    Frame,
    first_per_cell,
    read_failures,
    user_frames,
)
from runner.results.rows import Status
from runner.results.rundir import RunsWriter
from tests.helpers import ROOT
from tests.helpers import sample_record as record


def _inner(value: int) -> int:
    raise ValueError(f"boom at {value}")


def _outer(value: int) -> int:
    return _inner(value) + 1


def _caught(call: object, *args: object) -> BaseException:
    try:
        call(*args)  # type: ignore[operator]
    except Exception as error:
        return error
    raise AssertionError("it did not raise")


def test_a_failure_keeps_type_message_and_the_users_frames_outermost_first() -> None:
    failure = Failure.of(_caught(_outer, 3))
    assert (failure.type, failure.message) == ("ValueError", "boom at 3")
    assert failure.headline() == "ValueError: boom at 3"
    here = str(Path(__file__))
    assert [(f.file, f.function) for f in failure.frames] == [
        (here, "_caught"), (here, "_outer"), (here, "_inner")]
    assert failure.frames[-1].code == 'raise ValueError(f"boom at {value}")'
    assert failure.where == f"{here}:{failure.frames[-1].line}"
    assert "Traceback (most recent call last)" in failure.traceback


def test_a_pool_process_exception_keeps_the_frames_it_raised_in() -> None:
    """concurrent.futures sends the worker's traceback as text, chained as the cause."""
    with ProcessPoolExecutor(1) as pool:
        error = _caught(lambda: pool.submit(_outer, 5).result())
    failure = Failure.of(error)
    assert failure.message == "boom at 5"
    functions = [frame.function for frame in failure.frames]
    assert functions[-2:] == ["_outer", "_inner"]  # the frames of the pool process
    assert not any("concurrent" in frame.file for frame in failure.frames)


def test_runexps_own_and_the_standard_librarys_frames_are_not_the_users() -> None:
    stdlib = sysconfig.get_paths()["stdlib"]
    mine = Frame("/home/me/work/parse.py", 12, "parse", "return json.loads(text)")
    frames = [Frame(f"{stdlib}/concurrent/futures/process.py", 246, "_process_worker"),
              Frame("<frozen runpy>", 88, "_run_code"), mine,
              Frame(str(ROOT / "runner" / "models" / "sync.py"), 18, "run")]
    assert user_frames(frames) == (mine,)
    # where the user has no frame (runexp's own workload failed), runexp's say where
    assert user_frames(frames[-1:]) == tuple(frames[-1:])


def test_errors_jsonl_is_written_beside_the_row_and_read_back(tmp_path: Path) -> None:
    failure = Failure.of(_caught(_outer, 1))
    with RunsWriter(tmp_path, ["n"]) as writer:
        writer.write(replace(record(1, n=20), status=Status.ERROR), (), failure)
        writer.write(record(2, n=20))  # no failure: no line
    lines = (tmp_path / ERRORS).read_text().splitlines()
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert (data["repetition"], data["type"], data["message"]) == (1, "ValueError", "boom at 1")
    [back] = read_failures(tmp_path / ERRORS)
    assert back.failure == failure


def test_the_reader_keeps_a_runs_last_line_and_skips_what_does_not_parse(
        tmp_path: Path) -> None:
    first = FailedRun("a/sync", 1, "error", Failure("KeyError", "'x'"))
    again = FailedRun("a/sync", 1, "error", Failure("KeyError", "'y'"))
    other = FailedRun("a/threads/p2", 2, "error", Failure("OSError", "gone"))
    (tmp_path / ERRORS).write_text("\n".join([first.to_json(), "not json", again.to_json(),
                                              '{"cell": "no failure"}', other.to_json(),
                                              '{"cell": "torn', ""]))
    assert read_failures(tmp_path / ERRORS) == [again, other]
    assert read_failures(tmp_path / "missing.jsonl") == []


def test_the_first_failure_of_each_cell() -> None:
    runs = [FailedRun("a", 2, "error", Failure("E", "2")), FailedRun("b", 1, "error",
                                                                     Failure("E", "b")),
            FailedRun("a", 1, "error", Failure("E", "1"))]
    assert [(r.cell, r.repetition) for r in first_per_cell(runs)] == [("a", 1), ("b", 1)]


@pytest.mark.parametrize("text", [b"\xff\xfe garbage", b""])
def test_an_unreadable_errors_file_loses_only_the_tracebacks(tmp_path: Path,
                                                             text: bytes) -> None:
    (tmp_path / ERRORS).write_bytes(text)
    assert read_failures(tmp_path / ERRORS) == []
