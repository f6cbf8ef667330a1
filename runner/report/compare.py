"""Two runs, cell by cell: how much slower or faster B is than A, and how sure that is.

Cells are matched by what they measured: the workload, every parameter value (the
single-valued ones that cell ids leave out too), the model, the pool size and the
interpreter, within one experiment; runs of different experiments, or with no work in
common, are refused rather than compared.

Per cell: the medians, the Hodges-Lehmann estimate of the ratio B / A with its 95%
interval, the two-sided Mann-Whitney U test's p-value, and its Benjamini-Hochberg
q-value across every cell tested in this comparison. A verdict of faster or slower
needs q below ``alpha``: however many cells are compared, false calls stay near
``alpha`` of the calls, where a per-cell test would call one good cell in twenty
slower. A cell that cannot be judged (a side with failed runs, too few ok runs for a
U test, or missing) says so; ``runner.report.gate`` decides which cells fail the CI
gate (``--fail-if-slower``). Where runs.csv measured it, each side's median
others_cores (the cores other programs kept busy) is kept per cell, ``load_warnings``
says where A and B ran under different load, and a cell's verdict says so too
(``load_note``).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runner.errors import ResultsError, UsageError
from runner.report.inference import benjamini_hochberg, hodges_lehmann_ratio
from runner.report.interference import comparison_warnings, differ, median, run_median
from runner.report.stats import MIN_VALUES_FOR_U_TEST, is_missing, mann_whitney_u
from runner.results.readers import read_runs
from runner.results.rows import Status

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_ALPHA = 0.05

FASTER, SLOWER, SAME = "faster", "slower", "no change"
TOO_FEW, FAILED, ONLY_A, ONLY_B = "too few runs", "failed runs", "only in A", "only in B"
#: Verdicts that judge nothing: the gate fails on them unless told otherwise.
UNJUDGED = (TOO_FEW, FAILED, ONLY_A, ONLY_B)

Key = tuple[Any, ...]


@dataclass(frozen=True)
class CellComparison:
    cell: str
    runs_a: int  # ok runs
    runs_b: int
    failed_a: int  # error and timeout runs
    failed_b: int
    median_a_s: float | None
    median_b_s: float | None
    ratio: float | None  # B / A, the Hodges-Lehmann estimate
    ratio_low: float | None  # its 95% interval, where the values allow one
    ratio_high: float | None
    p_value: float | None  # Mann-Whitney U, two-sided
    q_value: float | None  # Benjamini-Hochberg, across the cells of this comparison
    verdict: str
    #: The median cores other programs kept busy during the ok runs, where measured.
    others_cores_a: float | None = None
    others_cores_b: float | None = None

    @property
    def judged(self) -> bool:
        return self.verdict not in UNJUDGED


@dataclass(frozen=True)
class Side:
    """One run's cells, keyed by what they measured."""

    experiment: str
    labels: dict[Key, str]  # key -> cell id
    walls: dict[Key, list[float]]  # ok wall times
    failed: dict[Key, int]
    params: dict[Key, dict[str, Any]]
    others: dict[Key, list[float]]  # ok runs' others_cores, where measured
    others_median: float | None = None  # over every ok run


@dataclass(frozen=True)
class Comparison:
    rows: list[CellComparison]
    #: Each run's median others_cores over all its ok runs, where measured.
    others_cores_a: float | None = None
    others_cores_b: float | None = None


def compare_runs(run_a: Path, run_b: Path, alpha: float = DEFAULT_ALPHA
                 ) -> list[CellComparison]:
    """Every cell of either run, in run A's order, then the cells only B has."""
    return compare(run_a, run_b, alpha).rows


def compare(run_a: Path, run_b: Path, alpha: float = DEFAULT_ALPHA) -> Comparison:
    """``compare_runs``' rows with the load each run was measured under."""
    a, b = _side(read_runs(run_a), run_a), _side(read_runs(run_b), run_b)
    if a.experiment != b.experiment:
        raise UsageError(f"{run_a} is experiment {a.experiment!r}, {run_b} is "
                         f"{b.experiment!r}: compare runs of one experiment")
    keys = list(a.labels) + [key for key in b.labels if key not in a.labels]
    if not set(a.labels) & set(b.labels):
        raise UsageError(f"{run_a} and {run_b} measured no cell alike: "
                         f"{_difference(a, b)}; compare runs of the same work")
    rows = [_compare_cell(a.labels.get(key) or b.labels[key], key, a, b, alpha)
            for key in keys]
    return Comparison(_adjust(rows, alpha), a.others_median, b.others_median)


def load_warnings(comparison: Comparison) -> list[str]:
    """Where A and B ran under different load, as a whole or cell by cell."""
    return comparison_warnings(
        (comparison.others_cores_a, comparison.others_cores_b),
        [(row.cell, row.others_cores_a, row.others_cores_b) for row in comparison.rows])


def _side(runs: pd.DataFrame, run_dir: Path) -> Side:
    experiments = runs["experiment"].dropna().unique().tolist()
    if len(experiments) > 1:
        raise ResultsError(f"{run_dir}: runs of several experiments in one runs.csv: "
                           f"{', '.join(map(str, experiments))}")
    # The parameter columns sit between workload and model (a parameter may share its
    # name with a later core column, as tasks does).
    start, end = list(runs.columns).index("workload") + 1, list(runs.columns).index("model")
    param_columns = list(runs.columns[start:end])
    side = Side(str(experiments[0]) if experiments else "", {}, {}, {}, {}, {},
                run_median(runs))
    for row in runs.to_dict(orient="records"):
        params = {c: _plain(row[c]) for c in param_columns if not is_missing(row[c])}
        if "tasks" not in params and not is_missing(row.get("tasks")):
            params["tasks"] = _plain(row["tasks"])  # the parameter lives in the core column
        key: Key = (row["workload"], tuple(sorted(params.items())), row["model"],
                    int(row["pool_size"]), None if is_missing(row.get("python")) else
                    str(row["python"]))
        side.labels.setdefault(key, str(row["cell"]))
        side.params.setdefault(key, params)
        side.walls.setdefault(key, [])
        side.failed.setdefault(key, 0)
        side.others.setdefault(key, [])
        if row["status"] == Status.OK and not is_missing(row.get("others_cores")):
            side.others[key].append(float(row["others_cores"]))
        if row["status"] == Status.OK and not is_missing(row["wall_s"]):
            side.walls[key].append(float(row["wall_s"]))
        elif row["status"] in (Status.ERROR, Status.TIMEOUT):
            side.failed[key] += 1
    return side


def _plain(value: Any) -> Any:
    value = value.item() if hasattr(value, "item") else value
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _difference(a: Side, b: Side) -> str:
    """What tells the two runs' work apart, for the refusal's message."""
    def values(side: Side) -> dict[str, set[Any]]:
        found: dict[str, set[Any]] = {}
        for params in side.params.values():
            for name, value in params.items():
                found.setdefault(name, set()).add(value)
        return found

    va, vb = values(a), values(b)
    differing = [f"{name} {sorted(va.get(name, set()), key=str)} in A, "
                 f"{sorted(vb.get(name, set()), key=str)} in B"
                 for name in sorted(set(va) | set(vb)) if va.get(name) != vb.get(name)]
    workloads_a = {key[0] for key in a.labels}
    workloads_b = {key[0] for key in b.labels}
    if workloads_a != workloads_b:
        differing.insert(0, f"workloads {sorted(workloads_a)} in A, {sorted(workloads_b)} in B")
    return "; ".join(differing) or "different models, pool sizes or interpreters"


def _compare_cell(cell: str, key: Key, a: Side, b: Side, alpha: float) -> CellComparison:
    wa, wb = a.walls.get(key), b.walls.get(key)
    fa, fb = a.failed.get(key, 0), b.failed.get(key, 0)
    median_a = statistics.median(wa) if wa else None
    median_b = statistics.median(wb) if wb else None
    ratio = low = high = p_value = None
    if wa and wb and min(*wa, *wb) > 0:
        estimate = hodges_lehmann_ratio(wa, wb)
        ratio, low, high = estimate.ratio, estimate.low, estimate.high
    if key not in a.labels or key not in b.labels:
        verdict = ONLY_A if key not in b.labels else ONLY_B
    elif fa or fb:
        verdict = FAILED
    elif min(len(wa or []), len(wb or [])) < MIN_VALUES_FOR_U_TEST:
        verdict = TOO_FEW
    else:
        _, p_value = mann_whitney_u(wa or [], wb or [])
        verdict = SAME  # decided once the q-values are known
    return CellComparison(cell, len(wa or []), len(wb or []), fa, fb, median_a, median_b,
                          ratio, low, high, p_value, None, verdict,
                          median(a.others.get(key, [])), median(b.others.get(key, [])))


def _adjust(rows: list[CellComparison], alpha: float) -> list[CellComparison]:
    q_values = benjamini_hochberg([row.p_value for row in rows])
    adjusted = []
    for row, q in zip(rows, q_values, strict=True):
        verdict = row.verdict
        if q is not None and q < alpha and row.ratio is not None and row.ratio != 1:
            verdict = SLOWER if row.ratio > 1 else FASTER
        adjusted.append(CellComparison(**{**asdict(row), "q_value": q, "verdict": verdict}))
    return adjusted


def reason(row: CellComparison) -> str:
    """Why a cell could not be judged, in words."""
    if row.verdict == FAILED:
        return failures(row)
    if row.verdict in (ONLY_A, ONLY_B) and (row.failed_a or row.failed_b):
        return f"{row.verdict}, {failures(row)}"
    if row.verdict == TOO_FEW:
        return (f"too few ok runs ({row.runs_a} and {row.runs_b}; a U test needs "
                f"{MIN_VALUES_FOR_U_TEST} a side)")
    return row.verdict


def load_note(row: CellComparison) -> str | None:
    """Where A and B ran this cell under different load (``DIFFERENT_LOAD`` cores or
    more apart), how much busier B's machine was: a difference in times may be that."""
    a, b = row.others_cores_a, row.others_cores_b
    if a is None or b is None or not differ(a, b):
        return None
    cores = f"{abs(b - a):.1f}"
    return (f"B ran beside {cores} {'more' if b > a else 'fewer'} busy "
            f"core{'' if cores == '1.0' else 's'}")


def failures(row: CellComparison) -> str:
    """A cell's failed runs (errors, timeouts) per side, and a side left with no ok run."""
    sides = [f"{count} in {side}" for side, count in (("A", row.failed_a),
                                                       ("B", row.failed_b)) if count]
    failed = f"failed runs ({', '.join(sides)})"
    none_ok = [side for side, ok, count in (("A", row.runs_a, row.failed_a),
                                            ("B", row.runs_b, row.failed_b)) if count and not ok]
    return f"{failed}: no ok run in {' or '.join(none_ok)}" if none_ok else failed


HEADERS = ("cell", "runs A", "runs B", "median A (s)", "median B (s)", "B/A", "95% CI", "p",
           "q", "verdict")


def _cells(row: CellComparison) -> list[str]:
    def num(value: float | None, spec: str) -> str:
        return "–" if value is None else format(value, spec)

    interval = (f"{row.ratio_low:.3f}–{row.ratio_high:.3f}"
                if row.ratio_low is not None and row.ratio_high is not None else "–")
    verdict = row.verdict if row.judged else reason(row)
    if row.judged and (note := load_note(row)):
        verdict = f"{verdict} ({note})"
    return [row.cell, str(row.runs_a), str(row.runs_b), num(row.median_a_s, ".4g"),
            num(row.median_b_s, ".4g"), num(row.ratio, ".3f"), interval,
            num(row.p_value, ".3g"), num(row.q_value, ".3g"), verdict]


def as_text(rows: list[CellComparison], run_a: Path, run_b: Path, alpha: float,
            warnings: Sequence[str] = ()) -> str:
    """The table for the terminal; ``warnings`` (``load_warnings``) close it."""
    table = [list(HEADERS), *(_cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADERS))]
    last = len(HEADERS) - 1
    lines = [f"A: {run_a}", f"B: {run_b}",
             f"B/A: Hodges-Lehmann estimate, above 1 means B is slower; p: Mann-Whitney U, "
             f"two-sided; q: Benjamini-Hochberg across {sum(r.p_value is not None for r in rows)}"
             f" tested cells; a verdict needs q < {alpha:g}", ""]
    for line in table:
        lines.append("  ".join(cell.ljust(width) if i in (0, last) else cell.rjust(width)
                               for i, (cell, width) in enumerate(zip(line, widths, strict=True)))
                     .rstrip())
    if warnings:
        lines += ["", *warnings]
    return "\n".join(lines)


def as_markdown(rows: list[CellComparison]) -> str:
    lines = ["| " + " | ".join(HEADERS) + " |", "|---|" + "---:|" * (len(HEADERS) - 2) + "---|"]
    lines += ["| " + " | ".join(_cells(row)) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def as_json(rows: list[CellComparison]) -> list[dict[str, Any]]:
    """The CSV's fields, numbers as numbers and missing as null."""
    return [asdict(row) for row in rows]


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
