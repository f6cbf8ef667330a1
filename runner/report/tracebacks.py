"""The tracebacks a report and the terminal show: the first failed run of each cell.

errors.jsonl keeps every failed run's exception. What a reader needs is less: the
first failure of each cell, where in their code it happened, and the same failure
said once however many cells it broke (a function that raises fails under every
model alike).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from runner.results.failures import FailedRun, Failure, first_per_cell

#: Distinct failures shown in full; errors.jsonl holds the rest.
MAX_SHOWN = 5


@dataclass(frozen=True)
class Shown:
    """One failure, and the runs (cell, repetition) whose first failure it was."""

    failure: Failure
    runs: tuple[tuple[str, int], ...]

    def cells(self) -> str:
        """``sq/sync run 1, sq/threads/p2 run 1`` (at most three, then how many more)."""
        named = [f"{cell} run {repetition}" for cell, repetition in self.runs[:3]]
        more = len(self.runs) - len(named)
        return ", ".join(named) + (f" and {more} more cell{'s' if more > 1 else ''}"
                                   if more else "")

    def frames(self, here: Path | None = None) -> list[str]:
        """``file:line in function: code`` for each frame of the user's code; files
        under ``here`` named from it, as a terminal in that folder would."""
        return [f"{_shorter(frame.file, here)}:{frame.line} in {frame.function}"
                + (f": {frame.code}" if frame.code else "")
                for frame in self.failure.frames]


def _shorter(file: str, here: Path | None) -> str:
    if here is None or here == Path(here.anchor):  # from / every path is "shorter"
        return file
    try:
        return str(Path(file).relative_to(here))
    except ValueError:
        return file


def distinct(failed: Iterable[FailedRun]) -> list[Shown]:
    """The first failure of each cell, one entry per distinct exception and place."""
    grouped: dict[tuple[str, tuple[str, ...]], list[FailedRun]] = {}
    for run in first_per_cell(failed):
        key = (run.failure.headline(), tuple(f.where for f in run.failure.frames))
        grouped.setdefault(key, []).append(run)
    return [Shown(runs[0].failure, tuple((r.cell, r.repetition) for r in runs))
            for runs in grouped.values()]


def terminal_lines(shown: list[Shown], errors_path: str, here: Path | None = None
                   ) -> list[str]:
    """What the end of a run prints: each failure, the cells it broke, its frames
    (named from ``here``, the current folder, where they are under it)."""
    if not shown:
        return []
    lines = [f"failures (the first of each cell; every traceback: {errors_path}):"]
    for entry in shown[:MAX_SHOWN]:
        lines += [f"  {entry.failure.headline()}", f"    in {entry.cells()}"]
        lines += [f"    {frame}" for frame in entry.frames(here)]
    if len(shown) > MAX_SHOWN:
        lines.append(f"  …and {len(shown) - MAX_SHOWN} more")
    return lines
