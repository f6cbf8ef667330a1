"""advice.json records from a search's answer: work kind, words that match the numbers,
the grid's cost."""

from __future__ import annotations

import re

from runner.advise.advice import Measured, advice_for, grid_cost
from runner.advise.paired import Judgement, Run, Verdict
from runner.advise.trial import Answer, Config, Trial


def trial(model: str, pool: int, wall: float, others: float | None = None) -> Trial:
    return Trial(Config(model, pool, pooled=model != "sync"),
                 [Run(w, others) for w in (wall, wall * 1.01, wall * 0.99)])


def judged(verdict: Verdict, ratio: float, ci: tuple[float, float] | None, p: float,
           pairs: int, *, decisive: bool = False) -> Judgement:
    return Judgement(verdict, ratio, ci, p, pairs, decisive)


def test_cpu_work_without_threads_has_no_work_kind_and_says_why() -> None:
    sync, processes = trial("sync", 1, 1.0), trial("processes", 2, 0.5, others=0.1)
    versus = judged(Verdict.FASTER, 2.0, None, 0.5, 2, decisive=True)
    answer = Answer(processes, sync, versus, versus, False, False, [sync, processes])
    advice = advice_for(answer, Measured("fib", {"tasks": 8}, 0.99, "fib[tasks=8]/processes"))
    assert advice.work is None
    assert "no threads run tells whether the GIL is held" in advice.reason
    assert advice.speedup_vs_sync == 2.0
    assert advice.runner_up is not None and advice.runner_up.model == "sync"
    # A decisive step is described as seen, never as significant.
    assert "significant" not in advice.reason and "each of 2 pairs" in advice.reason
    assert advice.ratio_vs_runner_up is not None and advice.ratio_vs_runner_up.pairs == 2
    assert advice.others_cores == 0.1 and advice.cell == "fib[tasks=8]/processes"


def test_a_tie_quotes_its_interval_and_the_budget_too() -> None:
    sync, threads = trial("sync", 1, 1.0), trial("threads", 4, 0.98)
    versus = judged(Verdict.LEVEL, 0.99, (0.97, 1.02), 0.4, 8)
    answer = Answer(sync, threads, versus, None, True, True, [sync, threads])
    advice = advice_for(answer, Measured("fib", {}, sync_cpu_share=0.97))
    assert advice.tie and advice.work == "cpu-gil-held"
    assert "level with it" in advice.reason and "0.970-1.020" in advice.reason
    assert "best answer so far" in advice.reason
    assert advice.ratio_vs_runner_up is not None
    assert advice.ratio_vs_runner_up.ci95 == [0.97, 1.02]


def test_significantly_only_below_the_tests_alpha() -> None:
    sync, processes = trial("sync", 1, 1.0), trial("processes", 2, 0.9)
    for p, says in ((0.02, True), (0.0539, False)):
        versus = judged(Verdict.FASTER if says else Verdict.NOT_TOLD_APART, 1.1,
                        (1.02, 1.2) if says else (0.98, 1.2), p, 8)
        answer = Answer(processes, sync, versus, versus, False, False, [sync, processes])
        reason = advice_for(answer, Measured("x", {}, 0.99)).reason
        claims = re.search(r"(?<!not )significantly", reason) is not None
        assert claims == says, reason
        if not says:
            assert "not told apart" in reason


def test_threads_named_on_cpu_work_say_the_gil_is_released() -> None:
    sync, threads = trial("sync", 1, 1.0), trial("threads", 2, 0.83)
    versus = judged(Verdict.FASTER, 1.2, (1.1, 1.3), 0.01, 8)
    answer = Answer(threads, sync, versus, versus, False, False, [sync, threads])
    advice = advice_for(answer, Measured("zlib", {}, sync_cpu_share=0.98))
    assert advice.work == "cpu-gil-released"
    assert "GIL is held" not in advice.reason and "releases the GIL" in advice.reason


def test_the_grid_is_doubling_pool_sizes_costed_from_the_nearest_measured_size() -> None:
    trials = [trial("sync", 1, 1.0), trial("threads", 1, 1.0), trial("threads", 8, 0.125)]
    cost = grid_cost(trials, {"sync": False, "threads": True}, max_pool=8)
    assert cost.cells == 1 + 4  # sync; threads at 1, 2, 4, 8
    # sync 1.0, threads 1 -> 1.0, 2 -> 1.0 (nearer 1), 4 -> 0.125 (nearer 8), 8 -> 0.125
    assert abs(cost.seconds - 5 * (1.0 + 1.0 + 1.0 + 0.125 + 0.125)) < 0.01


def test_a_crowded_machine_does_not_call_the_gil_held() -> None:
    # One of two cores busy with another program: threads could not gain.
    sync, threads = trial("sync", 1, 1.0, others=1.0), trial("threads", 2, 1.0, others=1.0)
    versus = judged(Verdict.LEVEL, 1.0, (0.98, 1.02), 0.5, 8)
    answer = Answer(sync, threads, versus, None, True, False, [sync, threads])
    advice = advice_for(answer, Measured("sha", {}, sync_cpu_share=0.98, cores=2))
    assert advice.work is None
    assert "the GIL is held," not in advice.reason and "1.0 of the 2 cores" in advice.reason
    quiet = advice_for(Answer(sync, threads, versus, None, True, False, [
        trial("sync", 1, 1.0, others=0.0), trial("threads", 2, 1.0, others=0.0)]),
        Measured("sha", {}, sync_cpu_share=0.98, cores=2))
    assert quiet.work == "cpu-gil-held"


def test_a_step_decided_without_a_test_quotes_the_step_its_pairs_showed() -> None:
    sync, processes = trial("sync", 1, 1.0), trial("processes", 2, 0.8)
    versus = Judgement(Verdict.FASTER, 1.25, None, 0.25, 3, decisive=True, step=1.2)
    answer = Answer(processes, sync, versus, versus, False, False, [sync, processes])
    reason = advice_for(answer, Measured("x", {}, 0.99)).reason
    assert "at least 1.2x in each of 3 pairs" in reason and "significant" not in reason
    one = Judgement(Verdict.FASTER, 1.7, None, 1.0, 1, decisive=True, step=1.5)
    reason = advice_for(Answer(processes, sync, one, one, False, False, [sync, processes]),
                        Measured("x", {}, 0.99)).reason
    assert "at least 1.5x in the pair made back to back" in reason
