"""The search on synthetic cost models: a known optimum, noise, a fake clock."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Protocol

from runner.advise.rules import doubling
from runner.advise.search import FINAL_RUNS, MAX_RUNS, Search
from runner.advise.trial import Config, Trial

Curve = Callable[[str, int], float]


class FakeMachine:
    """Wall times from a cost curve with 1% noise; the clock advances by each run."""

    def __init__(self, curve: Curve, seed: int = 1, noise: float = 0.01,
                 noisy_after: int | None = None) -> None:
        self.curve = curve
        self.noise = noise
        self.noisy_after = noisy_after  # from this run on, 15% noise: a machine got busy
        self.now = 0.0
        self.runs: list[Config] = []
        self.random = random.Random(seed)

    def measure(self, config: Config, repetitions: int) -> list[float]:
        walls = []
        for _ in range(repetitions):
            busy = self.noisy_after is not None and len(self.runs) >= self.noisy_after
            noise = 0.15 if busy else self.noise
            wall = self.curve(config.model, config.pool_size) * self.random.gauss(1, noise)
            self.now += wall
            self.runs.append(config)
            walls.append(wall)
        return walls

    def clock(self) -> float:
        return self.now


class Machine(Protocol):
    def measure(self, config: Config, repetitions: int) -> list[float]: ...

    def clock(self) -> float: ...


def search(machine: Machine, models: dict[str, bool], max_pool: int = 64,
           budget: float = 1e9, precision: float = 0.05,
           in_flight: dict[str, int] | None = None) -> Search:
    return Search(models, max_pool, machine.measure, precision=precision,
                  clock=machine.clock, deadline=budget, in_flight=in_flight)


def peaked(optimum: int) -> Curve:
    """Work split over workers up to ``optimum``; each worker past it adds 2% overhead."""
    def curve(model: str, pool: int) -> float:
        if model == "sync":
            return 1.0
        return 1.0 / min(pool, optimum) * (1 + 0.02 * max(0, pool - optimum))
    return curve


def test_doubling_ends_at_the_largest_pool() -> None:
    assert doubling(1) == [1]
    assert doubling(8) == [1, 2, 4, 8]
    assert doubling(20) == [1, 2, 4, 8, 16, 20]


def test_it_finds_the_optimum_pool_within_a_doubling_step() -> None:
    machine = FakeMachine(peaked(12))
    answer = search(machine, {"sync": False, "threads": True}).run()
    assert answer.chosen is not None and answer.chosen.config.model == "threads"
    assert 8 <= answer.chosen.config.pool_size <= 16
    assert not answer.budget_exhausted


def test_a_flat_curve_stops_after_few_configurations() -> None:
    machine = FakeMachine(lambda model, pool: 1.0)  # the GIL: no pool gains anything
    answer = search(machine, {"sync": False, "threads": True}).run()
    assert len(answer.trials) <= 3
    assert answer.chosen is not None and answer.chosen.config.model == "sync"
    assert answer.tie


def test_the_budget_stops_the_search_with_the_best_so_far() -> None:
    machine = FakeMachine(peaked(64))
    answer = search(machine, {"sync": False, "threads": True}, max_pool=256, budget=2.0).run()
    assert answer.budget_exhausted
    assert machine.now < 2.0 + 1.0  # at most one run past the deadline
    assert answer.chosen is not None


def test_a_tie_prefers_the_cheaper_model_and_the_smaller_pool() -> None:
    def curve(model: str, pool: int) -> float:
        return 1.0 / min(pool, 4) if model != "sync" else 1.0

    machine = FakeMachine(curve)
    answer = search(machine, {"sync": False, "processes": True, "asyncio": True},
                    max_pool=8).run()
    assert answer.chosen is not None
    assert answer.chosen.config == Config("asyncio", 4)
    assert answer.tie
    assert answer.runner_up is not None and answer.runner_up.config.model == "processes"


def test_a_clearly_slower_model_is_dropped_without_refinement() -> None:
    def curve(model: str, pool: int) -> float:
        if model == "threads":
            return 1.0
        return 1.0 if model == "sync" else 1.0 / min(pool, 8)

    machine = FakeMachine(curve)
    answer = search(machine, {"sync": False, "asyncio": True, "threads": True},
                    max_pool=8).run()
    assert answer.chosen is not None and answer.chosen.config == Config("asyncio", 8)
    threads = [t for t in answer.trials if t.config.model == "threads"]
    assert len(threads) <= 2
    assert any(t.fate.startswith("dropped:") for t in threads)
    assert not answer.tie and answer.p_value is not None and answer.p_value < 0.05


def test_a_model_that_cannot_catch_the_leader_stops_climbing() -> None:
    def curve(model: str, pool: int) -> float:
        scale = 8.0 if model == "processes" else 1.0  # e.g. start-up that never pays off
        return 1.0 if model == "sync" else scale / min(pool, 64)

    machine = FakeMachine(curve)
    answer = search(machine, {"sync": False, "asyncio": True, "processes": True},
                    max_pool=64).run()
    assert answer.chosen is not None and answer.chosen.config == Config("asyncio", 64)
    processes = [t.config.pool_size for t in answer.trials if t.config.model == "processes"]
    assert max(processes) < 64
    assert any("linear scaling" in t.fate for t in answer.trials)


def test_no_pool_is_tried_past_the_units_a_model_can_run_at_once() -> None:
    # 16 units: a pool of 32 or 64 threads runs them as one of 16 does.
    machine = FakeMachine(lambda model, pool: 1.0 if model == "sync" else 1.0 / min(pool, 16))
    answer = search(machine, {"sync": False, "threads": True, "asyncio": True}, max_pool=64,
                    in_flight={"threads": 16}).run()
    threads = {t.config.pool_size for t in answer.trials if t.config.model == "threads"}
    asyncio = {t.config.pool_size for t in answer.trials if t.config.model == "asyncio"}
    assert max(threads) == 16  # the climb ends at the ceiling ...
    assert max(asyncio) > 16  # ... of the model it was given for only
    assert answer.chosen is not None and answer.chosen.config.pool_size == 16


def test_the_units_in_flight_bound_the_linear_scaling_a_model_could_reach() -> None:
    # processes at 4 never catch asyncio at 4 (0.25) with 4 units: 2.0 * 4 / 4 > 1.5 x 0.25,
    # though linear scaling to 64 workers (2.0 * 4 / 64) would.
    def curve(model: str, pool: int) -> float:
        scale = 8.0 if model == "processes" else 1.0
        return 1.0 if model == "sync" else scale / min(pool, 4)

    machine = FakeMachine(curve)
    answer = search(machine, {"sync": False, "asyncio": True, "processes": True}, max_pool=64,
                    in_flight={"asyncio": 4, "processes": 4}).run()
    processes = [t for t in answer.trials if t.config.model == "processes"]
    assert [t.config.pool_size for t in processes] == [1]
    assert "linear scaling to 4 workers" in processes[0].fate


def test_finalists_are_measured_side_by_side_until_told_apart() -> None:
    def curve(model: str, pool: int) -> float:
        return {"sync": 1.0, "asyncio": 0.5, "processes": 0.4}[model]

    # A busy machine (15% noise) from the fifth run on: the climb leaves asyncio/p1 and
    # processes/p1 both in; interleaved rounds tell them apart.
    machine = FakeMachine(curve, seed=13, noisy_after=5)
    answer = search(machine, {"sync": False, "asyncio": True, "processes": True},
                    max_pool=2).run()
    assert answer.chosen is not None and answer.chosen.config == Config("processes", 1)
    assert not answer.tie and answer.p_value is not None and answer.p_value < 0.05
    finalists = {Config("asyncio", 1), Config("processes", 1)}
    last_other = max(i for i, c in enumerate(machine.runs) if c not in finalists)
    final = machine.runs[last_other + 1:]
    assert set(final[:2]) == finalists  # the first round: one run of each
    assert final.count(Config("asyncio", 1)) >= 1
    # The loser stops once clearly slower; the answer goes on to its precision.
    loser = next(t for t in answer.trials if t.config == Config("asyncio", 1))
    assert "slower than processes/p1" in loser.outcome
    assert len(answer.chosen.walls) > len(loser.walls)


def test_a_true_tie_on_a_noisy_machine_ends_at_the_run_limit() -> None:
    def curve(model: str, pool: int) -> float:
        return 1.0 if model == "sync" else 0.5

    ties = named_cheapest = 0
    for seed in range(20):  # one seed is one draw: a test at 5% finds a difference in some
        machine = FakeMachine(curve, seed=seed, noise=0.15)
        answer = search(machine, {"sync": False, "asyncio": True, "processes": True},
                        max_pool=2).run()
        assert answer.chosen is not None and answer.runner_up is not None
        ties += answer.tie
        named_cheapest += answer.chosen.config == Config("asyncio", 1)
        # Neither can be told apart nor made precise at 15% noise: the rounds stop at the
        # limit instead of going on (10 runs, or 3 interleaved past what the climb made).
        for trial in (answer.chosen, answer.runner_up):
            assert FINAL_RUNS <= len(trial.walls) <= MAX_RUNS + FINAL_RUNS
        assert len(machine.runs) <= 3 * (MAX_RUNS + FINAL_RUNS)
    assert ties >= 15 and named_cheapest >= 15  # 17 and 17 with these seeds


def test_one_run_settles_a_decisive_step_and_more_runs_a_close_one() -> None:
    def curve(model: str, pool: int) -> float:
        return 1.0 if model == "sync" else 1.0 / min(pool, 4) * (0.9 if pool >= 8 else 1)

    machine = FakeMachine(curve)
    answer = search(machine, {"sync": False, "threads": True}, max_pool=16).run()
    runs = {str(t.config): len(t.walls) for t in answer.trials}
    # 1 -> 2 -> 4 halve the time: one run each shows it.
    assert runs["threads/p1"] == runs["threads/p2"] == 1
    # 4 -> 8 gains 10%: one run each cannot show it; both are measured until the
    # difference is significant (at 1% noise, 2 runs a side).
    assert runs["threads/p4"] >= 2 and runs["threads/p8"] >= 2
    assert answer.chosen is not None and answer.chosen.config.pool_size >= 8
    # The runner-up, however far behind, is re-measured beside the answer, so that its
    # p-value compares runs made side by side.
    assert answer.runner_up is not None and answer.p_value is not None
    assert answer.p_value < 0.05


class Scripted:
    """Wall times given per configuration, in order; the last one repeats, or with
    ``cycle`` the whole list does."""

    def __init__(self, walls: dict[str, list[float]], cycle: bool = False) -> None:
        self.walls = walls
        self.cycle = cycle
        self.now = 0.0
        self.taken: dict[str, int] = {}
        self.log: list[str] = []

    def measure(self, config: Config, repetitions: int) -> list[float]:
        out = []
        for _ in range(repetitions):
            script = self.walls[str(config)]
            index = self.taken.get(str(config), 0)
            self.taken[str(config)] = index + 1
            self.log.append(str(config))
            out.append(script[index % len(script) if self.cycle
                              else min(index, len(script) - 1)])
            self.now += out[-1]
        return out

    def clock(self) -> float:
        return self.now


def test_a_decisive_drop_stands_when_the_fastest_spreads_wider_later() -> None:
    # sync's one run is 1.67x threads/p2's first: dropped at once. threads/p2's later
    # runs spread to 0.75 s, which would no longer make one sync run decisively slower;
    # sync, the cheaper model, must not come back as a tie with the answer.
    machine = Scripted({"sync": [1.0], "threads/p1": [1.0], "threads/p2": [0.6, 0.75, 0.6],
                        "processes/p1": [0.62], "processes/p2": [0.62]})
    answer = search(machine, {"sync": False, "threads": True, "processes": True}, max_pool=2).run()
    sync = next(t for t in answer.trials if t.config.model == "sync")
    assert sync.fate.startswith("dropped: model beaten by threads/p2") and sync.runs == 1
    assert answer.chosen is not None and answer.chosen.config == Config("threads", 2)


def test_finalists_outdone_by_a_cheaper_one_stop_after_the_interleaved_rounds() -> None:
    # Three models at one worker do about the same work: the same spread of walls each,
    # the pooled ones 3% slower, far inside the noise. sync, the cheapest, is named on a
    # tie; the others are re-measured beside it, then stop, since being no faster they
    # could only change the answer by becoming significantly faster. sync goes on
    # towards its precision.
    spread = [0.9, 1.1, 1.0, 0.95, 1.05]
    slower = [wall * 1.03 for wall in spread]
    machine = Scripted({"sync": spread, "asyncio/p1": slower, "asyncio/p2": [1.03],
                        "threads/p1": slower, "threads/p2": [1.03]}, cycle=True)
    answer = search(machine, {"sync": False, "asyncio": True, "threads": True}, max_pool=2,
                    precision=0.02).run()
    assert answer.chosen is not None and answer.chosen.config == Config("sync", 1, False)
    assert answer.tie
    assert answer.chosen.runs == MAX_RUNS
    finalists = ["sync", "asyncio/p1", "threads/p1"]  # a round's order
    log = machine.log
    start = min(i for i in range(len(log) - 2)
                if log[i:i + 3] == finalists and set(log[i:]) <= set(finalists))
    final = log[start:]  # the interleaved rounds on
    for other in ("asyncio/p1", "threads/p1"):
        trial = next(t for t in answer.trials if str(t.config) == other)
        assert "no faster than the cheaper sync" in trial.outcome
        assert final.count(other) == FINAL_RUNS  # re-measured beside sync, no more


def test_a_step_decisively_slower_ends_the_climb_after_one_run() -> None:
    # A pool of 4 processes costs twice what 2 do (start-up that dwarfs the work): one
    # run each shows it, so neither gets more runs for a significance test.
    def curve(model: str, pool: int) -> float:
        return 1.0 if model == "sync" else {1: 1.0, 2: 0.5, 4: 1.0}[pool]

    machine = FakeMachine(curve)
    answer = search(machine, {"sync": False, "processes": True}, max_pool=4).run()
    runs = {str(t.config): t.runs for t in answer.trials}
    assert runs["processes/p4"] == 1
    p4 = next(t for t in answer.trials if str(t.config) == "processes/p4")
    assert p4.fate == "dropped: no significant gain over processes/p2"
    assert answer.chosen is not None and answer.chosen.config == Config("processes", 2)


def test_a_search_whose_every_run_fails_answers_nothing() -> None:
    machine = FakeMachine(lambda model, pool: 1.0)
    search_ = Search({"sync": False, "threads": True}, 4, lambda config, n: [],
                     precision=0.05, clock=machine.clock, deadline=1e9)
    answer = search_.run()  # no finalist: the rounds have nothing to measure
    assert answer.chosen is None and answer.runner_up is None
    assert [str(t.config) for t in answer.trials] == ["sync", "threads/p1"]


def test_a_dropped_configuration_is_never_named_even_where_its_dropper_slowed_down() -> None:
    # asyncio/p4 was dropped as clearly slower than sync; sync then slowed down in the
    # rounds (a busier machine) below asyncio/p4's old median. asyncio/p4 was not
    # measured again, so it may be the runner-up but not the answer.
    search_ = Search({"sync": False, "asyncio": True, "threads": True}, 4,
                     lambda config, n: [], precision=0.05, clock=lambda: 0.0, deadline=1.0)
    sync = Trial(Config("sync", 1, False), walls=[1.10, 1.12, 1.08, 1.11, 1.09, 1.10])
    asyncio = Trial(Config("asyncio", 4), walls=[0.95, 0.96, 0.94])
    asyncio.drop("dropped: model beaten by sync")
    threads = Trial(Config("threads", 2), walls=[1.00, 1.01, 0.99, 1.00, 1.02, 0.98])
    search_.trials = [sync, asyncio, threads]
    search_.best = {"sync": sync, "asyncio": asyncio, "threads": threads}
    search_.dropped = {"asyncio"}
    answer = search_.answer()
    assert answer.chosen is threads
    assert answer.runner_up is asyncio


#: processes/p2 a third faster by median than p1, but not significantly at 5 runs a side.
CARRIED_BY_MEDIAN = {"processes/p1": [0.80, 1.00, 0.98, 0.62, 1.02],
                     "processes/p2": [0.70, 0.60, 0.85, 0.66, 0.64]}


def test_a_step_faster_by_median_but_not_yet_significantly_carries_the_climb() -> None:
    # processes/p2 is a third faster by median, but one slow run of it and one fast run
    # of p1 keep a U test of 5 runs a side from significance (p = 0.15). Stopping there
    # judged processes by p1, tied with sync, and named sync.
    machine = Scripted({"sync": [1.0], **CARRIED_BY_MEDIAN}, cycle=True)
    answer = search(machine, {"sync": False, "processes": True}, max_pool=2).run()
    assert answer.chosen is not None and answer.chosen.config == Config("processes", 2)
    p1 = next(t for t in answer.trials if t.config == Config("processes", 1))
    assert answer.chosen.over is p1
    assert "slower than processes/p2" in p1.outcome  # re-measured, then told apart


def test_the_smaller_pool_a_size_was_kept_over_by_median_is_named_on_a_tie() -> None:
    # asyncio/p2 looks 15% faster over the climb's 5 runs a side, then both run alike:
    # the rounds find no difference, and the tie rule names the smaller pool.
    machine = Scripted({"sync": [2.0],
                        "asyncio/p1": [1.0, 0.95, 1.05, 0.88, 1.0, 0.9, 0.85, 0.95, 0.9, 0.88],
                        "asyncio/p2": [0.85, 0.9, 0.8, 1.0, 0.86, 0.9, 0.95, 0.85, 0.9, 0.92]},
                       cycle=True)
    answer = search(machine, {"sync": False, "asyncio": True}, max_pool=2).run()
    p2 = next(t for t in answer.trials if t.config == Config("asyncio", 2))
    assert p2.over is not None and p2.over.config == Config("asyncio", 1)
    assert answer.chosen is p2.over
    assert p2.fate == "finalist: asyncio/p1 preferred"


def test_one_model_left_with_a_smaller_pool_beside_its_best_still_gets_a_rival() -> None:
    # processes/p2 carried the climb by median, processes/p1 kept beside it: one model
    # left, two finalists. The runner-up (sync) still gets the runs a p-value needs.
    machine = Scripted({"sync": [2.0], **CARRIED_BY_MEDIAN}, cycle=True)
    answer = search(machine, {"sync": False, "processes": True}, max_pool=2).run()
    assert answer.runner_up is not None and answer.runner_up.config.model == "sync"
    assert len(answer.runner_up.walls) >= 4
    assert answer.p_value is not None and answer.p_value < 0.05 and not answer.tie


def test_a_model_stays_while_the_smaller_pool_beside_its_best_ties_the_fastest() -> None:
    # asyncio/p2 ends clearly slower than threads/p2, but asyncio/p1, kept beside it,
    # does not: asyncio stays in, and the tie rule names its p1 (the cheaper model).
    machine = Scripted({
        "sync": [2.0],
        "asyncio/p1": [1.0, 1.0, 0.80, 1.02, 0.99, 0.78, 0.86, 0.80, 0.95, 0.75, 0.83, 0.84],
        "asyncio/p2": [0.86, 0.9, 0.88, 0.99, 0.87, 1.0, 1.0, 1.01, 0.99, 1.0, 1.0, 1.0],
        "threads/p1": [1.2],
        "threads/p2": [0.85, 0.86, 0.84, 0.85, 0.85, 0.86, 0.84, 0.85, 0.85, 0.85]})
    answer = search(machine, {"sync": False, "asyncio": True, "threads": True}, max_pool=2).run()
    assert answer.chosen is not None and answer.chosen.config == Config("asyncio", 1)
    assert answer.tie


def test_the_tie_rule_never_names_a_smaller_pool_its_own_larger_one_beats() -> None:
    # threads/p2 spreads so wide that both asyncio sizes tie with it; asyncio/p1 is
    # clearly slower than asyncio/p2, so p2 is named, not the smaller pool.
    machine = Scripted({
        "sync": [2.0],
        "asyncio/p1": [1.0, 1.0, 0.80, 1.02, 1.0, 0.99, 1.0, 1.01, 1.0, 0.99, 1.0],
        "asyncio/p2": [0.86, 0.9, 0.88, 0.99, 0.87, 0.9, 0.89, 0.9, 0.88, 0.9],
        "threads/p1": [1.2],
        "threads/p2": [0.84, 1.2, 0.5, 1.15, 0.55, 0.6, 1.1, 0.52, 1.2, 0.83]}, cycle=True)
    answer = search(machine, {"sync": False, "asyncio": True, "threads": True}, max_pool=2).run()
    assert answer.chosen is not None and answer.chosen.config == Config("asyncio", 2)


def test_a_step_whose_checks_a_failed_run_cut_short_does_not_carry_the_climb() -> None:
    class Failing(Scripted):
        def measure(self, config: Config, repetitions: int) -> list[float]:
            walls = super().measure(config, repetitions)
            # asyncio/p2: one good run, then every run fails (no wall)
            return walls if str(config) != "asyncio/p2" or self.taken[str(config)] == 1 else []

    machine = Failing({"sync": [1.0], "asyncio/p1": [0.95, 1.0, 1.05],
                       "asyncio/p2": [0.85]}, cycle=True)
    answer = search(machine, {"sync": False, "asyncio": True}, max_pool=4).run()
    p2 = next(t for t in answer.trials if t.config == Config("asyncio", 2))
    assert p2.failed and p2.fate.startswith("dropped: no significant gain")
    assert answer.chosen is not None and answer.chosen.config != Config("asyncio", 2)
