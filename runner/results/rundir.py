"""The run directory: its files' names, creating it, writing runs.csv row by row.

runs.csv is appended one row per finished run, flushed and fsynced, so a crash
loses at most the run in flight (hyperfine exports after each benchmark for the
same reason). Nothing here rewrites a row once written; ``readers`` reads them back.
"""

from __future__ import annotations

import csv
import errno
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any

from runner.errors import ResultsError
from runner.results.rows import TASK_COLUMNS, RunRecord, columns

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
    """Appends rows to a CSV file as they arrive; each row reaches the disk at once.

    The file (and its header) is created on the first row, so a run that records
    no task latencies has no tasks.csv. A torn last line left by a killed
    process is cut before anything is appended.
    """

    def __init__(self, path: Path, header: Sequence[str]) -> None:
        self.path = path
        self.header = list(header)
        self._file: IO[str] | None = None

    def append(self, row: Sequence[Any]) -> None:
        if self._file is None:
            self._open()
        self._writer.writerow(row)
        self._sync()

    def _open(self) -> None:
        _drop_torn_line(self.path)
        new = not self.path.exists() or self.path.stat().st_size == 0
        self._file = self.path.open("a", newline="", encoding="utf-8")
        self._writer = csv.writer(self._file, lineterminator="\n")
        if new:
            self._writer.writerow(self.header)

    def _sync(self) -> None:
        assert self._file is not None
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class RunsWriter:
    """runs.csv and tasks.csv of one run directory, written as runs finish."""

    def __init__(self, run_dir: Path, param_columns: Sequence[str]) -> None:
        self.param_columns = list(param_columns)
        self._runs = CsvAppender(run_dir / RUNS, columns(self.param_columns))
        self._tasks = CsvAppender(run_dir / TASKS, TASK_COLUMNS)

    def __enter__(self) -> RunsWriter:
        return self

    def write(self, record: RunRecord, timings: Sequence[tuple[float, float]] = ()) -> None:
        """One run's row, then its tasks' rows (so a run's tasks never outlive its row)."""
        self._runs.append(record.values(self.param_columns))
        for index, (start_s, latency_s) in enumerate(timings):
            self._tasks.append([record.run_id, record.cell, record.workload, record.model,
                                record.pool_size, record.repetition, index,
                                round(start_s, 6), round(latency_s, 6)])

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._runs.close()
        self._tasks.close()


def _drop_torn_line(path: Path) -> None:
    """Cut a last line without its newline: the row being written when a process died."""
    if not path.exists():
        return
    with path.open("rb+") as file:
        data = file.read()
        if data and not data.endswith(b"\n"):
            file.truncate(data.rfind(b"\n") + 1)


def write_table(path: Path, frame: pd.DataFrame) -> None:
    """A derived table (summary.csv, scaling.csv) with 6 significant digits, whole floats
    written as ``10.0``, not ``10``: else a float column whose values all happen to be
    whole (a speedup of 1 everywhere, kappa 0) would read back as integers."""
    frame.to_csv(path, index=False, float_format=_float_text)


def _float_text(value: object) -> str:
    text = f"{value:.6g}"
    return text if any(mark in text for mark in ".en") else f"{text}.0"  # e: 1e+06, n: inf, nan
