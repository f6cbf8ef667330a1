"""runs.csv -> summary.csv: one row per cell with statistics, speedup and efficiency."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from runner.plan.grid import Cell, cell_id, format_value
from runner.report.stats import NOISY_CV, is_missing, ratio, summarize
from runner.results.rows import Status

if TYPE_CHECKING:
    import pandas as pd

STAT_COLUMNS = (
    "runs", "failed", "wall_median_s", "wall_mean_s", "wall_std_s", "wall_min_s", "wall_max_s",
    "wall_ci95_low_s", "wall_ci95_high_s", "wall_cv", "speedup_vs_sync", "ideal_s", "efficiency",
    "outliers", "startup_median_s",
)
#: Statuses that count as failed runs (skipped runs are not failures).
FAILED = (Status.ERROR, Status.TIMEOUT)
#: Integer columns among STAT_COLUMNS; the rest are floats.
COUNT_COLUMNS = ("runs", "failed", "outliers")


def summary_columns(params: list[str]) -> list[str]:
    return ["experiment", "cell", "workload", *params, "model", "pool_size", *STAT_COLUMNS]


def summarize_runs(runs: pd.DataFrame, cells: Mapping[str, Cell], params: list[str],
                   cores: int) -> pd.DataFrame:
    """Per cell, in order of first appearance: statistics of the ok runs' wall times.

    ``params`` are the experiment's parameter names, all of which (``tasks``
    included) get a column here.

    speedup_vs_sync divides the median of the sync cell with the same workload
    and parameters by this cell's median; ideal_s is the workload's own bound
    (e.g. ceil(tasks / pool) x latency for waiting work) and efficiency = ideal_s / median.
    """
    import pandas as pd

    groups = list(runs.groupby("cell", sort=False))
    stats = {name: summarize(group.loc[group["status"] == Status.OK, "wall_s"].dropna().tolist())
             for name, group in groups}
    medians = {name: s.median for name, s in stats.items() if s is not None}
    rows: list[dict[str, Any]] = []
    for name, group in groups:
        first, s, cell = group.iloc[0], stats[name], cells.get(str(name))
        median = s.median if s else None
        sync_median = (medians.get(cell_id(cell.workload, cell.params, "sync", 1, cell.python))
                       if cell else None)
        ideal = (cell.workload.ideal_s(cell.params, cell.pool_size, cores, sync_median)
                 if cell else None)
        row: dict[str, Any] = {key: first[key] for key in
                               ("experiment", "cell", "workload", *params, "model", "pool_size")}
        row.update(
            runs=len(group), failed=int(group["status"].isin(FAILED).sum()),
            wall_median_s=median, wall_mean_s=s and s.mean, wall_std_s=s and s.std,
            wall_min_s=s and s.minimum, wall_max_s=s and s.maximum,
            wall_ci95_low_s=s and s.ci_low, wall_ci95_high_s=s and s.ci_high,
            wall_cv=s and s.cv, speedup_vs_sync=ratio(sync_median, median), ideal_s=ideal,
            efficiency=ratio(ideal, median), outliers=s.outliers if s else 0,
            startup_median_s=_median(group.loc[group["status"] == Status.OK, "startup_s"])
            if "startup_s" in group else None,
        )
        rows.append(row)
    frame = pd.DataFrame(rows, columns=summary_columns(params))
    stat_floats = [c for c in STAT_COLUMNS if c not in COUNT_COLUMNS]
    frame[stat_floats] = frame[stat_floats].astype("float64")
    return frame


def param_columns(frame: pd.DataFrame) -> list[str]:
    """The workload parameter columns of summary.csv or runs.csv: those between
    ``workload`` and ``model``, where both files put them."""
    names = [str(name) for name in frame.columns]
    return names[names.index("workload") + 1:names.index("model")]


@dataclass(frozen=True)
class ComparisonGroup:
    """One workload with one parameter set (and one interpreter): cells compared together."""

    name: str  # for people: ``http[latency_ms=20]``, with ``@cpython-3.12.1`` where needed
    cells: tuple[str, ...]  # cell ids, in summary order


def comparison_groups(summary: pd.DataFrame, runs: pd.DataFrame) -> list[ComparisonGroup]:
    """Summary rows grouped by workload, parameter values and interpreter, in summary order.

    The interpreter is runs.csv's ``python`` column (a cell's first run's, as a
    resumed run may have used another); summary.csv does not carry it. The name
    shows the parameters that vary within the workload, as cell ids do, and the
    interpreter where runs used more than one.
    """
    params = param_columns(summary)
    python: dict[str, Any] = {}
    if "python" in runs:
        firsts = runs.drop_duplicates("cell")
        python = dict(zip(firsts["cell"], firsts["python"], strict=True))
    members: dict[tuple[Any, ...], list[str]] = {}
    for row in summary[["cell", "workload", *params]].to_dict("records"):
        values = tuple((p, row[p]) for p in params if not is_missing(row[p]))
        interpreter = python.get(row["cell"])
        key = (row["workload"], values, None if is_missing(interpreter) else interpreter)
        members.setdefault(key, []).append(str(row["cell"]))
    varying = _varying(list(members))
    several_pythons = len({python for _, _, python in members}) > 1
    return [ComparisonGroup(_group_name(key, varying, several_pythons), tuple(cells))
            for key, cells in members.items()]


def _varying(keys: list[tuple[Any, ...]]) -> dict[Any, set[str]]:
    """Per workload, the parameters that take more than one value."""
    seen: dict[Any, dict[str, set[Any]]] = {}
    for workload, values, _ in keys:
        for name, value in values:
            seen.setdefault(workload, {}).setdefault(name, set()).add(value)
    return {workload: {name for name, found in params.items() if len(found) > 1}
            for workload, params in seen.items()}


def _group_name(key: tuple[Any, ...], varying: dict[Any, set[str]],
                several_pythons: bool) -> str:
    workload, values, python = key
    shown = [f"{name}={format_value(value)}" for name, value in values
             if name in varying.get(workload, set())]
    name = f"{workload}[{','.join(shown)}]" if shown else str(workload)
    return f"{name}@{python}" if several_pythons and python is not None else name


def result_counts(runs: pd.DataFrame, summary: pd.DataFrame) -> dict[str, Any]:
    """The run's totals for metadata.json: rows by status, cells, measured time."""
    return {
        "runs": len(runs),
        "by_status": {str(k): int(v) for k, v in runs["status"].value_counts().items()},
        "cells": len(summary),
        "noisy_cells": int(((summary["wall_cv"] > NOISY_CV) | (summary["outliers"] > 0)).sum()),
        "measured_wall_s": round(float(runs["wall_s"].sum()), 3),
    }


def _median(values: pd.Series) -> float | None:
    present = values.dropna()
    return float(present.median()) if len(present) else None
