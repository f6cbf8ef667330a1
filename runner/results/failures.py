"""Why a run failed, kept whole: its exception, the frames of the user's code, errors.jsonl.

runs.csv's ``error`` column holds one line (``ValueError: boom at 0``); a user needs
the traceback to fix their code. The process that caught the exception makes a
``Failure`` (type, message, the frames of the user's code as file:line, and the
whole traceback text) and it travels with the run's row to the run directory's
errors.jsonl, one JSON object per failed run, beside the row that commits it.

An exception raised in a pool process reaches the parent with the frames it ran
there as text (``concurrent.futures`` chains it as the cause): those are parsed
and continue the frames of the call made in the parent. The user's frames are
those outside runexp's own package and the standard library.

Standard library only: the cell worker imports this.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ERRORS = "errors.jsonl"
#: The traceback text kept per failed run: its end, where the error is.
MAX_TRACEBACK_CHARS = 20_000
#: The frames of the user's code kept per failed run: the innermost.
MAX_FRAMES = 20

_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<function>.+)$')
#: Lines of a traceback that only underline the expression of the line above.
_MARKERS = re.compile(r"^[\s^~]+$")
_OWN = str(Path(__file__).resolve().parent.parent) + os.sep


@dataclass(frozen=True)
class Frame:
    """One frame of a traceback: where the code was, and its line's text."""

    file: str
    line: int
    function: str
    code: str = ""

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Failure:
    """A failed run's exception: what ``describe`` cannot fit on one line."""

    type: str
    message: str
    #: The frames of the user's code, outermost first (all frames where none is).
    frames: tuple[Frame, ...] = ()
    traceback: str = ""

    @classmethod
    def of(cls, error: BaseException) -> Failure:
        frames = [Frame(f.filename, f.lineno or 0, f.name, (f.line or "").strip())
                  for f in traceback.extract_tb(error.__traceback__)]
        cause = error.__cause__
        if type(cause).__name__ == "_RemoteTraceback":
            # Raised in a pool process: concurrent.futures chains the frames it ran
            # there as text, and they continue the call made here.
            frames += _frames(str(cause).splitlines())
        text = "".join(traceback.format_exception(error))
        return cls(type(error).__name__, str(error), user_frames(frames),
                   text[-MAX_TRACEBACK_CHARS:])

    @property
    def where(self) -> str:
        """The innermost frame of the user's code, ``file:line``, or nothing."""
        return self.frames[-1].where if self.frames else ""

    def headline(self) -> str:
        return f"{self.type}: {self.message}".strip().rstrip(":")

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "message": self.message,
                "frames": [vars(frame) for frame in self.frames],
                "traceback": self.traceback}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Failure:
        frames = tuple(Frame(str(f["file"]), int(f["line"]), str(f["function"]),
                             str(f.get("code", ""))) for f in data.get("frames", ()))
        return cls(str(data["type"]), str(data["message"]), frames,
                   str(data.get("traceback", "")))


def user_frames(frames: Iterable[Frame]) -> tuple[Frame, ...]:
    """The frames that are the user's code, outermost first (the innermost
    ``MAX_FRAMES``). Where none is (runexp's own workload failed), every frame outside
    the standard library, so that something still says where."""
    frames = list(frames)
    own = [f for f in frames if not _is_library(f.file)]
    mine = [f for f in own if not f.file.startswith(_OWN)]
    return tuple((mine or own)[-MAX_FRAMES:])


def _frames(lines: list[str]) -> Iterator[Frame]:
    for at, line in enumerate(lines):
        found = _FRAME.match(line)
        if found is None:
            continue
        following = lines[at + 1].strip() if at + 1 < len(lines) else ""
        code = "" if _FRAME.match(following) or _MARKERS.match(following) else following
        yield Frame(found["file"], int(found["line"]), found["function"].strip(), code)


def _is_library(file: str) -> bool:
    if file.startswith("<"):  # <frozen runpy>, <string>
        return file.startswith("<frozen")
    resolved = os.path.realpath(file)
    return resolved.startswith(_stdlib()) and "site-packages" not in resolved


@functools.cache
def _stdlib() -> tuple[str, ...]:
    """This interpreter's standard library folders (asked once: sysconfig is slow)."""
    import sysconfig

    return tuple({os.path.realpath(sysconfig.get_paths()[key]) + os.sep
                  for key in ("stdlib", "platstdlib")})


@dataclass(frozen=True)
class FailedRun:
    """One line of errors.jsonl: which run failed, and its failure."""

    cell: str
    repetition: int
    status: str
    failure: Failure

    def to_json(self) -> str:
        return json.dumps({"cell": self.cell, "repetition": self.repetition,
                           "status": self.status, **self.failure.to_dict()})


def read_failures(path: Path) -> list[FailedRun]:
    """errors.jsonl's runs, the last line per (cell, repetition) where a run was
    written twice (a resume ran again a run whose row a crash had lost); lines that
    do not parse (a torn last line, a file edited by hand) are skipped."""
    runs: dict[tuple[str, int], FailedRun] = {}
    with contextlib.suppress(OSError, UnicodeDecodeError):
        for line in path.read_text(encoding="utf-8").splitlines():
            with contextlib.suppress(ValueError, KeyError, TypeError):
                data = json.loads(line)
                run = FailedRun(str(data["cell"]), int(data["repetition"]),
                                str(data.get("status", "error")), Failure.from_dict(data))
                runs[run.cell, run.repetition] = run
    return list(runs.values())


def first_per_cell(runs: Iterable[FailedRun]) -> list[FailedRun]:
    """The first failed repetition of each cell, in the order the cells first failed."""
    first: dict[str, FailedRun] = {}
    for run in runs:
        if run.cell not in first or run.repetition < first[run.cell].repetition:
            first[run.cell] = run
    return list(first.values())
