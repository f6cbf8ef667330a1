"""advice.json: one record per parameter set, derived from a search's answer.

    {"experiment": "advise", "budget_s": 60.0, "seconds_used": 9.1, "runs_used": 41,
     "budget_exhausted": false, "advice": [{"workload": "sleep", "params": {...},
     "model": "asyncio", "pool_size": 8, ...}]}
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from runner.advise.rules import doubling
from runner.advise.trial import Answer, Trial
from runner.report.stats import MIN_VALUES_FOR_U_TEST, summarize
from runner.report.work import WAITING_BELOW, WorkKind, work_kind

ADVICE = "advice.json"
#: The full grid advise is weighed against: this many repetitions per cell.
GRID_REPETITIONS = 5


@dataclass(frozen=True)
class RunnerUp:
    model: str
    pool_size: int
    wall_median_s: float
    p_value: float | None


@dataclass(frozen=True)
class Advice:
    """The answer for one workload parameter set (model None: nothing succeeded)."""

    workload: str
    params: dict[str, Any]
    model: str | None
    pool_size: int | None
    wall_median_s: float | None
    ci95_s: list[float] | None
    speedup_vs_sync: float | None
    runner_up: RunnerUp | None
    tie: bool
    cpu_share: float | None
    work: WorkKind | None
    reason: str


@dataclass(frozen=True)
class Measured:
    """What the search cannot know on its own: the sync run's CPU share."""

    workload: str
    params: Mapping[str, Any]
    sync_cpu_share: float | None


def advice_for(answer: Answer, measured: Measured) -> Advice:
    chosen, runner = answer.chosen, answer.runner_up
    sync = _best_of(answer.trials, "sync")
    threads = _best_of(answer.trials, "threads")
    speedup = _speedup(sync, chosen)
    threads_speedup = _speedup(sync, threads)
    share = measured.sync_cpu_share
    kind = work_kind(share, threads_speedup) if share is not None else None
    ci = None
    if chosen is not None:
        summary = summarize(chosen.walls)
        if summary is not None and summary.ci_low is not None and summary.ci_high is not None:
            ci = [round(summary.ci_low, 6), round(summary.ci_high, 6)]
    return Advice(
        workload=measured.workload, params=dict(measured.params),
        model=chosen.config.model if chosen else None,
        pool_size=chosen.config.pool_size if chosen else None,
        wall_median_s=_round(chosen.median if chosen else None), ci95_s=ci,
        speedup_vs_sync=_round(speedup, 3),
        runner_up=RunnerUp(runner.config.model, runner.config.pool_size,
                           _round(runner.median) or 0.0, _significant(answer.p_value))
        if runner is not None else None,
        tie=answer.tie, cpu_share=_round(share, 3), work=kind,
        reason=reason(answer, speedup, share, kind, threads_speedup),
    )


def _best_of(trials: Sequence[Trial], model: str) -> Trial | None:
    measured = [t for t in trials if t.config.model == model and t.walls]
    return min(measured, key=lambda t: t.median or 0.0, default=None)


def _speedup(sync: Trial | None, other: Trial | None) -> float | None:
    if sync is None or other is None or not other.median or sync.median is None:
        return None
    return sync.median / other.median


def _round(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(value, digits)


def _significant(value: float | None) -> float | None:
    """Three significant digits: a p-value of 2e-7 must not round to 0."""
    return None if value is None else float(f"{value:.3g}")


def reason(answer: Answer, speedup: float | None, share: float | None,
           kind: WorkKind | None, threads_speedup: float | None) -> str:
    """Plain words from the numbers: what won by how much, how sure, and why."""
    chosen, runner = answer.chosen, answer.runner_up
    if chosen is None:
        return ("no configuration finished a run"
                + (" before the budget ran out" if answer.budget_exhausted else ""))
    parts = [f"{chosen.config} measured {chosen.median:.4g} s"
             + (f", {speedup:.2f}x sync" if speedup is not None and chosen.config.pooled
                else "")]
    if runner is not None:
        p = answer.p_value
        shown = f"p={p:.3g}" if p is not None else "no test"
        if min(len(chosen.walls), len(runner.walls)) < MIN_VALUES_FOR_U_TEST:
            shown += f", too few runs for a U test: {len(runner.walls)} against "
            shown += f"{len(chosen.walls)}, so 95% intervals decide"
        if answer.tie:
            parts.append(f"{runner.config} ({runner.median:.4g} s) is not significantly "
                         f"different ({shown}), so the cheaper choice is named")
        else:
            parts.append(f"the runner-up {runner.config} is significantly slower "
                         f"({runner.median:.4g} s, {shown})")
    parts.append(_why(kind, share, threads_speedup))
    if answer.budget_exhausted:
        parts.append("the budget ran out: this is the best answer so far")
    return "; ".join(part for part in parts if part) + "."


def _why(kind: WorkKind | None, share: float | None, threads_speedup: float | None) -> str:
    if share is None:
        return "the kind of work is unknown: no sync run succeeded"
    spent = f"the sync run spends {share:.0%} of its time on the CPU"
    if kind == "waiting":
        return f"{spent} (under {WAITING_BELOW:.0%}): the work is waiting, so workers overlap"
    if kind == "mixed":
        return f"{spent}: the work is mixed"
    if kind is None:
        return f"{spent}, but no threads run tells whether the GIL is held"
    gained = f"threads reached {threads_speedup:.2f}x" if threads_speedup else "threads"
    if kind == "cpu-gil-released":
        return f"{spent} and {gained}: the work releases the GIL"
    return f"{spent} and {gained}: the GIL is held, only processes compute in parallel"


@dataclass(frozen=True)
class GridCost:
    """What the full grid would have cost: doubling pool sizes per pooled model."""

    cells: int
    seconds: float


def grid_cost(trials: Sequence[Trial], models: Mapping[str, bool], max_pool: int) -> GridCost:
    """Cells and estimated seconds of the grid 1, 2, 4, ... max_pool per pooled model at
    GRID_REPETITIONS runs each; an unmeasured cell costs its model's nearest measured
    pool size (else the slowest measured median: a model dropped before it ran)."""
    measured = [t for t in trials if t.walls]
    fallback = max((t.median or 0.0 for t in measured), default=0.0)
    cells, seconds = 0, 0.0
    for model, pooled in models.items():
        for size in doubling(max_pool) if pooled else [1]:
            own = [t for t in measured if t.config.model == model]
            # Nearest on a log scale: the grid doubles, so 4 is nearer 8 than 1.
            nearest = min(own, key=lambda t: abs(math.log(t.config.pool_size / size)),
                          default=None)
            median = nearest.median if nearest is not None else fallback
            cells += 1
            seconds += (median or 0.0) * GRID_REPETITIONS
    return GridCost(cells, seconds)


@dataclass(frozen=True)
class AdviceFile:
    experiment: str
    budget_s: float
    seconds_used: float
    runs_used: int
    budget_exhausted: bool
    advice: list[Advice]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def write_advice(path: Path, record: AdviceFile) -> None:
    path.write_text(json.dumps(record.to_json(), indent=2) + "\n", encoding="utf-8")


def cpu_share(walls: Sequence[float], cpus: Sequence[float]) -> float | None:
    """Median CPU time over median wall time, as summary.csv's cpu_share."""
    if not walls or not cpus or statistics.median(walls) <= 0:
        return None
    return statistics.median(cpus) / statistics.median(walls)
