"""A plain-words verdict per workload, derived from the summary (never canned):
what won, then one sentence on why. Given the cells' wall times, a lead or a speedup
is claimed only where the runs tell it apart (``told``); else the words say the cells
are level or not told apart.

    Asyncio runs 37.4x faster than sync with 40 in flight and comes within 11%
    of the ideal; threads reach 30.8x with pool 40 (73% of the ideal); processes
    reach 18.2x with pool 40 (43% of the ideal). The sync run spends 2% of its
    time on the CPU: the work is waiting; beyond 32 threads more workers stop
    paying (40 gain 4%).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from runner.report import caps as capped
from runner.report.headline import Walls, compare, contenders, runner_up
from runner.report.stats import is_missing
from runner.report.told import DEFAULT_PRECISION, Comparison, Told, interval_words
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
            notes: list[str] | None = None, walls: Walls | None = None,
            precision: float = DEFAULT_PRECISION, leader: str | None = None,
            caps: Sequence[capped.Cap] = ()) -> str:
    """One paragraph on the cells of one workload and parameter set: what won, and
    why. ``cores``: the usable cores, where known; ``notes``: further clauses of
    the why (e.g. from a scaling fit); ``walls``: the cells' ok wall times, by which
    a lead or a speedup is claimed only where the runs tell it apart (without them
    the medians alone speak); ``leader``: the cell that leads (an advise run's
    choice), else the lowest median; ``caps``: the models that something in the work
    lets only so many calls through (``caps.find_caps``)."""
    measured = table.dropna(subset=["wall_median_s"])
    if measured.empty:
        return "No run of this workload succeeded."
    winner, others = contenders(measured, leader)
    syncs = measured[measured["model"] == "sync"]
    # sync's row, where speedups are quoted (a cell compared with another host's sync
    # has none)
    sync = syncs.iloc[0] if len(syncs) and not is_missing(winner["speedup_vs_sync"]) else None
    up = runner_up(measured, winner, others)
    against = compare(walls, winner, up, precision) if up is not None else None
    clauses = []
    if (up is not None and against is not None and against.told is Told.LEVEL
            and "sync" not in (winner["model"], up["model"])):  # with sync, speedups say it
        clauses.append(f"{_named(winner)} and {_named(up)} are level")
    if winner["model"] == "sync" or sync is None:
        clauses.append(_lead(winner, crowned=against is None or against.told is Told.FASTER))
    rows = [row for _, row in others.iterrows() if row["model"] != "sync"]
    if sync is None:
        clauses += [f"{_verb(row['model'], 'take', 'takes')} {row['wall_median_s']:.3g} s "
                    f"at best ({_pool(row['model'], row['pool_size'])})" for row in rows]
    else:
        leading = [winner] if winner["model"] != "sync" else []
        clauses += _speedups([*leading, *rows], sync, walls, precision,
                             lead=winner if leading else None)
    return " ".join(part for part in (_sentence(clauses),
                                      why(table, cores=cores, notes=notes, caps=caps))
                    if part)


def _lead(winner: pd.Series, *, crowned: bool) -> str:
    """The leader's clause where no speedup of it is quoted (it is sync, or there is
    none): "fastest" only where ``crowned``, told apart from the runner-up."""
    median = f"{winner['wall_median_s']:.3g} s"
    if winner["model"] == "sync":
        said = "is fastest at" if crowned else "has the lowest median,"
        return f"sync {said} {median}: no model beat the plain loop"
    pool = _pool(winner["model"], winner["pool_size"])
    if crowned:
        return f"{_verb(winner['model'], 'run', 'runs')} fastest with {pool}, at {median}"
    return f"{_verb(winner['model'], 'take', 'takes')} {median} with {pool}"


def _speedups(rows: list[pd.Series], sync: pd.Series, walls: Walls | None, precision: float,
              *, lead: pd.Series | None) -> list[str]:
    """A clause per model's best row on its speedup over sync; the rows too few runs
    keep apart from sync share one clause, where the first of them stood."""
    clauses: list[str] = []
    few: list[pd.Series] = []
    at = 0
    for row in rows:
        where = _pool(row["model"], row["pool_size"])
        told = _vs_sync(row, sync, walls, precision)
        if told is not None and told.told is Told.NOT_TOLD and told.low is None:
            at = at if few else len(clauses)
            few.append(row)
        else:
            clauses.append(_vs_sync_clause(row, told, where, lead=row is lead))
    if few:
        named = [f"{row['model']} ({_speedup(row)} with "
                 f"{_pool(row['model'], row['pool_size'])})" for row in few]
        names = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
        # one model agrees with its name (``threads are``, ``asyncio is``), several are
        verb = "are" if len(few) > 1 or str(few[0]["model"]).endswith("s") else "is"
        clauses.insert(at, f"{names} {verb} not told apart from sync: too few runs for an "
                           "interval")
    return clauses


def _vs_sync_clause(row: pd.Series, told: Comparison | None, where: str, *,
                    lead: bool) -> str:
    """The speedup of a model's best row over sync, claimed only where it is told apart
    (``told`` None: no runs to tell by, the median speaks)."""
    speedup = row["speedup_vs_sync"]
    if told is not None and told.told is not Told.FASTER:
        return _untold(row, told, where)
    if lead and speedup >= 1:
        ideal = _ideal(row, with_verb=True)
        return (f"{_verb(row['model'], 'run', 'runs')} {speedup:.1f}× faster than sync "
                f"with {where}" + (f" and {ideal}" if ideal else "") + _startup(row))
    if speedup < NO_GAIN:
        return (f"{_verb(row['model'], 'are', 'is')} no faster than sync (at best "
                f"{speedup:.2f}×, {where})")
    ideal = _ideal(row)
    return (f"{_verb(row['model'], 'reach', 'reaches')} {speedup:.1f}× with {where}"
            + (f" ({ideal})" if ideal else "") + _startup(row))


def _vs_sync(row: pd.Series, sync: pd.Series, walls: Walls | None,
             precision: float) -> Comparison | None:
    """The faster of a row and sync by median against the other: FASTER where it is
    faster beyond noise."""
    if row["wall_median_s"] <= sync["wall_median_s"]:
        return compare(walls, row, sync, precision)
    return compare(walls, sync, row, precision)


def _untold(row: pd.Series, told: Comparison, where: str) -> str:
    """``threads are not told apart from sync (1.1x with pool 4, 95% CI 0.81-1.52)``;
    the interval is of the speedup, sync / this cell."""
    # where sync is the faster, told compares it with this cell: invert into a speedup's
    ci = interval_words(told, inverse=row["speedup_vs_sync"] < 1)
    relation = "level with" if told.told is Told.LEVEL else "not told apart from"
    return (f"{_verb(row['model'], 'are', 'is')} {relation} sync ({_speedup(row)} with "
            f"{where}, {ci})")


def _speedup(row: pd.Series) -> str:
    """``3.9x``, with two decimals below NO_GAIN (``0.82x``), as "no faster" quotes it."""
    speedup = row["speedup_vs_sync"]
    return f"{speedup:.2f}×" if speedup < NO_GAIN else f"{speedup:.1f}×"


def _named(row: pd.Series) -> str:
    """``threads with pool 4``, ``asyncio with 4 in flight``."""
    return f"{row['model']} with {_pool(row['model'], row['pool_size'])}"


def _sentence(clauses: list[str]) -> str:
    text = "; ".join(clauses)
    return text[0].upper() + text[1:] + "." if text else ""


def why(table: pd.DataFrame, *, cores: int | None = None,
        notes: list[str] | None = None, caps: Sequence[capped.Cap] = ()) -> str:
    """One sentence on why the models rank as they do, from the group's summary rows
    (``cpu_share``, ``speedup_vs_sync``, medians per pool size) and the ``caps`` found
    in them, or "" where they tell nothing."""
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
        # a capped model's plateau is said by its cap, in words that name k
        clauses += [capped.clause(caps),
                    _stop_paying(table, skip={cap.model for cap in caps})]
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


def _stop_paying(table: pd.DataFrame, skip: frozenset[str] | set[str] = frozenset()) -> str:
    """Where a larger pool of the fastest pooled model (not one of ``skip``) stops
    cutting the median by STOP_PAYING_GAIN, or that it never did up to the largest
    pool tried."""
    measured = table[~table["model"].isin(["sync", *skip]) & table["wall_median_s"].notna()]
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
