"""advice.json's records, and what each field holds (the reference docs are generated
from ``FIELD_DOCS``; a test requires a description for every field)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from runner.report.work import WorkKind

ADVICE = "advice.json"


@dataclass(frozen=True)
class RunnerUp:
    model: str
    pool_size: int
    wall_median_s: float
    p_value: float | None  # the signed-rank test on the pairs with the chosen


@dataclass(frozen=True)
class Ratio:
    """The runner-up's wall over the chosen's, from their pairs: the Hodges-Lehmann
    estimate, its 95% interval (None below 6 pairs) and what it says."""

    median: float | None
    ci95: list[float] | None
    pairs: int
    verdict: str  # faster (the chosen is), level, not told apart


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
    ratio_vs_runner_up: Ratio | None = None
    #: The median cores other programs kept busy during the chosen's runs.
    others_cores: float | None = None
    cell: str | None = None  # the chosen's cell id, as in runs.csv


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


#: Per record type, what each of its fields holds in advice.json, in words.
FIELD_DOCS: Mapping[type, Mapping[str, str]] = {
    AdviceFile: {
        "experiment": "The experiment's `name` (`advise-FUNCTION` for the MODULE:FUNCTION "
                      "form).",
        "budget_s": "The `--budget` in seconds.",
        "seconds_used": "The seconds advise really took.",
        "runs_used": "Timed runs made, all of them in runs.csv.",
        "budget_exhausted": "True where the budget ran out before every answer was "
                            "settled: the advice is then the best so far.",
        "advice": "One record per workload parameter set, below.",
    },
    Advice: {
        "workload": "The workload's label.",
        "params": "The parameter set, one value per parameter.",
        "model": "The model named; null where no run succeeded.",
        "pool_size": "Its pool size (1 for sync).",
        "wall_median_s": "The median wall time of the chosen configuration's runs.",
        "ci95_s": "Student's t 95% interval of the mean of those runs, [low, high].",
        "speedup_vs_sync": "sync's time over the chosen's, from sync runs paired with the "
                           "chosen's (1.0 where sync is chosen).",
        "runner_up": "The configuration measured against the chosen, below; null where "
                     "there was none.",
        "tie": "True where the runner-up is level with the chosen and the cheaper one "
               "(model, then pool size) was named.",
        "cpu_share": "The sync run's median CPU time over its median wall time.",
        "work": "`waiting`, `cpu-gil-held`, `cpu-gil-released` or `mixed`: from the sync "
                "run's CPU share and what threads gained; it explains the answer and "
                "never decides it; null where it cannot be told.",
        "reason": "The answer in plain words, derived from the numbers.",
        "ratio_vs_runner_up": "The runner-up's time over the chosen's, from their pairs, "
                              "below; null without pairs.",
        "others_cores": "The median number of cores other programs kept busy during the "
                        "chosen's runs.",
        "cell": "The chosen's cell id in runs.csv.",
    },
    RunnerUp: {
        "model": "The runner-up's model.",
        "pool_size": "Its pool size.",
        "wall_median_s": "The median wall time of its runs.",
        "p_value": "Wilcoxon's signed-rank test on its pairs with the chosen (three "
                   "significant digits); null where none was made.",
    },
    Ratio: {
        "median": "The Hodges-Lehmann estimate of the runner-up's wall over the "
                  "chosen's, from their pairs.",
        "ci95": "Its distribution-free 95% interval, [low, high]; null below 6 pairs.",
        "pairs": "How many pairs it rests on.",
        "verdict": "`faster` (the chosen is), `level` or `not told apart`.",
    },
}
