"""The run directory: its files' names, creating it, writing runs.csv row by row.

runs.csv is appended one row per finished run, written whole and fsynced, so a
crash loses at most the run in flight (hyperfine exports after each benchmark for
the same reason). Nothing here rewrites a row once written; ``readers`` reads them
back. A write that fails (a full disk, a file-size limit, an I/O error) is a
WriteError naming the file, and leaves no part of the failed rows behind.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import os
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from runner.errors import ResultsError, WriteError
from runner.results.failures import ERRORS, FailedRun, Failure
from runner.results.rows import TASK_COLUMNS, RunRecord, TaskTiming, columns

if TYPE_CHECKING:
    import pandas as pd

RUNS = "runs.csv"
SUMMARY = "summary.csv"
METADATA = "metadata.json"
INPUT = "experiment.yaml"
REPORT_MD = "report.md"
REPORT_HTML = "report.html"
TASKS = "tasks.csv"
SCALING = "scaling.csv"
PLOTS = "plots"
LATEST = "latest"


def new_run_id(now: datetime | None = None) -> str:
    """UTC time as ``YYYYmmddTHHMMSSZ``."""
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")


def create_run_dir(root: Path, name: str, run_id: str, out: Path | None) -> tuple[str, Path]:
    """Make the run's directory, never reusing a non-empty one.

    Default: ``root/name/run_id``, with ``-2``, ``-3``... appended when two runs
    start in the same second. ``out`` is used as given and must be empty.
    """
    target = out if out is not None else root / name
    try:
        return _create_run_dir(root, name, run_id, out)
    except OSError as error:
        if error.errno in _DEVICE_ERRORS:  # the disk, not the path the user chose
            raise WriteError(f"{target}: cannot create the run directory "
                             f"({_reason(error)})") from None
        raise ResultsError(f"{target}: cannot create the run directory ({_reason(error)}); "
                           "choose another --out or results folder") from None


def _create_run_dir(root: Path, name: str, run_id: str, out: Path | None) -> tuple[str, Path]:
    if out is not None:
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise ResultsError(f"{out}: exists and is not an empty directory; "
                               "choose another --out (results are never overwritten)")
        out.mkdir(parents=True, exist_ok=True)
        return run_id, out
    parent = root / name
    parent.mkdir(parents=True, exist_ok=True)
    candidate, suffix = run_id, 1
    while True:
        try:
            (parent / candidate).mkdir()
            return candidate, parent / candidate
        except FileExistsError:
            suffix += 1
            candidate = f"{run_id}-{suffix}"


#: Errors of the device rather than of the path: a full disk, a quota, a file-size
#: limit, a failing disk.
_DEVICE_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})


def _reason(error: OSError) -> str:
    if error.errno in (errno.ENOTDIR, errno.EEXIST):  # mkdir's words hide which part is wrong
        return "a part of the path is a file, not a directory"
    return error.strerror or str(error)


def link_latest(run_dir: Path) -> None:
    """Point ``<experiment dir>/latest`` at this run (atomically replaced)."""
    link = run_dir.parent / LATEST
    temporary = run_dir.parent / f".{LATEST}.{os.getpid()}"
    try:
        temporary.unlink(missing_ok=True)
        temporary.symlink_to(run_dir.name, target_is_directory=True)
        temporary.replace(link)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise ResultsError(f"{link}: cannot point it at {run_dir.name} "
                           f"({error.strerror or error}); remove or rename it") from None


class CsvAppender:
    """Appends rows to a CSV file as they arrive; each batch reaches the disk whole.

    The file (and its header) is created on the first rows, so a run that records
    no task latencies has no tasks.csv. A torn last line left by a killed
    process is cut before anything is appended. Rows go out in one unbuffered
    write and an fsync: a write that fails is cut back off, so the file ends
    with the last whole batch, and nothing is left in a buffer to fail again on close.
    A file whose header is the start of ``header`` (an older runexp's, from before
    the last columns were added) gets rows of its own width: a row longer than the
    header would no longer parse. Which files may be continued so is for the
    caller to check (``readers.check_appendable``).
    """

    def __init__(self, path: Path, header: Sequence[str]) -> None:
        self.path = path
        self.header = list(header)
        self._fd: int | None = None
        self._new = True
        self._width = len(self.header)

    def append(self, rows: Sequence[Sequence[Any]]) -> None:
        """Write ``rows`` (one or more) whole, or raise WriteError having written none."""
        if not rows:
            return
        try:
            if self._fd is None:
                self._open()
            assert self._fd is not None
            text = io.StringIO()
            csv.writer(text, lineterminator="\n").writerows(
                [self.header, *rows] if self._new else [row[:self._width] for row in rows])
            self._write(text.getvalue().encode("utf-8"))
            self._new = False
        except OSError as error:
            raise WriteError(f"{self.path}: cannot write ({error.strerror or error})") from None

    def _open(self) -> None:
        if self.path.is_file():  # not a device: /dev/full, say, would read forever
            _drop_torn_line(self.path)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            new = os.fstat(fd).st_size == 0
            width = len(self.header) if new else self._existing_width()
        except BaseException:
            os.close(fd)  # the next append opens it again, and refuses it again
            raise
        self._fd, self._new, self._width = fd, new, width

    def _existing_width(self) -> int:
        """The number of columns of the file's own header, where it is the start of ours."""
        with self.path.open(encoding="utf-8", errors="replace", newline="") as file:
            names = next(csv.reader([file.readline().removeprefix("\ufeff")]), [])
        if names != self.header[:len(names)] or not names:
            raise ResultsError(f"{self.path}:1: its columns are not those this run appends "
                               f"({', '.join(self.header)}); found {', '.join(names)}")
        return len(names)

    def _write(self, data: bytes) -> None:
        assert self._fd is not None
        write_whole(self._fd, data)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class LineAppender:
    """Appends lines of text (errors.jsonl's JSON objects) as CsvAppender appends rows:
    the file made on the first line, a torn last line cut, each line whole or not at all."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def append(self, line: str) -> None:
        try:
            if self._fd is None:
                if self.path.is_file():
                    _drop_torn_line(self.path)
                self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            write_whole(self._fd, (line + "\n").encode("utf-8"))
        except OSError as error:
            raise WriteError(f"{self.path}: cannot write ({error.strerror or error})") from None

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def write_whole(fd: int, data: bytes) -> None:
    """Append ``data`` and fsync, or raise having cut off what part of it was written."""
    size = os.fstat(fd).st_size
    try:
        view = memoryview(data)
        while view:  # a write may stop short where the disk or the size limit is reached
            view = view[os.write(fd, view):]
        os.fsync(fd)
    except OSError:
        with contextlib.suppress(OSError):  # a device cannot be cut: nothing to undo
            os.ftruncate(fd, size)
        raise


class RunsWriter:
    """runs.csv and tasks.csv of one run directory, written as runs finish."""

    def __init__(self, run_dir: Path, param_columns: Sequence[str]) -> None:
        self.param_columns = list(param_columns)
        self._runs = CsvAppender(run_dir / RUNS, columns(self.param_columns))
        self._tasks = CsvAppender(run_dir / TASKS, TASK_COLUMNS)
        self._errors = LineAppender(run_dir / ERRORS)

    def __enter__(self) -> RunsWriter:
        return self

    def write(self, record: RunRecord, timings: Sequence[TaskTiming] = (),
              failure: Failure | None = None) -> None:
        """One run's tasks' rows and its traceback (errors.jsonl), then its row.

        The row commits the run: a run is done once runs.csv holds it, so tasks
        written before a failure or a kill belong to the run in flight, and
        ``--resume`` cuts them off before it runs that run again (errors.jsonl's
        reader keeps a run's last line).
        """
        if failure is not None:
            self._errors.append(FailedRun(record.cell, record.repetition, record.status,
                                          failure).to_json())
        self._tasks.append([[record.run_id, record.cell, record.workload, record.model,
                             record.pool_size, record.repetition, index,
                             round(start_s, 6), round(latency_s, 6), worker]
                            for index, (start_s, latency_s, worker) in enumerate(timings)])
        self._runs.append([record.values(self.param_columns)])

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._runs.close()
        self._tasks.close()
        self._errors.close()


def _drop_torn_line(path: Path) -> None:
    """Cut a last line without its newline: the row being written when a process died."""
    with path.open("rb+") as file:
        data = file.read()
        if data and not data.endswith(b"\n"):
            file.truncate(data.rfind(b"\n") + 1)


def cut_lines(path: Path, first: int) -> None:
    """Cut ``path`` before its line number ``first`` (1-based): the rows of a run in flight."""
    try:
        with path.open("rb+") as file:
            data = file.read()
            at = 0
            for _ in range(first - 1):
                at = data.find(b"\n", at) + 1
                if not at:
                    return  # fewer lines than that: nothing to cut
            file.truncate(at)
    except OSError as error:
        raise WriteError(f"{path}: cannot write ({error.strerror or error})") from None


def write_text(path: Path, text: str) -> None:
    """A whole file of the run directory (experiment.yaml, report.md, report.html)."""
    _replace(path, lambda temporary: temporary.write_text(text, encoding="utf-8"))


def _replace(path: Path, write: Callable[[Path], object]) -> None:
    """Write through a temporary file: a reader, or a disk that fills, leaves the old
    file or the new one, never half of one."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        write(temporary)
        temporary.replace(path)
    except OSError as error:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise WriteError(f"{path}: cannot write ({error.strerror or error})") from None


def write_table(path: Path, frame: pd.DataFrame) -> None:
    """A derived table (summary.csv, scaling.csv) with 6 significant digits, whole floats
    written as ``10.0``, not ``10``: else a float column whose values all happen to be
    whole (a speedup of 1 everywhere, kappa 0) would read back as integers."""
    _replace(path, lambda temporary: frame.to_csv(temporary, index=False,
                                                  float_format=_float_text))


def _float_text(value: object) -> str:
    text = f"{value:.6g}"
    return text if any(mark in text for mark in ".en") else f"{text}.0"  # e: 1e+06, n: inf, nan
