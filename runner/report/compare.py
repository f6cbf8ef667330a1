"""Two runs, cell by cell: medians, their ratio, and a Mann-Whitney U verdict.

The ratio is B / A: above 1, run B is slower. A verdict of faster or slower
needs a two-sided Mann-Whitney U test significant at ``alpha``; with fewer than
``MIN_VALUES_FOR_U_TEST`` ok runs on a side no test can be, and the verdict says
so instead of guessing. Cells found in only one run are listed, never dropped.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from runner.errors import ResultsError, UsageError
from runner.report.stats import MIN_VALUES_FOR_U_TEST, mann_whitney_u
from runner.results.readers import read_runs
from runner.results.rows import Status

DEFAULT_ALPHA = 0.05

FASTER, SLOWER, SAME = "faster", "slower", "no change"
TOO_FEW, ONLY_A, ONLY_B = "too few runs", "only in A", "only in B"


@dataclass(frozen=True)
class CellComparison:
    cell: str
    runs_a: int
    runs_b: int
    median_a_s: float | None
    median_b_s: float | None
    ratio: float | None  # median B / median A
    p_value: float | None
    verdict: str


def compare_runs(run_a: Path, run_b: Path, alpha: float = DEFAULT_ALPHA
                 ) -> list[CellComparison]:
    """Every cell of either run, in run A's order, then the cells only B has."""
    walls_a, walls_b = _ok_walls(run_a), _ok_walls(run_b)
    cells = list(walls_a) + [cell for cell in walls_b if cell not in walls_a]
    return [_compare_cell(cell, walls_a.get(cell), walls_b.get(cell), alpha) for cell in cells]


def _ok_walls(run_dir: Path) -> dict[str, list[float]]:
    runs = read_runs(run_dir)
    walls: dict[str, list[float]] = {cell: [] for cell in runs["cell"].unique()}
    ok = runs[(runs["status"] == Status.OK) & runs["wall_s"].notna()]
    for cell, wall in zip(ok["cell"], ok["wall_s"], strict=True):
        walls[cell].append(float(wall))
    return walls


def _compare_cell(cell: str, a: list[float] | None, b: list[float] | None, alpha: float
                  ) -> CellComparison:
    median_a = statistics.median(a) if a else None
    median_b = statistics.median(b) if b else None
    ratio = median_b / median_a if median_a and median_b is not None else None
    p_value = None
    if a is None or b is None:
        verdict = ONLY_A if b is None else ONLY_B
    elif min(len(a), len(b)) < MIN_VALUES_FOR_U_TEST:
        verdict = TOO_FEW
    else:
        _, p_value = mann_whitney_u(a, b)
        if p_value < alpha and ratio is not None:
            verdict = SLOWER if ratio > 1 else FASTER
        else:
            verdict = SAME
    return CellComparison(cell, len(a or []), len(b or []), median_a, median_b, ratio, p_value,
                          verdict)


def regressions(rows: list[CellComparison], percent: float) -> list[CellComparison]:
    """Cells significantly slower in B by more than ``percent`` per cent."""
    return [row for row in rows if row.verdict == SLOWER and row.ratio is not None
            and row.ratio > 1 + percent / 100]


HEADERS = ("cell", "runs A", "runs B", "median A (s)", "median B (s)", "B/A", "p", "verdict")


def _cells(row: CellComparison) -> list[str]:
    def num(value: float | None, spec: str) -> str:
        return "–" if value is None else format(value, spec)

    verdict = row.verdict
    if verdict == TOO_FEW:
        verdict += f" (need ≥{MIN_VALUES_FOR_U_TEST} ok runs per side)"
    return [row.cell, str(row.runs_a), str(row.runs_b), num(row.median_a_s, ".4g"),
            num(row.median_b_s, ".4g"), num(row.ratio, ".3f"), num(row.p_value, ".3g"),
            verdict]


def as_text(rows: list[CellComparison], run_a: Path, run_b: Path, alpha: float) -> str:
    table = [list(HEADERS), *(_cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADERS))]
    lines = [f"A: {run_a}", f"B: {run_b}",
             f"Mann-Whitney U, two-sided, alpha {alpha:g}; B/A above 1 means B is slower", ""]
    for line in table:
        lines.append("  ".join(cell.ljust(width) if i in (0, 7) else cell.rjust(width)
                               for i, (cell, width) in enumerate(zip(line, widths, strict=True)))
                     .rstrip())
    return "\n".join(lines)


def as_markdown(rows: list[CellComparison]) -> str:
    lines = ["| " + " | ".join(HEADERS) + " |", "|---|" + "---:|" * 6 + "---|"]
    lines += ["| " + " | ".join(_cells(row)) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def check_output(path: Path, option: str) -> None:
    """Refuse an output path that cannot be written, before the runs are read."""
    if path.is_dir():
        raise UsageError(f"{option} {path}: is a directory; expected a file name")
    folder = path.parent
    if not folder.is_dir():
        problem = "is not a directory" if folder.exists() else "does not exist"
        raise UsageError(f"{option} {path}: the folder {folder} {problem}")


def write_markdown(rows: list[CellComparison], path: Path) -> None:
    try:
        path.write_text(as_markdown(rows), encoding="utf-8")
    except OSError as error:
        raise ResultsError(f"{path}: cannot write ({error.strerror or error})") from None


def write_csv(rows: list[CellComparison], path: Path) -> None:
    import csv

    try:
        with path.open("w", newline="", encoding="utf-8") as file:
            writer = csv.DictWriter(file, fieldnames=[f.name for f in fields(CellComparison)],
                                    lineterminator="\n")
            writer.writeheader()
            writer.writerows(asdict(row) for row in rows)
    except OSError as error:
        raise ResultsError(f"{path}: cannot write ({error.strerror or error})") from None
