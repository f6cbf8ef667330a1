"""A plain-words verdict per workload, derived from the summary (never canned).

    Asyncio runs 37.4x faster than sync with 40 in flight and comes within 11%
    of the ideal; threads reach 30.8x with pool 40 (73% of the ideal); processes
    reach 18.2x with pool 40 (43% of the ideal).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from runner.report.stats import is_missing

if TYPE_CHECKING:
    import pandas as pd

#: A model whose best speedup stays below this is "no faster than sync".
NO_GAIN = 1.05
#: Within this fraction of the ideal a model "reaches" it.
NEAR_IDEAL = 0.15
#: Start-up (pool, loop, sessions) worth a mention: this share of the run or more.
NOTABLE_STARTUP = 0.2



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


def verdict(table: pd.DataFrame) -> str:
    """One paragraph on the cells of one workload and parameter set."""
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
    text = "; ".join(clauses)
    return text[0].upper() + text[1:] + "."
