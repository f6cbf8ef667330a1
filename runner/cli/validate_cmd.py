"""`runexp validate`: each experiment file checked, for people (one line per file or
problem) or for scripts and editors (one JSON document). Loading and expanding the
grid is all it does, so it imports no pandas and answers in tens of milliseconds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runner.errors import ConfigError, RunexpError


@dataclass(frozen=True)
class Checked:
    file: Path
    cells: int | None = None  # where the file is valid
    error: RunexpError | None = None  # where it is not

    @property
    def line(self) -> str:
        """The line a valid file prints."""
        return f"{self.file}: ok ({self.cells} {'cell' if self.cells == 1 else 'cells'})"


def check(files: list[Path]) -> list[Checked]:
    from runner.config.loader import load
    from runner.plan.grid import expand

    checked = []
    for file in files:
        try:
            checked.append(Checked(file, cells=len(expand(load(file).experiment))))
        except RunexpError as error:
            checked.append(Checked(file, error=error))
    return checked


def as_json(checked: list[Checked]) -> dict[str, Any]:
    """``{"files": [{"file", "ok": true, "cells"} or {"file", "ok": false, "problems":
    [{"file", "line", "column", "field", "message"}]}]}``; unknown as null."""
    return {"files": [{"file": str(item.file), "ok": True, "cells": item.cells}
                      if item.error is None else
                      {"file": str(item.file), "ok": False,
                       "problems": _problems(item.file, item.error)}
                      for item in checked]}


def _problems(file: Path, error: RunexpError) -> list[dict[str, Any]]:
    if isinstance(error, ConfigError):
        return [{"file": problem.file, "line": problem.line, "column": problem.column,
                 "field": problem.path or None, "message": problem.message}
                for problem in error.problems]
    # e.g. a plugin that cannot be loaded: the file as a whole
    return [{"file": str(file), "line": None, "column": None, "field": None,
             "message": str(error)}]
