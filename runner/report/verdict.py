"""A plain-words verdict per workload, derived from the summary (never canned):
what won, then one sentence on why.

    Asyncio runs 37.4x faster than sync with 40 in flight and comes within 11%
    of the ideal; threads reach 30.8x with pool 40 (73% of the ideal); processes
    reach 18.2x with pool 40 (43% of the ideal). The sync run spends 2% of its
    time on the CPU: the work is waiting; beyond 32 threads more workers stop
    paying (40 gain 4%).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from runner.report.stats import is_missing
from runner.report.work import WorkKind, work_kind

if TYPE_CHECKING:
    import pandas as pd

#: A model whose best speedup stays below this is "no faster than sync".
NO_GAIN = 1.05
#: Within this fraction of the ideal a model "reaches" it.
NEAR_IDEAL = 0.15
#: Start-up (pool, loop, sessions) worth a mention: this share of the run or more.
NOTABLE_STARTUP = 0.2
#: A larger pool that cuts the median by less than this is not worth its workers:
#: the gain is within what a shared machine varies from run to run, and each
#: worker costs memory and start-up.
STOP_PAYING_GAIN = 0.10

def _verb(model: str, plural: str, singular: str) -> str:
    """``threads reach`` but ``asyncio reaches``."""
    return f"{model} {plural if model.endswith('s') else singular}"


def _pool(model: str, size: int) -> str:
    if model == "asyncio":
        return f"{size} in flight"
    return f"pool {size}"


def _ideal(row: pd.Series, with_verb: bool = False) -> str:
    """``within 5% of the ideal`` / ``41% of the ideal``, or with a verb agreeing with
    the model (``threads come within ...``, ``asyncio reaches ...``)."""
    efficiency = row["efficiency"]
    if is_missing(efficiency):
        return ""
    near = efficiency >= 1 - NEAR_IDEAL
    plural = str(row["model"]).endswith("s")
    verb = ""
    if with_verb:
        verb = ("come " if plural else "comes ") if near else (
            "reach " if plural else "reaches ")
    if near:
        return f"{verb}within {max(0.0, 1 - efficiency):.0%} of the ideal"
    return f"{verb}{efficiency:.0%} of the ideal"


def _startup(row: pd.Series) -> str:
    """``, paying 0.21 s of start-up`` where start-up is a large part of the run."""
    startup = row.get("startup_median_s")
    if is_missing(startup) or startup < NOTABLE_STARTUP * row["wall_median_s"]:
        return ""
    return f", paying {startup:.2g} s of start-up"


def verdict(table: pd.DataFrame, *, cores: int | None = None,
            notes: list[str] | None = None) -> str:
    """One paragraph on the cells of one workload and parameter set: what won, and
    why. ``cores``: the usable cores, where known; ``notes``: further clauses of
    the why (e.g. from a scaling fit)."""
    measured = table.dropna(subset=["wall_median_s"])
    if measured.empty:
        return "No run of this workload succeeded."
    best = measured.sort_values("wall_median_s", kind="stable").groupby(
        "model", sort=False).head(1)
    winner, others = best.iloc[0], best.iloc[1:]
    has_sync = not is_missing(winner["speedup_vs_sync"])
    if winner["model"] == "sync":
        first = f"sync is fastest at {winner['wall_median_s']:.3g} s: no model beat the plain loop"
    elif has_sync:
        first = (f"{_verb(winner['model'], 'run', 'runs')} "
                 f"{winner['speedup_vs_sync']:.1f}× faster than sync with "
                 f"{_pool(winner['model'], winner['pool_size'])}")
        ideal = _ideal(winner, with_verb=True)
        first += (f" and {ideal}" if ideal else "") + _startup(winner)
    else:
        first = (f"{_verb(winner['model'], 'run', 'runs')} fastest with "
                 f"{_pool(winner['model'], winner['pool_size'])}, at "
                 f"{winner['wall_median_s']:.3g} s")
    clauses = [first]
    for _, row in others.iterrows():
        if row["model"] == "sync":
            continue
        where = _pool(row["model"], row["pool_size"])
        if has_sync and row["speedup_vs_sync"] < NO_GAIN:
            clauses.append(f"{_verb(row['model'], 'are', 'is')} no faster than sync (at best "
                           f"{row['speedup_vs_sync']:.2f}×, {where})")
        elif has_sync:
            ideal = _ideal(row)
            clauses.append(f"{_verb(row['model'], 'reach', 'reaches')} "
                           f"{row['speedup_vs_sync']:.1f}× with {where}"
                           + (f" ({ideal})" if ideal else "") + _startup(row))
        else:
            clauses.append(f"{_verb(row['model'], 'take', 'takes')} "
                           f"{row['wall_median_s']:.3g} s at best ({where})")
    return " ".join(part for part in (_sentence(clauses),
                                      why(table, cores=cores, notes=notes)) if part)


def _sentence(clauses: list[str]) -> str:
    text = "; ".join(clauses)
    return text[0].upper() + text[1:] + "." if text else ""


def why(table: pd.DataFrame, *, cores: int | None = None,
        notes: list[str] | None = None) -> str:
    """One sentence on why the models rank as they do, from the group's summary rows
    (``cpu_share``, ``speedup_vs_sync``, medians per pool size), or "" where they
    tell nothing."""
    sync = table[(table["model"] == "sync") & table["wall_median_s"].notna()]
    share = sync["cpu_share"].iloc[0] if "cpu_share" in table and len(sync) else None
    threads = _best_speedup(table, "threads")
    kind: WorkKind | None = None
    clauses = []
    if share is not None and not is_missing(share):
        kind = work_kind(share, threads)
        clauses.append(_kind_clause(kind, share, threads))
    # A model that never ran is named, and so never mistaken for one that lost.
    clauses += [f"{model} {_no_success(cells)}" for model, cells in table.groupby(
        "model", sort=False) if cells["wall_median_s"].isna().all()]
    if kind in ("waiting", "mixed"):
        clauses.append(_stop_paying(table))
    elif share is not None and not is_missing(share) and cores and _gained(table, "processes"):
        clauses.append(f"processes are bounded by the {cores} usable "
                       f"core{'s' * (cores > 1)}")
    return _sentence([clause for clause in (*clauses, *(notes or [])) if clause])


def _gained(table: pd.DataFrame, model: str) -> bool:
    """The model beat sync somewhere (where it did not, its start-up, not the cores,
    held it back)."""
    best = _best_speedup(table, model)
    return best is not None and best >= NO_GAIN


def _best_speedup(table: pd.DataFrame, model: str) -> float | None:
    speedups = table.loc[table["model"] == model, "speedup_vs_sync"].dropna()
    return float(speedups.max()) if len(speedups) else None


def _kind_clause(kind: WorkKind | None, share: float, threads: float | None) -> str:
    # One thread cannot use more CPU than wall time: a share above 1 in the sync
    # run is the clocks' granularity, so it reads as 100%.
    share = min(share, 1.0)
    if kind == "waiting":
        return f"the sync run spends {share:.0%} of its time on the CPU: the work is waiting"
    cpu = f"the sync run is {share:.0%} CPU"
    if kind == "mixed":
        return f"{cpu}: the work both computes and waits"
    if kind == "cpu-gil-released":
        return (f"{cpu} and threads gained {threads:.1f}×, so the work releases the GIL "
                "(as hashlib and zlib do)")
    if kind == "cpu-gil-held" and threads is not None:
        gained = (f"nothing ({threads:.2f}×)" if threads < NO_GAIN
                  else f"only {threads:.2f}×")
        return f"{cpu} and threads gained {gained}: the work holds the GIL"
    return cpu


def _no_success(cells: pd.DataFrame) -> str:
    """``failed every run`` where every run was an error or timeout (summary's
    ``failed``), else ``had no successful run`` (some were skipped)."""
    if {"runs", "failed"} <= set(cells.columns) and (cells["runs"] == cells["failed"]).all():
        return "failed every run"
    return "had no successful run"


def _stop_paying(table: pd.DataFrame) -> str:
    """Where a larger pool of the fastest pooled model stops cutting the median by
    STOP_PAYING_GAIN, or that it never did up to the largest pool tried."""
    measured = table[(table["model"] != "sync") & table["wall_median_s"].notna()]
    for model in measured.sort_values("wall_median_s", kind="stable")["model"].unique():
        cells = measured[measured["model"] == model].sort_values("pool_size")
        if cells["pool_size"].nunique() < 2:
            continue
        sizes, medians = cells["pool_size"].tolist(), cells["wall_median_s"].tolist()
        for i in range(len(sizes) - 1):
            gain = medians[i] / medians[i + 1] - 1
            if gain < STOP_PAYING_GAIN:
                return (f"beyond {_workers(model, sizes[i])} more workers stop paying "
                        f"({sizes[i + 1]} gain {max(gain, 0.0):.0%})")
        return f"more workers kept paying up to {_workers(model, sizes[-1])}, the largest tried"
    return ""


def _workers(model: str, size: int) -> str:
    """``16 threads``, ``16 in flight`` (asyncio), ``4 processes``."""
    return f"{size} in flight" if model == "asyncio" else f"{size} {model}"
