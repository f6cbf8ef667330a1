"""advice.json records from a search's answer: work kind, reason, the grid's cost."""

from __future__ import annotations

from runner.advise.advice import Measured, advice_for, grid_cost
from runner.advise.trial import Answer, Config, Trial


def trial(model: str, pool: int, wall: float) -> Trial:
    return Trial(Config(model, pool, pooled=model != "sync"), [wall, wall * 1.01, wall * 0.99])


def test_cpu_work_without_threads_has_no_work_kind_and_says_why() -> None:
    sync, processes = trial("sync", 1, 1.0), trial("processes", 2, 0.5)
    answer = Answer(processes, sync, 0.1, False, False, [sync, processes])
    advice = advice_for(answer, Measured("fib", {"tasks": 8}, sync_cpu_share=0.99))
    assert advice.work is None
    assert "no threads run tells whether the GIL is held" in advice.reason
    assert advice.speedup_vs_sync == 2.0
    assert advice.runner_up is not None and advice.runner_up.model == "sync"


def test_a_tie_says_so_and_the_budget_too() -> None:
    sync, threads = trial("sync", 1, 1.0), trial("threads", 4, 0.98)
    answer = Answer(sync, threads, 0.7, True, True, [sync, threads])
    advice = advice_for(answer, Measured("fib", {}, sync_cpu_share=0.97))
    assert advice.tie and advice.work == "cpu-gil-held"
    assert "not significantly different" in advice.reason
    assert "best answer so far" in advice.reason


def test_the_grid_is_doubling_pool_sizes_costed_from_the_nearest_measured_size() -> None:
    trials = [trial("sync", 1, 1.0), trial("threads", 1, 1.0), trial("threads", 8, 0.125)]
    cost = grid_cost(trials, {"sync": False, "threads": True}, max_pool=8)
    assert cost.cells == 1 + 4  # sync; threads at 1, 2, 4, 8
    # sync 1.0, threads 1 -> 1.0, 2 -> 1.0 (nearer 1), 4 -> 0.125 (nearer 8), 8 -> 0.125
    assert abs(cost.seconds - 5 * (1.0 + 1.0 + 1.0 + 0.125 + 0.125)) < 0.01
