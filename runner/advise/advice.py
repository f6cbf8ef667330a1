"""advice.json: one record per parameter set, derived from a search's answer.

    {"experiment": "advise", "budget_s": 60.0, "seconds_used": 9.1, "runs_used": 41,
     "budget_exhausted": false, "advice": [{"workload": "sleep", "params": {...},
     "model": "asyncio", "pool_size": 8, ...}]}
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from runner.advise.advice_file import Advice, Ratio, RunnerUp
from runner.advise.paired import DECISIVE, Judgement, Verdict
from runner.advise.rules import doubling
from runner.advise.trial import Answer, Trial, rank
from runner.report.stats import summarize
from runner.report.work import GIL_RELEASED_FROM, WAITING_BELOW, WorkKind, work_kind

#: Free cores (usable less other programs' busy ones) below which threads cannot show
#: that CPU work runs in parallel.
CROWDED_BELOW = 1.5
#: The full grid advise is weighed against: this many repetitions per cell.
GRID_REPETITIONS = 5


@dataclass(frozen=True)
class Measured:
    """What the search cannot know on its own: the sync run's CPU share, the cell id
    of the chosen configuration, and why the runs failed where none succeeded."""

    workload: str
    params: Mapping[str, Any]
    sync_cpu_share: float | None
    cell: str | None = None
    cores: int | None = None  # usable by this process
    failure: str = ""  # the reason where no run succeeded and some failed


def advice_for(answer: Answer, measured: Measured) -> Advice:
    chosen, runner = answer.chosen, answer.runner_up
    speedup = answer.speedup.ratio if answer.speedup is not None else None
    if chosen is not None and chosen.config.model == "sync":
        speedup = 1.0
    share = measured.sync_cpu_share
    threads_speedup = _threads_speedup(answer, speedup)
    crowded = _crowded(answer, measured.cores)
    kind = _kind(answer, share, speedup, threads_speedup, crowded=bool(crowded))
    ci = None
    if chosen is not None:
        summary = summarize(chosen.walls)
        if summary is not None and summary.ci_low is not None and summary.ci_high is not None:
            ci = [round(summary.ci_low, 6), round(summary.ci_high, 6)]
    versus = answer.versus
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
        reason=measured.failure if chosen is None and measured.failure else
        reason(answer, speedup, share, kind, threads_speedup, crowded=crowded),
        ratio_vs_runner_up=Ratio(_round(versus.ratio, 4),
                                 [round(x, 4) for x in versus.ci] if versus.ci else None,
                                 versus.pairs, str(versus.verdict))
        if versus is not None and versus.pairs else None,
        others_cores=_round(statistics.median(chosen.others), 3)
        if chosen is not None and chosen.others else None,
        cell=measured.cell if chosen is not None else None,
    )


def _kind(answer: Answer, share: float | None, speedup: float | None,
          threads_speedup: float | None, *, crowded: bool) -> WorkKind | None:
    """The kind of work, agreeing with the model named: threads that beat sync on CPU
    work show the GIL released; where threads had no two free cores, that they gained
    nothing says nothing."""
    kind = work_kind(share, threads_speedup) if share is not None else None
    chosen = answer.chosen
    if kind == "cpu-gil-held" and chosen is not None and chosen.config.model == "threads" and (
            speedup or 0.0) > 1:
        return "cpu-gil-released"
    if kind == "cpu-gil-held" and crowded:
        return None
    return kind


def _threads_speedup(answer: Answer, speedup: float | None) -> float | None:
    """What threads gained over sync: the paired speedup where threads are named (so the
    kind of work agrees with the answer), else the best threads median over sync's."""
    if answer.chosen is not None and answer.chosen.config.model == "threads":
        return speedup
    sync, threads = _best_of(answer.trials, "sync"), _best_of(answer.trials, "threads")
    if sync is None or threads is None or not threads.median or sync.median is None:
        return None
    return sync.median / threads.median


def _crowded(answer: Answer, cores: int | None) -> str:
    """Where other programs left the pooled threads runs less than CROWDED_BELOW free
    cores on average, the words that say so ("" where they did not, or it is not
    known)."""
    # The runs that could have shown a parallel gain: threads with two workers or more.
    others = [x for t in answer.trials if t.config.model == "threads"
              and t.config.pool_size > 1 for x in t.others]
    if cores is None or not others:
        return ""
    busy = statistics.fmean(others)
    if cores - busy >= CROWDED_BELOW:
        return ""
    return (f"other programs kept {busy:.1f} of the {cores} cores busy during the threads "
            "runs with two workers or more, too many for a parallel gain to show in full, "
            "so whether the GIL is held is not known")


def _best_of(trials: Sequence[Trial], model: str) -> Trial | None:
    measured = [t for t in trials if t.config.model == model and t.walls]
    return min(measured, key=lambda t: t.median or 0.0, default=None)


def _round(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(value, digits)


def _significant(value: float | None) -> float | None:
    """Three significant digits: a p-value of 2e-7 must not round to 0."""
    return None if value is None else float(f"{value:.3g}")


def reason(answer: Answer, speedup: float | None, share: float | None,
           kind: WorkKind | None, threads_speedup: float | None, *, crowded: str = "") -> str:
    """Plain words from the numbers: what won by how much, how sure, and why.

    "significantly" is said only where the signed-rank test on the pairs gives
    p < 0.05; a tie only where the pairs' interval lies within the precision."""
    chosen, runner = answer.chosen, answer.runner_up
    if chosen is None:
        return ("no configuration finished a run"
                + (" before the budget ran out" if answer.budget_exhausted else ""))
    first = f"{chosen.config} measured {chosen.median:.4g} s"
    if speedup is not None and chosen.config.pooled and answer.speedup is not None:
        first += f", {speedup:.2f}x sync ({_numbers(answer.speedup)})"
    parts = [first]
    if runner is not None and answer.versus is not None:
        parts.append(_versus(chosen, runner, answer.versus, answer.budget_exhausted))
    if crowded and kind is None and share is not None:
        parts.append(f"the sync run spends {min(share, 1.0):.0%} of its time on the CPU, but "
                     + crowded)
    else:
        parts.append(_why(kind, share, threads_speedup))
    if answer.recheck:
        parts.append(answer.recheck)
    if answer.budget_exhausted:
        parts.append("the budget ran out: this is the best answer so far")
    return "; ".join(part for part in parts if part) + "."


def _numbers(verdict: Judgement) -> str:
    """``95% CI 1.85-2.01 over 8 pairs, signed-rank p=0.0078`` or what there is."""
    pairs = f"{verdict.pairs} pair" + ("s" if verdict.pairs != 1 else "")
    if verdict.ci is None:
        return f"over {pairs}, too few for a 95% interval"
    return (f"95% CI {verdict.ci[0]:.3f}-{verdict.ci[1]:.3f} over {pairs}, "
            f"signed-rank p={verdict.p:.3g}")


def _versus(chosen: Trial, runner: Trial, verdict: Judgement, exhausted: bool) -> str:
    """The runner-up against the chosen, in the words its pairs allow."""
    ratio, numbers = verdict.ratio or 0.0, _numbers(verdict)
    if verdict.pairs == 0:
        return f"the runner-up {runner.config} was not measured beside it"
    if verdict.verdict is Verdict.LEVEL:
        level = (f"{runner.config} is level with it (ratio {ratio:.3f}, {numbers}, within "
                 "the precision)")
        return level + (", so the cheaper choice is named" if rank(chosen) <= rank(runner)
                        else ", but the pairs show it slower than another configuration, "
                        "so it is not named")
    if verdict.verdict is Verdict.SLOWER:
        return _not_followed(runner, ratio, numbers, exhausted)
    if verdict.verdict is Verdict.FASTER:
        return _slower(runner, verdict, ratio, numbers)
    return (f"the runner-up {runner.config} is not told apart from it (ratio {ratio:.3f}, "
            f"{numbers}): the faster by the pairs' median is named; a larger --budget "
            "would measure more")


def _slower(runner: Trial, verdict: Judgement, ratio: float, numbers: str) -> str:
    """The runner-up told apart as slower: by the test, or by a step too large to need it."""
    if verdict.significant:
        return (f"the runner-up {runner.config} is significantly slower: {ratio:.2f}x the "
                f"time ({numbers})")
    each = ("in the pair made back to back" if verdict.pairs == 1 else
            f"in each of {verdict.pairs} pairs made back to back")
    return (f"the runner-up {runner.config} took {ratio:.2f}x the time, at least "
            f"{verdict.step or DECISIVE:.2g}x {each} (a step that noise does not make; "
            "too few pairs for a significance test)")


def _not_followed(runner: Trial, ratio: float, numbers: str, exhausted: bool) -> str:
    """The runner-up was faster, yet not named: the budget ran out first, or the
    finalists' pairs go round in a circle."""
    faster = (f"the runner-up {runner.config} was faster in their pairs (ratio {ratio:.3f}, "
              f"{numbers})")
    if exhausted:
        return faster + ", but the budget ran out before the answer could follow it"
    return faster + (", yet the pairs of the finalists disagree with each other (a load "
                     "that came and went): none is told apart from all the others")


def _why(kind: WorkKind | None, share: float | None, threads_speedup: float | None) -> str:
    if share is None:
        return "the kind of work is unknown: no sync run succeeded"
    spent = f"the sync run spends {min(share, 1.0):.0%} of its time on the CPU"
    if kind == "waiting":
        return f"{spent} (under {WAITING_BELOW:.0%}): the work is waiting, so workers overlap"
    if kind == "mixed":
        return f"{spent}: the work both computes and waits"
    if kind is None:
        return f"{spent}, but no threads run tells whether the GIL is held"
    gained = f"threads reached {threads_speedup:.2f}x" if threads_speedup else "threads"
    if kind == "cpu-gil-released":
        part = ", at least in part" if (threads_speedup or 0.0) < GIL_RELEASED_FROM else ""
        return f"{spent} and {gained}: the work releases the GIL{part}"
    return (f"{spent} and {gained}: the GIL is held, only processes (and, from Python "
            "3.14, subinterpreters) compute in parallel")


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
class Searched:
    """What the report says of one parameter set's search: every trial, the largest
    pool and per-model ceilings it searched under, and the grid it replaced."""

    name: str
    trials: list[Trial]
    max_pool: int
    in_flight: dict[str, int]
    grid: GridCost


def cpu_share(walls: Sequence[float], cpus: Sequence[float]) -> float | None:
    """Median CPU time over median wall time, as summary.csv's cpu_share."""
    if not walls or not cpus or statistics.median(walls) <= 0:
        return None
    return statistics.median(cpus) / statistics.median(walls)
