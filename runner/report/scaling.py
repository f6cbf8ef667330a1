"""scaling.csv: the Universal Scalability Law fitted to each pooled model of each
comparison group, with bootstrap intervals, and plain words about what each fit says.

A model gets a row where its cells have ok runs at 3 or more pool sizes. The
throughput at a pool size is the median over the cell's ok runs of tasks /
wall_s (runs.csv's ``throughput_per_s``); the intervals resample those runs
(``runner.report.usl``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from runner.report import usl
from runner.report.stats import is_missing
from runner.report.summary import comparison_groups
from runner.results.rows import Status

if TYPE_CHECKING:
    import pandas as pd

#: scaling.csv's columns after ``model``, in order, and what each holds (the reference
#: docs are generated from these).
FIT_COLUMN_DOCS: Mapping[str, str] = {
    "points": "The distinct pool sizes fitted (3 or more).",
    "lambda_per_s": "λ, the fitted throughput of one worker, in tasks per second.",
    "sigma": "σ, the contention or serial share: 0 scales linearly, 1 gains nothing from "
             "more workers.",
    "kappa": "κ, the coherency cost that grows with pairs of workers.",
    "peak_pool": "N* = √((1 − σ) / κ), the pool size where throughput peaks; empty "
                 "without a peak (κ = 0, or σ ≥ 1).",
    "peak_throughput_per_s": "The fitted throughput at the peak, in tasks per second; "
                             "empty without a peak.",
    "r2": "How well the law fits the medians (1: perfectly); the report does not quote a "
          "fit below 0.8.",
}
INTERVAL_COLUMN_DOCS: Mapping[str, str] = {
    "sigma_ci95_low": "The low end of σ's 95% bootstrap interval (the runs of each cell "
                      "resampled).",
    "sigma_ci95_high": "Its high end.",
    "peak_pool_ci95_low": "The low end of the peak pool's 95% bootstrap interval.",
    "peak_pool_ci95_high": "Its high end.",
}
FIT_COLUMNS: tuple[str, ...] = tuple(FIT_COLUMN_DOCS)
INTERVAL_COLUMNS: tuple[str, ...] = tuple(INTERVAL_COLUMN_DOCS)
#: Below this serial share a model without a peak "scales linearly".
LINEAR_SIGMA = 0.01
#: A peak past this multiple of the largest pool measured is an extrapolation too far
#: to point at: the notes say the model still gains, and plots mark no peak.
PEAK_REACH = 2.0


def scaling_columns(params: Sequence[str], several_pythons: bool = False) -> list[str]:
    """scaling.csv's header; ``python`` follows ``model`` where runs used several
    interpreters, as rows would otherwise not say which one they fit."""
    python = ["python"] if several_pythons else []
    return ["experiment", "workload", *params, "model", *python, *FIT_COLUMNS,
            *INTERVAL_COLUMNS]


def run_throughputs(runs: pd.DataFrame) -> pd.Series:
    """Each run's throughput in tasks per second: ``throughput_per_s``, or tasks / wall_s
    for frames without that column."""
    if "throughput_per_s" in runs:
        return runs["throughput_per_s"].astype("float64")
    return (runs["tasks"] / runs["wall_s"]).astype("float64")


def ok_throughputs(runs: pd.DataFrame) -> dict[str, list[float]]:
    """Per cell, the positive throughputs of its ok runs, in runs.csv order."""
    import numpy as np

    ok = runs[runs["status"] == Status.OK]
    rates = run_throughputs(ok)
    usable = rates.notna() & np.isfinite(rates) & (rates > 0)
    found: dict[str, list[float]] = {}
    for cell, rate in zip(ok.loc[usable, "cell"], rates[usable], strict=True):
        found.setdefault(str(cell), []).append(float(rate))
    return found


def scaling_table(summary: pd.DataFrame, runs: pd.DataFrame,
                  param_columns: Sequence[str]) -> pd.DataFrame:
    """One row per comparison group and pooled model with ok runs at 3 or more pool sizes,
    in summary order: the fitted law, its peak, r2 and 95% bootstrap intervals."""
    import pandas as pd

    samples = ok_throughputs(runs)
    pythons = _pythons(runs)
    several = len({p for p in pythons.values() if not is_missing(p)}) > 1
    rows: list[dict[str, Any]] = []
    for group in comparison_groups(summary, runs):
        table = summary[summary["cell"].isin(group.cells)]
        first = table.iloc[0]
        keys = {name: first[name] for name in ("experiment", "workload", *param_columns)}
        if several:
            keys["python"] = pythons.get(str(first["cell"]))
        pooled = table[table["model"] != "sync"]
        for model, cells in pooled.groupby("model", sort=False):
            by_pool: dict[float, list[float]] = {}
            for cell, pool in zip(cells["cell"], cells["pool_size"], strict=True):
                by_pool.setdefault(float(pool), []).extend(samples.get(str(cell), []))
            fitted = _fit(by_pool)
            if fitted is not None:
                rows.append({**keys, "model": model, **fitted})
    frame = pd.DataFrame(rows, columns=scaling_columns(param_columns, several))
    floats = [c for c in (*FIT_COLUMNS, *INTERVAL_COLUMNS) if c != "points"]
    frame[floats] = frame[floats].astype("float64")
    frame["points"] = frame["points"].astype("int64")
    return frame


def _fit(by_pool: dict[float, list[float]]) -> dict[str, Any] | None:
    import statistics

    measured = {pool: values for pool, values in sorted(by_pool.items()) if values}
    result = usl.fit(list(measured), [statistics.median(v) for v in measured.values()])
    if result is None:
        return None
    intervals = usl.bootstrap(measured)
    sigma_ci = intervals.sigma if intervals else (None, None)
    peak_ci: tuple[float | None, float | None] = (None, None)
    if intervals and intervals.peak_pool and result.peak_pool is not None:
        peak_ci = intervals.peak_pool  # none for a fit without a peak, whatever resamples say
    return {"points": result.points, "lambda_per_s": result.lambda_per_s,
            "sigma": result.sigma, "kappa": result.kappa, "peak_pool": result.peak_pool,
            "peak_throughput_per_s": result.peak_throughput_per_s, "r2": result.r2,
            "sigma_ci95_low": sigma_ci[0], "sigma_ci95_high": sigma_ci[1],
            "peak_pool_ci95_low": peak_ci[0], "peak_pool_ci95_high": peak_ci[1]}


def _pythons(runs: pd.DataFrame) -> dict[str, Any]:
    """Each cell's interpreter: its first run's, as comparison groups take it."""
    if "python" not in runs:
        return {}
    firsts = runs.drop_duplicates("cell")
    return dict(zip(firsts["cell"].astype(str), firsts["python"], strict=True))


def group_rows(table: pd.DataFrame | None, group: pd.DataFrame,
               runs: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``table`` (scaling_table's) that fit the comparison group whose summary
    rows are ``group``; none where ``table`` is None."""
    import pandas as pd

    if table is None or table.empty or group.empty:
        return pd.DataFrame(columns=[] if table is None else table.columns)
    first = group.iloc[0]
    names = [str(c) for c in table.columns]
    params = names[names.index("workload") + 1:names.index("model")]
    wanted = {name: first[name] for name in ("workload", *params) if name in group}
    if "python" in table:
        wanted["python"] = _pythons(runs).get(str(first["cell"]))
    mask = pd.Series(True, index=table.index)
    for name, value in wanted.items():
        mask &= table[name].isna() if is_missing(value) else table[name] == value
    return table[mask]


#: A fitted peak below this many workers means the second worker already costs more
#: than it brings: "peaks near 0.6 workers" would read as nonsense.
FIRST_WORKER_PEAK = 1.5


def scaling_notes(rows: pd.DataFrame, largest_pool: float | None = None,
                  capped: Mapping[str, int] | None = None) -> list[str]:
    """Plain-words clauses on what bounds each model, one per fit of one comparison group
    (``rows``: its scaling_table rows) that is not poor, e.g. ``processes: serial share 0.30,
    crosstalk 0.01: peaks near 8.4 workers``. ``largest_pool``: the group's largest pool
    measured, where known; a peak far beyond it is not pointed at. ``capped``: the models
    that something in the work lets only about k calls through, by k (``caps``): the
    law's smooth curve puts a peak near the corner of their plateau, which is the cap's."""
    notes = []
    for row in rows.to_dict("records"):
        if row["r2"] < usl.POOR_FIT_R2:
            continue
        clause = f"{row['model']}: serial share {row['sigma']:.2f}"
        peak, sigma = row["peak_pool"], row["sigma"]
        if capped and row["model"] in capped:
            calls = capped[row["model"]]
            clause += f": levels off at the cap of about {calls} call{'s' * (calls != 1)} at once"
        elif not is_missing(peak):
            clause += f", crosstalk {row['kappa']:.2g}"
            if peak < FIRST_WORKER_PEAK:
                clause += ": one worker is best; every added worker costs throughput"
            elif largest_pool is not None and peak > PEAK_REACH * largest_pool:
                clause += (f": still gains at pool {largest_pool:g} (the fit puts the peak "
                           f"near {workers(peak)} workers, far beyond the pools measured)")
            else:
                clause += f": peaks near {workers(peak)} workers"
        elif sigma < LINEAR_SIGMA:
            clause += ": scales linearly over the pools measured"
        else:
            clause += f": levels off below {1 / sigma:.3g}× one worker"
        notes.append(clause)
    return notes


def workers(count: float) -> str:
    """A fitted pool size as people say it: ``8.4``, ``22``, ``140``."""
    return f"{count:.2g}" if count < 10 else f"{math.floor(count + 0.5)}"
