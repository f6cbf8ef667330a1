"""Property: whatever was done to a run directory, report, compare, resume and load answer
0, 1 or 2, never a traceback, and a command that refuses a directory (exit 2) leaves
it byte for byte as it was.

Each example damages a copy of the real run in tests/bad_rundirs/good/ in one to
three ways (truncate, flip or insert bytes, drop, swap or edit columns, duplicate or
delete rows, delete files, retype metadata fields), with a fixed seed, and runs the
commands in-process through the real CLI. `report` runs where `resume` failed: a
resume that succeeds has rebuilt the reports with the same code already.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
import warnings
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import runner
from runner.cli.app import app
from runner.errors import RunDirWarning, RunexpError
from tests.results.test_bad_rundirs import GOOD, snapshot

FILES = ("runs.csv", "tasks.csv", "summary.csv", "metadata.json", "experiment.yaml")
CSVS = ("runs.csv", "tasks.csv", "summary.csv")
ACTIONS = ("truncate", "flip", "insert", "drop_column", "swap_columns", "edit_field",
           "duplicate_row", "delete_row", "delete_file", "retype_metadata")
VALUES = ["", "-1", "0", "nan", "inf", "1e400", "x", "ok", "error", "skipped", "2",
          "99999999999999999999", "sleep/sync", "True", "\"", "a,b"]
JSON_VALUES: list[object] = [None, [], {}, "x", -1, 1.5, True, 10**30]
HOSTILE = settings(max_examples=25, derandomize=True, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow])
cli = CliRunner()


def rows_of(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8", "replace"))))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    path.write_text(text.getvalue(), encoding="utf-8")


def mutate(folder: Path, data: st.DataObject) -> None:
    action = data.draw(st.sampled_from(ACTIONS), label="action")
    name = data.draw(st.sampled_from(CSVS if action in (
        "drop_column", "swap_columns", "edit_field") else FILES), label="file")
    path = folder / name
    if not path.is_file():
        return
    raw = path.read_bytes()
    if action == "truncate":
        path.write_bytes(raw[:data.draw(st.integers(0, len(raw)))])
    elif action == "flip" and raw:
        at = data.draw(st.integers(0, len(raw) - 1))
        path.write_bytes(raw[:at] + bytes([raw[at] ^ data.draw(st.integers(1, 255))])
                         + raw[at + 1:])
    elif action == "insert":
        at = data.draw(st.integers(0, len(raw)))
        path.write_bytes(raw[:at] + data.draw(st.binary(min_size=1, max_size=8)) + raw[at:])
    elif action == "delete_file":
        path.unlink()
    elif action == "retype_metadata" and name == "metadata.json":
        try:
            document = json.loads(raw)
        except ValueError:  # an earlier mutation left no JSON to retype
            return
        if not isinstance(document, dict) or not document:
            return
        key = data.draw(st.sampled_from(sorted(document)))
        document[key] = data.draw(st.sampled_from(JSON_VALUES))
        path.write_text(json.dumps(document))
    elif action in ("duplicate_row", "delete_row"):
        lines = raw.splitlines(keepends=True)
        if len(lines) > 1:
            at = data.draw(st.integers(1, len(lines) - 1))
            if action == "delete_row":
                del lines[at]
            else:
                lines.insert(data.draw(st.integers(1, len(lines))), lines[at])
            path.write_bytes(b"".join(lines))
    elif name in CSVS:
        rows = rows_of(path)
        width = min((len(row) for row in rows), default=0)
        if width < 2:
            return
        i, j = data.draw(st.integers(0, width - 1)), data.draw(st.integers(0, width - 1))
        if action == "drop_column":
            rows = [row[:i] + row[i + 1:] for row in rows]
        elif action == "swap_columns":
            for row in rows:
                row[i], row[j] = row[j], row[i]
        else:
            row = rows[data.draw(st.integers(0, len(rows) - 1))]
            row[i] = data.draw(st.sampled_from(VALUES))
        write_rows(path, rows)


def command(args: list[str], folder: Path) -> int:
    """One CLI call: no traceback, a documented exit code, nothing written when refused."""
    before = snapshot(folder)
    result = cli.invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        args, repr(result.exception), result.output)
    assert result.exit_code in (0, 1, 2), (args, result.output)
    if result.exit_code == 2:
        assert snapshot(folder) == before, (args, result.output)
    return result.exit_code


def load(folder: Path) -> int:
    """``runner.load`` as a notebook calls it: the exit code its error maps to, or 0."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RunDirWarning)
            runner.load(folder)
    except RunexpError as error:
        return error.exit_code
    return 0


@HOSTILE
@given(st.data())
def test_no_damage_to_a_run_directory_gives_a_traceback(data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        good = shutil.copytree(GOOD, Path(temporary) / "good")
        folder = shutil.copytree(GOOD, Path(temporary) / "damaged")
        for _ in range(data.draw(st.integers(1, 3), label="mutations")):
            mutate(folder, data)
        before = snapshot(folder)
        assert load(folder) in (0, 2)
        assert snapshot(folder) == before
        command(["compare", str(good), str(folder)], folder)
        command(["compare", str(folder), str(good)], folder)
        resumed = command(["run", str(GOOD / "experiment.yaml"), "--resume", str(folder)],
                          folder)
        if resumed != 0:
            command(["report", str(folder)], folder)
        assert snapshot(good) == snapshot(GOOD)
