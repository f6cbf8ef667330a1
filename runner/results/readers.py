"""Reading a run directory back, checked against the format runexp writes.

Every reader checks what it reads (header, numbers, status values) and raises
ResultsError naming the file, the line and what was expected: report, compare,
--resume and ``runner.load`` may be pointed at any folder, and a pandas
traceback tells the user nothing.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from runner.errors import ResultsError
from runner.results.rows import CORE_COLUMNS, TASK_COLUMNS, RunRecord, Status
from runner.results.rundir import INPUT, METADATA, RUNS, TASKS

if TYPE_CHECKING:
    import pandas as pd


def check_run_dir(run_dir: Path) -> None:
    """Refuse, before anything is read or written, a folder that is no run directory."""
    if not run_dir.is_dir():
        raise ResultsError(f"{run_dir}: {'not a directory' if run_dir.exists() else 'missing'}; "
                           "expected a run directory (or results/<name>/latest)")
    for name in (INPUT, METADATA, RUNS):
        if not (run_dir / name).is_file():
            raise ResultsError(f"{run_dir / name}: missing; is this a runexp run directory?")


#: Where runs.csv holds numbers: whole numbers always, measurements where a run
#: produced them. Read from RunRecord so the types are spelled once.
_HINTS = typing.get_type_hints(RunRecord)
_INT_COLUMNS = tuple(name for name in CORE_COLUMNS if _HINTS[name] is int)
_MAYBE_INT_COLUMNS = tuple(name for name in CORE_COLUMNS if _HINTS[name] == int | None)
_FLOAT_COLUMNS = tuple(name for name in CORE_COLUMNS if _HINTS[name] == float | None)
#: Columns RunRecord gained after the first format (they have defaults): older
#: files end without them and are still read.
_LATER_COLUMNS = tuple(f.name for f in dataclasses.fields(RunRecord)
                       if f.default is not dataclasses.MISSING)
_PARAMS_AFTER = "workload"  # parameter columns sit between this column and the next core one
_HEAD = CORE_COLUMNS[:CORE_COLUMNS.index(_PARAMS_AFTER) + 1]
_TAIL = CORE_COLUMNS[len(_HEAD):]
_CONTRACT = f"{', '.join(_HEAD)}, the parameter columns, {', '.join(_TAIL)}"
_STATUSES = [status.value for status in Status]


def _complete_text(path: Path) -> str:
    """A CSV file's text without a torn last line (the row in flight when a process died)."""
    if not path.is_file():
        raise ResultsError(f"{path}: missing; is this a runexp run directory?")
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ResultsError(f"{path}: unreadable ({error.strerror or error})") from None
    raw = raw[:raw.rfind(b"\n") + 1]
    if (nul := raw.find(b"\0")) >= 0:
        raise ResultsError(f"{path}:{_line_at(raw, nul)}: a NUL byte; expected the UTF-8 CSV "
                           "text runexp writes")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ResultsError(f"{path}:{_line_at(raw, error.start)}: not UTF-8 text "
                           f"(byte 0x{raw[error.start]:02x}); expected the CSV text runexp "
                           "writes") from None


def _line_at(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1


def _check_runs_header(path: Path, header: list[str]) -> None:
    def fail(problem: str) -> ResultsError:
        return ResultsError(f"{path}:1: not a runexp runs.csv: {problem}")

    required = [name for name in CORE_COLUMNS if name not in _LATER_COLUMNS]
    if missing := [name for name in required if name not in header]:
        if len(missing) > len(required) // 2:  # another CSV altogether: say what it holds
            raise fail(f"expected the columns {_CONTRACT}; found {', '.join(header)}")
        raise fail(f"missing columns {', '.join(missing)} (expected {_CONTRACT})")
    if "" in header:
        raise fail(f"column {header.index('') + 1} has no name")
    if twice := sorted({name for name in header if header.count(name) > 1}):
        raise fail(f"column {twice[0]} appears twice")
    tail = header[header.index(_TAIL[0]):]
    if stray := [name for name in tail if name not in _TAIL]:
        raise fail(f"unexpected column {stray[0]} after {_TAIL[0]} (parameter columns go "
                   f"between {_PARAMS_AFTER} and {_TAIL[0]}; expected {_CONTRACT})")
    if (tuple(header[:len(_HEAD)]) != _HEAD or tuple(tail) != _TAIL[:len(tail)]
            or len(tail) < len(_TAIL) - len(_LATER_COLUMNS)):
        raise fail(f"columns out of order: expected {_CONTRACT}; found {', '.join(header)}")


def _parse(path: Path, text: str) -> pd.DataFrame:
    import pandas as pd

    try:
        return pd.read_csv(io.StringIO(text))
    except (pd.errors.ParserError, ValueError) as error:
        reason = " ".join(str(error).split())
        raise ResultsError(f"{path}: not a valid CSV file ({reason})") from None


def _check_values(path: Path, text: str, frame: pd.DataFrame, *, ints: Sequence[str],
                  floats: Sequence[str], maybe_ints: Sequence[str] = ()) -> None:
    """Give numeric columns their dtypes, or name the first value that is no number.

    ``maybe_ints`` may be empty in places; such a column stays float64 then, as
    pandas reads it.
    """
    import pandas as pd
    from pandas.api import types

    for name in (*ints, *maybe_ints):
        values = frame[name]
        if not types.is_integer_dtype(values):
            numbers = pd.to_numeric(values, errors="coerce")
            bad = (numbers.isna() if name in ints else numbers.isna() & values.notna())
            bad |= (numbers % 1).fillna(0) != 0
            if bad.any():
                expected = "a whole number" + ("" if name in ints else " or nothing")
                raise _bad_value(path, text, int(bad.to_numpy().argmax()), name, expected)
            frame[name] = numbers.astype("float64" if numbers.isna().any() else "int64")
    for name in (n for n in floats if n in frame.columns):
        values = frame[name]
        if types.is_bool_dtype(values) or not types.is_numeric_dtype(values):
            numbers = pd.to_numeric(values, errors="coerce")
            bad = numbers.isna() & values.notna()
            if bad.any():
                raise _bad_value(path, text, int(bad.to_numpy().argmax()), name,
                                 "a number or nothing")
            values = numbers
        frame[name] = values.astype("float64")


def _bad_value(path: Path, text: str, index: int, column: str, expected: str
               ) -> ResultsError:
    """The error for row ``index`` of the frame, located in the file by the csv module
    (a quoted field may span lines, so row and line numbers can differ)."""
    reader = csv.reader(io.StringIO(text))
    position = next(reader).index(column)
    start, found = reader.line_num + 1, ""
    rows = 0
    for row in reader:
        if row:  # pandas skips blank lines too
            if rows == index:
                found = row[position] if position < len(row) else ""
                break
            rows += 1
        start = reader.line_num + 1
    shown = repr(found) if found else "nothing"
    return ResultsError(f"{path}:{start}: {column}: expected {expected}, found {shown}")


def _runs_frame(path: Path, text: str) -> pd.DataFrame:
    """runs.csv's rows (possibly none), checked against the format runexp writes."""
    _check_runs_header(path, next(csv.reader(io.StringIO(text))))
    runs = _parse(path, text)
    _check_values(path, text, runs, ints=_INT_COLUMNS, floats=_FLOAT_COLUMNS,
                  maybe_ints=_MAYBE_INT_COLUMNS)
    for name in ("cell", "workload", "model"):
        if (empty := runs[name].isna()).any():
            raise _bad_value(path, text, int(empty.to_numpy().argmax()), name, "a value")
    if (bad := ~runs["status"].isin(_STATUSES)).any():
        raise _bad_value(path, text, int(bad.to_numpy().argmax()), "status",
                         f"one of {', '.join(_STATUSES)}")
    return runs


def read_done(run_dir: Path) -> set[tuple[str, int]]:
    """The (cell, repetition) pairs runs.csv already holds, whatever their status.

    A file with no complete row yet (a run killed during its first) holds none.
    """
    path = run_dir / RUNS
    text = _complete_text(path)
    if not text.strip():
        return set()
    runs = _runs_frame(path, text)
    return set(zip(runs["cell"].tolist(), runs["repetition"].tolist(), strict=True))


def read_runs(run_dir: Path) -> pd.DataFrame:
    """runs.csv as a DataFrame; only a torn last line (a crash mid-write) is dropped."""
    path = run_dir / RUNS
    text = _complete_text(path)
    if not text.strip():
        if path.stat().st_size:
            raise ResultsError(f"{path}: no complete line; expected a header line of the "
                               f"columns {_CONTRACT}")
        raise ResultsError(f"{path}: empty (no header)")
    runs = _runs_frame(path, text)
    if runs.empty:
        raise ResultsError(f"{path}: a header but no runs; expected one row per run")
    return runs


def read_tasks(run_dir: Path) -> pd.DataFrame | None:
    """tasks.csv as a DataFrame, or None where no task latencies were recorded."""
    path = run_dir / TASKS
    if not path.is_file():
        return None
    text = _complete_text(path)
    if text.count("\n") < 2:
        return None
    header = next(csv.reader(io.StringIO(text)))
    if tuple(header) != TASK_COLUMNS:
        raise ResultsError(f"{path}:1: not a runexp tasks.csv: expected the columns "
                           f"{', '.join(TASK_COLUMNS)}; found {', '.join(header)}")
    tasks = _parse(path, text)
    _check_values(path, text, tasks, ints=("pool_size", "repetition", "task"),
                  floats=("start_s", "latency_s"))
    return tasks
