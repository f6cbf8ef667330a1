"""A CSV file of a run directory checked as text and as typed columns, naming the line.

The building blocks of ``readers``: what runexp writes is UTF-8 text, whole lines,
numbers where numbers belong; anything else is a ResultsError that says the file,
the line, the column and what was expected.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runner.errors import ResultsError

if TYPE_CHECKING:
    import pandas as pd

#: Whole numbers beyond this are not exact in the float64 a column may pass through.
_LARGEST_WHOLE = 2**53
_BOM = b"\xef\xbb\xbf"  # what a spreadsheet puts first when it saves UTF-8 CSV


def file_problem(path: Path) -> str | None:
    """Why ``path`` is no file runexp could have written, or None."""
    if path.is_file():
        return None
    if path.is_dir():
        return "a directory, not a file"
    if path.exists():
        return "not a regular file"  # a FIFO or a device: reading it may never end
    return "missing; is this a runexp run directory?"


def complete_text(path: Path, header_start: str, contract: str) -> str:
    """A CSV file's text without a torn last line (the row in flight when a process died).

    A file with no complete line is accepted only where what it holds could be
    the start of its header (a process killed while creating it).
    """
    if problem := file_problem(path):
        raise ResultsError(f"{path}: {problem}")
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ResultsError(f"{path}: unreadable ({error.strerror or error})") from None
    raw = raw.removeprefix(_BOM)
    cut = raw.rfind(b"\n") + 1
    raw, torn = raw[:cut], raw[cut:]
    start = header_start.encode()
    if not raw and torn and not (start.startswith(torn) or torn.startswith(start)):
        raise ResultsError(f"{path}: no complete line; expected a header line of {contract}")
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


def header(text: str) -> list[str]:
    return next(csv.reader(io.StringIO(text)), [])


def parse(path: Path, text: str) -> pd.DataFrame:
    import pandas as pd

    try:
        return pd.read_csv(io.StringIO(text))
    except (pd.errors.ParserError, ValueError) as error:
        reason = " ".join(str(error).split())
        raise ResultsError(f"{path}: not a valid CSV file ({reason})") from None


def check_values(path: Path, text: str, frame: pd.DataFrame, *, ints: Sequence[str],
                 floats: Sequence[str], maybe_ints: Sequence[str] = (),
                 at_least: Mapping[str, int] | None = None) -> None:
    """Give numeric columns their dtypes, or name the first value that is no number.

    ``maybe_ints`` may be empty in places; such a column stays float64 then, as
    pandas reads it. ``at_least`` bounds columns from below (floats must also be
    finite there); a column absent from the file is not checked.
    """
    import pandas as pd

    bounds = at_least or {}
    for name in (n for n in (*ints, *maybe_ints) if n in frame.columns):
        values = _no_bools(frame[name])
        numbers = pd.to_numeric(values, errors="coerce").astype("float64")
        bad = numbers.isna() | (numbers % 1).fillna(0).ne(0) | numbers.abs().gt(_LARGEST_WHOLE)
        if name not in ints:  # empty is allowed there
            bad &= values.notna()
        if bad.any():
            expected = "a whole number" + ("" if name in ints else " or nothing")
            raise bad_value(path, text, first(bad), name, expected)
        if name in bounds and (low := numbers.lt(bounds[name])).any():
            expected = f"a whole number ≥ {bounds[name]}" + ("" if name in ints else
                                                              " or nothing")
            raise bad_value(path, text, first(low), name, expected)
        frame[name] = numbers.astype("float64" if numbers.isna().any() else "int64")
    for name in (n for n in floats if n in frame.columns):
        values = _no_bools(frame[name])
        numbers = pd.to_numeric(values, errors="coerce").astype("float64")
        if (bad := numbers.isna() & values.notna()).any():
            raise bad_value(path, text, first(bad), name, "a number or nothing")
        if name in bounds:
            low = numbers.lt(bounds[name]) | numbers.map(math.isinf)
            if low.any():
                raise bad_value(path, text, first(low), name,
                                f"a number ≥ {bounds[name]} or nothing")
        frame[name] = numbers


def _no_bools(values: pd.Series[Any]) -> pd.Series[Any]:
    """A column pandas read as True/False holds no numbers (to_numeric would make them 1/0)."""
    from pandas.api import types

    return values.astype(str) if types.is_bool_dtype(values) else values


def first(mask: pd.Series[bool]) -> int:
    """The position of the first true value."""
    return int(mask.to_numpy().argmax())


def row_line(text: str, index: int) -> int:
    """The line where row ``index`` of the frame starts, found by the csv module (a quoted
    field may span lines, so row and line numbers can differ)."""
    return _row(text, index)[0]


def _row(text: str, index: int) -> tuple[int, list[str]]:
    reader = csv.reader(io.StringIO(text))
    next(reader, None)
    start, rows = reader.line_num + 1, 0
    for row in reader:
        if row:  # pandas skips blank lines too
            if rows == index:
                return start, row
            rows += 1
        start = reader.line_num + 1
    return start, []


def bad_value(path: Path, text: str, index: int, column: str, expected: str) -> ResultsError:
    """The error for row ``index`` of the frame, at its line in the file."""
    start, row = _row(text, index)
    position = header(text).index(column)
    found = row[position] if position < len(row) else ""
    shown = repr(found) if found else "nothing"
    return ResultsError(f"{path}:{start}: {column}: expected {expected}, found {shown}")


def refuse_duplicates(path: Path, text: str, frame: pd.DataFrame, keys: Sequence[str],
                      describe: Callable[[Sequence[Any]], str]) -> None:
    """runexp writes each key once: a second row with the same key is named with both lines."""
    twice = frame.duplicated(list(keys))
    if not twice.any():
        return
    at = first(twice)
    key = tuple(frame[name].iloc[at] for name in keys)
    same = frame[list(keys)].apply(tuple, axis=1) == key
    raise ResultsError(f"{path}:{row_line(text, at)}: {describe(key)} appears twice "
                       f"(first on line {row_line(text, first(same))})")
