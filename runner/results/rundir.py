"""The run directory: creating it, writing runs.csv row by row, reading it back.

runs.csv is appended one row per finished run, flushed and fsynced, so a crash
loses at most the run in flight (hyperfine exports after each benchmark for the
same reason). Nothing here rewrites a row once written.
"""

from __future__ import annotations

import csv
import io
import json
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
PLOTS = "plots"
LATEST = "latest"


def new_run_id(now: datetime | None = None) -> str:
    """UTC time as ``YYYYmmddTHHMMSSZ`` (DESIGN §5)."""
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")


def create_run_dir(root: Path, name: str, run_id: str, out: Path | None) -> tuple[str, Path]:
    """Make the run's directory, never reusing a non-empty one.

    Default: ``root/name/run_id``, with ``-2``, ``-3``... appended when two runs
    start in the same second. ``out`` is used as given and must be empty.
    """
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


def link_latest(run_dir: Path) -> None:
    """Point ``<experiment dir>/latest`` at this run (atomically replaced)."""
    link = run_dir.parent / LATEST
    temporary = run_dir.parent / f".{LATEST}.{os.getpid()}"
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(run_dir.name, target_is_directory=True)
    temporary.replace(link)


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


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write JSON atomically: a reader sees the old file or the new one, never half."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    temporary.replace(path)


def read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultsError(f"{path}: missing; is this a runexp run directory?") from None
    except (OSError, ValueError) as error:
        raise ResultsError(f"{path}: unreadable ({error})") from None


def _complete_lines(path: Path) -> list[str]:
    """A CSV file's lines, without a torn last one."""
    if not path.is_file():
        raise ResultsError(f"{path}: missing; is this a runexp run directory?")
    with path.open(encoding="utf-8", newline="") as file:
        lines = file.readlines()
    if lines and not lines[-1].endswith("\n"):
        lines.pop()  # the row in flight when the process died
    return lines


def read_done(run_dir: Path) -> set[tuple[str, int]]:
    """The (cell, repetition) pairs runs.csv already holds, whatever their status."""
    rows = csv.DictReader(_complete_lines(run_dir / RUNS))
    return {(row["cell"], int(row["repetition"])) for row in rows}


def read_runs(run_dir: Path) -> pd.DataFrame:
    """runs.csv as a DataFrame; only a torn last line (a crash mid-write) is dropped."""
    import pandas as pd

    lines = _complete_lines(run_dir / RUNS)
    if not lines:
        raise ResultsError(f"{run_dir / RUNS}: empty (no header)")
    return pd.read_csv(io.StringIO("".join(lines)))


def read_tasks(run_dir: Path) -> pd.DataFrame | None:
    """tasks.csv as a DataFrame, or None where no task latencies were recorded."""
    import pandas as pd

    path = run_dir / TASKS
    if not path.is_file():
        return None
    lines = _complete_lines(path)
    return pd.read_csv(io.StringIO("".join(lines))) if len(lines) > 1 else None
