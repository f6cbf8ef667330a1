"""runs.csv -> summary.csv: one row per cell with statistics, speedup and efficiency."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from runner.config.experiment import Precision
from runner.plan.grid import Cell, cell_id, format_value
from runner.plan.rounds import stop_reason
from runner.report.in_flight import in_flight
from runner.report.precision import ci_rel_halfwidth, precise_enough
from runner.report.stats import (
    NOISY_CV,
    OUTLIER_MIN_DEVIATION,
    TUKEY_K,
    is_missing,
    ratio,
    summarize,
)
from runner.report.summary_columns import COUNT_COLUMNS, STAT_COLUMNS, TEXT_COLUMNS
from runner.results.rows import Status

if TYPE_CHECKING:
    import pandas as pd

    from runner.results.metadata import HostFacts

#: Statuses that count as failed runs (skipped runs are not failures).
FAILED = (Status.ERROR, Status.TIMEOUT)
#: summary.csv's ``host`` for a cell whose runs ran on more than one host.
MIXED = "mixed"


def summary_columns(params: list[str]) -> list[str]:
    return ["experiment", "cell", "workload", *params, "model", "pool_size", *STAT_COLUMNS]


def summarize_runs(runs: pd.DataFrame, cells: Mapping[str, Cell], params: list[str],
                   cores: int, *, repetitions: int | Precision | None = None,
                   hosts: Mapping[str, HostFacts] | None = None,
                   placement: str = "group", tasks: pd.DataFrame | None = None
                   ) -> pd.DataFrame:
    """Per cell, in order of first appearance: statistics of the ok runs' wall times.

    ``params`` are the experiment's parameter names, all of which (``tasks``
    included) get a column here.

    speedup_vs_sync divides the median of the sync cell with the same workload
    and parameters by this cell's median; ideal_s is the workload's own bound
    (e.g. ceil(tasks / pool) x latency for waiting work) and efficiency = ideal_s / median.
    host is the host all the cell's ok runs ran on (all its runs where none was ok),
    ``mixed`` where they ran on several. Speedups compare one machine's runs: the
    sync median is that of the sync runs on the cell's host, and a mixed cell, or
    one whose host has no sync run, has none (nor an ideal that needs one); with
    ``placement`` ``run`` the hosts are taken as identical and all runs compared.
    ``hosts``: the cluster's hosts by name, whose usable cores bound the ideal of
    CPU work measured there (``cores`` elsewhere).
    cpu_share is the ok runs' median cpu_s / their median wall_s (above 1 where a
    pool computes on several cores). ci_rel_halfwidth is the half-width of the 95%
    CI over the median; with ``repetitions`` a precision, ``stop`` says why the cell
    was measured no further (precise, max, failed; empty for a fixed count).
    python is the interpreter's label where the file has a ``python:`` axis.
    others_cores_median is the ok runs' median others_cores (the cores other programs
    kept busy during a run), empty where runs.csv has none (an older runexp's).
    in_flight_max and in_flight_mean are the calls in flight (``in_flight``) of the
    cell's runs with task rows in ``tasks`` (tasks.csv), empty without.
    """
    import pandas as pd

    groups = list(runs.groupby("cell", sort=False))
    walls = {str(name): group.loc[group["status"] == Status.OK, "wall_s"].dropna().tolist()
             for name, group in groups}
    stats = {name: summarize(walls[str(name)]) for name, group in groups}
    on = _hosts(runs)
    across = placement == "run"
    medians = _host_medians(runs, across=across)
    usable = {name: facts.usable_cores for name, facts in (hosts or {}).items()
              if facts.usable_cores}
    flights = in_flight(tasks)
    rows: list[dict[str, Any]] = []
    for name, group in groups:
        first, s, cell = group.iloc[0], stats[name], cells.get(str(name))
        ok = group[group["status"] == Status.OK]
        median = s.median if s else None
        host = on[str(name)]
        sync_median = None
        if cell is not None and (across or host != MIXED):
            sync = cell_id(cell.workload, cell.params, "sync", 1, cell.python)
            sync_median = medians.get((sync, "" if across else host))
        ideal = (cell.workload.ideal_s(cell.params, cell.pool_size, usable.get(host, cores),
                                       sync_median) if cell else None)
        row: dict[str, Any] = {key: first[key] for key in
                               ("experiment", "cell", "workload", *params, "model", "pool_size")}
        row.update(
            runs=len(group), failed=int(group["status"].isin(FAILED).sum()),
            wall_median_s=median, wall_mean_s=s and s.mean, wall_std_s=s and s.std,
            wall_min_s=s and s.minimum, wall_max_s=s and s.maximum,
            wall_ci95_low_s=s and s.ci_low, wall_ci95_high_s=s and s.ci_high,
            wall_cv=s and s.cv, speedup_vs_sync=ratio(sync_median, median), ideal_s=ideal,
            efficiency=ratio(ideal, median), outliers=s.outliers if s else 0,
            startup_median_s=_median(ok["startup_s"]) if "startup_s" in group else None,
            cpu_share=ratio(_median(ok["cpu_s"]), median) if "cpu_s" in group else None,
            ci_rel_halfwidth=ci_rel_halfwidth(walls[str(name)]),
            stop=_stop(len(group), walls[str(name)], bool(group["status"].isin(FAILED).any()),
                       repetitions),
            python=cell.python if cell is not None and cell.python else "",
            host=host,
            others_cores_median=(_median(ok["others_cores"]) if "others_cores" in group
                                 else None),
            in_flight_max=flights[str(name)].most if str(name) in flights else None,
            in_flight_mean=flights[str(name)].mean if str(name) in flights else None,
        )
        rows.append(row)
    frame = pd.DataFrame(rows, columns=summary_columns(params))
    stat_floats = [c for c in STAT_COLUMNS if c not in (*COUNT_COLUMNS, *TEXT_COLUMNS)]
    frame[stat_floats] = frame[stat_floats].astype("float64")
    return frame


def with_whole_params(summary: pd.DataFrame, cells: Mapping[str, Cell], params: list[str]
                      ) -> pd.DataFrame:
    """summary.csv as written: a parameter every cell gives as an integer stays one.

    A parameter that one workload of the file lacks (fib's ``n`` beside sleep) is
    empty in the other's rows, and pandas holds such a column as floats: it would
    be written ``26.0``. Declared integers are written as integers, empty where absent.
    """
    whole = [name for name in params if name in summary and _all_int(name, cells)]
    if not whole:
        return summary
    return summary.astype(dict.fromkeys(whole, "Int64"))


def _all_int(name: str, cells: Mapping[str, Cell]) -> bool:
    values = [cell.params[name] for cell in cells.values() if name in cell.params]
    return bool(values) and all(isinstance(v, int) and not isinstance(v, bool) for v in values)


def _hosts(runs: pd.DataFrame) -> dict[str, str]:
    """Per cell, the host its ok runs ran on (all its runs where none was ok), or MIXED."""
    names = _names(runs["host"]) if "host" in runs else None
    found: dict[str, str] = {}
    for cell, group in runs.groupby("cell", sort=False):
        if names is None:
            found[str(cell)] = ""
            continue
        ok = group["status"] == Status.OK
        seen = set(names[group.index[ok]] if ok.any() else names[group.index])
        found[str(cell)] = seen.pop() if len(seen) == 1 else MIXED
    return found


def _names(hosts: pd.Series) -> pd.Series:
    """Host names as text, "" where runs.csv names none (an all-empty column reads as
    numbers)."""
    return hosts.map(lambda name: "" if is_missing(name) else str(name))


def _host_medians(runs: pd.DataFrame, *, across: bool) -> dict[tuple[str, str], float]:
    """The median wall time of each cell's ok runs on each host (``across``: on all hosts
    together, keyed by host "")."""
    ok = runs[(runs["status"] == Status.OK) & runs["wall_s"].notna()]
    hosts = "" if across or "host" not in ok else _names(ok["host"])
    medians = ok.assign(on=hosts).groupby(["cell", "on"], sort=False)["wall_s"].median()
    return {(str(cell), str(host)): float(value)
            for (cell, host), value in zip(medians.index, medians, strict=True)}


def _stop(repetitions: int, walls: list[float], failed: bool,
          policy: int | Precision | None) -> str:
    if not isinstance(policy, Precision):
        return ""
    precision = policy.precision
    reason = stop_reason(repetitions, walls, failed, policy,
                         lambda values: precise_enough(values, precision))
    return reason or ""  # still being measured: an interrupted run


def param_columns(frame: pd.DataFrame) -> list[str]:
    """The workload parameter columns of summary.csv or runs.csv: those between
    ``workload`` and ``model``, where both files put them."""
    names = [str(name) for name in frame.columns]
    return names[names.index("workload") + 1:names.index("model")]


@dataclass(frozen=True)
class ComparisonGroup:
    """One workload with one parameter set (and one interpreter): cells compared together."""

    name: str  # for people: ``http[latency_ms=20]``, with ``@python3.12`` where needed
    cells: tuple[str, ...]  # cell ids, in summary order
    hosts: tuple[str, ...] = ()  # where its ok runs ran, by name; more than one: see MIXED


def comparison_groups(summary: pd.DataFrame, runs: pd.DataFrame) -> list[ComparisonGroup]:
    """Summary rows grouped by workload, parameter values and interpreter, in summary order.

    The interpreter is summary.csv's ``python`` column (the label the experiment
    file's ``python:`` axis gives it); summaries without it fall back to runs.csv's
    ``python`` column (what ran a cell's first run). The name shows the parameters
    that vary within the workload, as cell ids do, and the interpreter where
    there is more than one.
    """
    params = param_columns(summary)
    python: dict[str, Any] = {}
    if "python" in summary and summary["python"].notna().any() and (
            summary["python"].astype(str) != "").any():
        python = dict(zip(summary["cell"], summary["python"], strict=True))
    elif "python" in runs:
        firsts = runs.drop_duplicates("cell")
        python = dict(zip(firsts["cell"], firsts["python"], strict=True))
    members: dict[tuple[Any, ...], list[str]] = {}
    for row in summary[["cell", "workload", *params]].to_dict("records"):
        values = tuple((p, row[p]) for p in params if not is_missing(row[p]))
        interpreter = python.get(row["cell"])
        key = (row["workload"], values,
               None if is_missing(interpreter) or interpreter == "" else interpreter)
        members.setdefault(key, []).append(str(row["cell"]))
    varying = _varying(list(members))
    several_pythons = len({python for _, _, python in members}) > 1
    hosts = _ok_hosts(runs)
    return [ComparisonGroup(_group_name(key, varying, several_pythons), tuple(cells),
                            tuple(sorted({h for cell in cells for h in hosts.get(cell, ())})))
            for key, cells in members.items()]


def _ok_hosts(runs: pd.DataFrame) -> dict[str, set[str]]:
    """Per cell, the hosts its ok runs ran on (none where runs.csv names none)."""
    if "host" not in runs:
        return {}
    ok = runs[(runs["status"] == Status.OK) & runs["host"].notna()]
    found: dict[str, set[str]] = {}
    for cell, host in zip(ok["cell"].astype(str), ok["host"].astype(str), strict=True):
        found.setdefault(cell, set()).add(host)
    return found


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
        "noisy_cells": sum(bool(noise_reasons(row)) for row in summary.to_dict("records")),
        "measured_wall_s": round(float(runs["wall_s"].sum()), 3),
    }


def noise_reasons(row: Mapping[Any, Any]) -> list[str]:
    """Why a summary row's cell is noisy (its CV, its outliers), or [] for a quiet one:
    the one rule behind metadata's count and the report's list."""
    reasons = []
    cv, outliers = row["wall_cv"], row["outliers"]
    if not is_missing(cv) and cv > NOISY_CV:
        reasons.append(f"CV {cv:.1%} is over {NOISY_CV:.0%}")
    if outliers:
        reasons.append(f"{outliers} outlier{'s' * (outliers > 1)} beyond {TUKEY_K:g}×IQR and "
                       f"over {OUTLIER_MIN_DEVIATION:.0%} from the median")
    return reasons


def _median(values: pd.Series) -> float | None:
    present = values.dropna()
    return float(present.median()) if len(present) else None
