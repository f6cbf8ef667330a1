"""The search on synthetic cost models: a known optimum, noise, injected load, a fake clock."""

from __future__ import annotations

import random
from collections.abc import Callable

from runner.advise.paired import Pair, Run, Verdict
from runner.advise.pairing import MAX_PAIRS
from runner.advise.rules import doubling
from runner.advise.search import Search
from runner.advise.trial import Config, Trial

Curve = Callable[[str, int], float]
#: Other programs' cores at a time on the fake clock.
Load = Callable[[float], float]
CORES = 2


def quiet(now: float) -> float:
    return 0.0


def on_off(period: float, seed: int) -> Load:
    """A hog on one core that comes and goes: on for a random share of each period."""
    rng = random.Random(seed)
    cache: dict[int, bool] = {}

    def load(now: float) -> float:
        slot = int(now / period)
        if slot not in cache:
            cache[slot] = rng.random() < 0.5
        return 1.0 if cache[slot] else 0.0

    return load


def cores_used(config: Config) -> int:
    """Processes compute on up to CORES cores; the rest on one (the GIL, or waiting)."""
    return min(config.pool_size, CORES) if config.model == "processes" else 1


class FakeMachine:
    """Wall times from a cost curve with noise; a load of other programs slows what needs
    more cores than are left, and is reported as a run's ``others``; the clock advances
    by each run."""

    def __init__(self, curve: Curve, seed: int = 1, noise: float = 0.01,
                 load: Load = quiet, fails: Callable[[Config], bool] | None = None) -> None:
        self.curve, self.noise, self.load, self.fails = curve, noise, load, fails
        self.now = 0.0
        self.runs: list[Config] = []
        self.random = random.Random(seed)

    def measure(self, config: Config) -> Run | None:
        self.runs.append(config)
        others = self.load(self.now)
        slowdown = max(1.0, (cores_used(config) + others) / CORES)
        wall = self.curve(config.model, config.pool_size) * slowdown * self.random.gauss(
            1, self.noise)
        self.now += wall
        if self.fails is not None and self.fails(config):
            return None
        return Run(wall, others)

    def clock(self) -> float:
        return self.now


def search(machine: FakeMachine, models: dict[str, bool], max_pool: int = 64,
           budget: float = 1e9, precision: float = 0.05,
           in_flight: dict[str, int] | None = None) -> Search:
    return Search(models, max_pool, machine.measure, precision=precision,
                  clock=machine.clock, deadline=budget, in_flight=in_flight)


def measured(found: Search, walls: dict[Config, float]) -> dict[str, Trial]:
    """Give a search one run of each configuration, each its model's best (the state a
    climb leaves), for tests of the finals; the trials by model."""
    made = {}
    for config, wall in walls.items():
        made[config.model] = trial = Trial(config, [Run(wall, 0.0)])
        found.trials.append(trial)
        found.best[config.model] = trial
    return made


def peaked(optimum: int) -> Curve:
    """Work split over workers up to ``optimum``; each worker past it adds 2% overhead."""
    def curve(model: str, pool: int) -> float:
        if model == "sync":
            return 1.0
        return 1.0 / min(pool, optimum) * (1 + 0.02 * max(0, pool - optimum))
    return curve


def gil(model: str, pool: int) -> float:
    """CPU work holding the GIL on 2 cores: only processes gain (1.6x at 2)."""
    if model != "processes":
        return 1.0 * (1 + 0.01 * (pool - 1))
    return 0.2 + 1.0 / min(pool, CORES) * 0.85


ALL = {"sync": False, "asyncio": True, "threads": True, "processes": True}


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


def test_a_decisive_climb_costs_one_run_a_step() -> None:
    # Each doubling halves the time: the run just made pairs with the next size's probe.
    machine = FakeMachine(lambda model, pool: 1.0 if model == "sync" else 1.0 / pool)
    search(machine, {"sync": False, "asyncio": True}, max_pool=16).run()
    climb = machine.runs[:machine.runs.index(Config("asyncio", 16)) + 1]
    assert climb == [Config("sync", 1, pooled=False), *(Config("asyncio", p)
                                                        for p in (1, 2, 4, 8, 16))]


def test_a_flat_curve_ends_level_with_the_interval_to_show_it() -> None:
    machine = FakeMachine(lambda model, pool: 1.0)  # the GIL: no pool gains anything
    answer = search(machine, {"sync": False, "threads": True}).run()
    assert len(answer.trials) <= 3
    assert answer.chosen is not None and answer.chosen.config.model == "sync"
    assert answer.tie and answer.versus is not None
    assert answer.versus.verdict is Verdict.LEVEL and answer.versus.ci is not None
    assert 0.95 <= answer.versus.ci[0] <= answer.versus.ci[1] <= 1.05


def test_the_budget_stops_the_search_with_the_best_so_far() -> None:
    machine = FakeMachine(peaked(64))
    answer = search(machine, {"sync": False, "threads": True}, max_pool=256, budget=2.0).run()
    assert answer.budget_exhausted
    assert answer.chosen is not None


def test_a_tie_prefers_the_cheaper_model_and_the_smaller_pool() -> None:
    def curve(model: str, pool: int) -> float:
        return 1.0 / min(pool, 4) if model != "sync" else 1.0

    machine = FakeMachine(curve)
    answer = search(machine, {"sync": False, "threads": True, "asyncio": True},
                    max_pool=8).run()
    assert answer.chosen is not None
    assert answer.chosen.config == Config("asyncio", 4)
    assert answer.tie and answer.versus is not None and answer.versus.ci is not None
    assert answer.runner_up is not None and answer.runner_up.config.model == "threads"


def test_not_told_apart_names_the_faster_by_median_not_the_cheaper() -> None:
    # threads 4% faster than asyncio at 15% noise: 12 pairs cannot tell that, nor show
    # them level within 5%; the faster by the pairs' median is named, without a tie.
    def curve(model: str, pool: int) -> float:
        return {"sync": 3.0, "asyncio": 1.0, "threads": 0.96}[model]

    named_faster = 0
    for seed in range(10):
        machine = FakeMachine(curve, seed=seed, noise=0.15)
        answer = search(machine, {"sync": False, "asyncio": True, "threads": True},
                        max_pool=1).run()
        assert answer.chosen is not None and answer.versus is not None
        if answer.versus.verdict is Verdict.NOT_TOLD_APART:
            assert not answer.tie
            assert answer.versus.pairs == MAX_PAIRS
            assert (answer.versus.ratio or 0) >= 1  # the chosen is the faster of the pairs
            named_faster += 1
        else:
            assert answer.versus.verdict is not Verdict.LEVEL or answer.tie
    assert named_faster >= 5


def test_a_clearly_slower_model_is_dropped_without_refinement() -> None:
    def curve(model: str, pool: int) -> float:
        if model == "threads":
            return 2.0
        return 1.0 if model == "sync" else 1.0 / min(pool, 8)

    machine = FakeMachine(curve)
    answer = search(machine, {"sync": False, "asyncio": True, "threads": True},
                    max_pool=8).run()
    assert answer.chosen is not None and answer.chosen.config == Config("asyncio", 8)
    threads = [t for t in answer.trials if t.config.model == "threads"]
    assert len(threads) <= 2
    assert all(t.fate.startswith("dropped:") for t in threads)
    assert not answer.tie and answer.versus is not None
    assert answer.versus.verdict is Verdict.FASTER


def test_a_model_that_cannot_catch_the_leader_stops_climbing() -> None:
    def curve(model: str, pool: int) -> float:
        scale = 8.0 if model == "processes" else 1.0  # e.g. start-up that never pays off
        return 1.0 if model == "sync" else scale / min(pool, 64)

    machine = FakeMachine(curve)
    answer = search(machine, {"sync": False, "asyncio": True, "processes": True},
                    max_pool=64, in_flight={"processes": 64}).run()
    assert answer.chosen is not None and answer.chosen.config == Config("asyncio", 64)
    processes = [t.config.pool_size for t in answer.trials if t.config.model == "processes"]
    assert max(processes) < 64
    assert any("linear scaling" in t.fate for t in answer.trials)


def test_no_pool_is_tried_past_the_units_a_model_can_run_at_once() -> None:
    machine = FakeMachine(lambda model, pool: 1.0 if model == "sync" else 1.0 / min(pool, 16))
    answer = search(machine, {"sync": False, "threads": True, "asyncio": True}, max_pool=64,
                    in_flight={"threads": 16}).run()
    threads = {t.config.pool_size for t in answer.trials if t.config.model == "threads"}
    asyncio = {t.config.pool_size for t in answer.trials if t.config.model == "asyncio"}
    assert max(threads) == 16
    assert max(asyncio) > 16
    assert answer.chosen is not None and answer.chosen.config.pool_size == 16


def test_the_speedup_comes_from_sync_runs_paired_with_the_answer() -> None:
    machine = FakeMachine(gil, seed=3)
    answer = search(machine, ALL, max_pool=4).run()
    assert answer.chosen is not None and answer.chosen.config == Config("processes", 2)
    assert answer.speedup is not None and answer.speedup.pairs >= 2
    assert 1.5 < (answer.speedup.ratio or 0) < 1.75


def test_an_on_off_hog_does_not_flip_the_answer() -> None:
    # A hog on one core, on and off every ~2 runs: processes/p2 then loses a core and
    # its runs take 1.5x as long; sync and threads do not notice. Paired, the answer
    # stays processes/p2.
    right = 0
    for seed in range(20):
        machine = FakeMachine(gil, seed=seed, noise=0.05, load=on_off(1.3, seed))
        answer = search(machine, ALL, max_pool=4).run()
        assert answer.chosen is not None
        right += answer.chosen.config.model == "processes"
    assert right >= 19


def test_a_steady_drift_does_not_decide_a_level_comparison() -> None:
    # The machine slows by 40% over the search: unpaired, the later configurations
    # would look slower. asyncio and threads are equal; pairs show no step.
    def curve(model: str, pool: int) -> float:
        return 1.0 if model in ("sync", "asyncio", "threads") else 9.9

    class Drifting(FakeMachine):
        def measure(self, config: Config) -> Run | None:
            run = super().measure(config)
            assert run is not None
            return Run(run.wall * (1 + 0.4 * min(1.0, self.now / 60)), run.others)

    machine = Drifting(curve, seed=5, noise=0.01)
    answer = search(machine, {"sync": False, "asyncio": True, "threads": True},
                    max_pool=4).run()
    assert answer.chosen is not None and answer.chosen.config.model == "sync"
    assert answer.tie


def test_a_changed_load_re_measures_the_steps_that_decided() -> None:
    # Quiet during the climb, a steady hog during the finals.
    def load(now: float) -> float:
        return 1.0 if now > 12 else 0.0

    machine = FakeMachine(gil, seed=2, load=load)
    answer = search(machine, ALL, max_pool=4).run()
    assert answer.chosen is not None
    assert "during the climb" in answer.recheck
    assert "held" in answer.recheck


def test_a_search_whose_every_run_fails_answers_nothing() -> None:
    machine = FakeMachine(gil, fails=lambda config: True)
    answer = search(machine, ALL, max_pool=4).run()
    assert answer.chosen is None and answer.runner_up is None
    assert all(t.failed for t in answer.trials)


def test_a_dropped_configuration_is_never_named() -> None:
    def curve(model: str, pool: int) -> float:
        return {"sync": 1.0, "asyncio": 0.1, "processes": 8.0 / pool}[model]

    machine = FakeMachine(curve)
    answer = search(machine, {"sync": False, "asyncio": True, "processes": True},
                    max_pool=1).run()
    assert answer.chosen is not None and answer.chosen.config.model == "asyncio"
    assert all(not t.dropped or t is not answer.chosen for t in answer.trials)


def test_a_dropped_runner_up_the_finals_show_faster_is_named() -> None:
    # asyncio's model was dropped on runs a burst slowed (its one run: 0.6 s), and it is
    # the runner-up of threads; paired with threads in the finals it is faster: the drop
    # does not stand against those pairs.
    def curve(model: str, pool: int) -> float:
        return {"sync": 1.0, "asyncio": 0.5, "threads": 0.55}[model]

    machine = FakeMachine(curve, seed=4)
    found = search(machine, {"sync": False, "asyncio": True, "threads": True}, max_pool=1)
    made = measured(found, {Config("sync", 1, pooled=False): 1.0, Config("asyncio", 1): 0.6,
                            Config("threads", 1): 0.55})
    made["asyncio"].drop("dropped: model beaten by sync")
    found.dropped.add("asyncio")
    found.finals.run()
    answer = found.answer()
    assert answer.chosen is made["asyncio"] and not made["asyncio"].dropped
    assert answer.versus is not None and answer.versus.verdict is not Verdict.SLOWER


def test_a_runner_up_told_apart_as_faster_leads_whatever_the_chain_of_pairs() -> None:
    # One noisy pair each puts processes ahead of asyncio and threads ahead of processes,
    # so the chain of pairs names threads; asyncio, its runner-up, is then shown faster
    # than threads once their comparison is settled: asyncio is named.
    def curve(model: str, pool: int) -> float:
        return {"asyncio": 0.94, "threads": 1.0, "processes": 0.97}[model]

    machine = FakeMachine(curve, seed=6, noise=0.005)
    found = search(machine, {"asyncio": True, "threads": True, "processes": True},
                   max_pool=1)
    made = measured(found, {Config("asyncio", 1): 0.9, Config("processes", 1): 0.95,
                            Config("threads", 1): 1.0})
    asyncio, processes, threads = made["asyncio"], made["processes"], made["threads"]
    found.runs.pairs[(id(asyncio), id(processes), 0)] = [Pair(Run(1.0), Run(0.9))]
    found.runs.pairs[(id(processes), id(threads), 0)] = [Pair(Run(1.0), Run(0.95))]
    found.finals.start = 0
    found.finals.settle_answer()
    answer = found.answer()
    assert answer.chosen is asyncio
    assert answer.versus is not None and answer.versus.verdict is not Verdict.SLOWER


def test_pairs_that_go_round_in_a_circle_never_name_one_a_third_beats() -> None:
    # Under a load that comes and goes the comparisons can disagree: processes beat
    # asyncio, threads beat processes, yet asyncio is level with threads. The tie rule
    # must not name asyncio (cheaper, level with threads, but beaten by processes).
    machine = FakeMachine(lambda model, pool: 1.0)
    found = search(machine, {"asyncio": True, "threads": True, "processes": True},
                   max_pool=1)
    made = measured(found, {Config("asyncio", 1): 1.0, Config("processes", 1): 0.9,
                            Config("threads", 1): 0.81})
    asyncio, processes, threads = made["asyncio"], made["processes"], made["threads"]

    def pairs(ratio: float) -> list[Pair]:
        return [Pair(Run(1.0), Run(ratio * (1 + 0.001 * i))) for i in range(6)]

    found.runs.pairs[(id(asyncio), id(processes), 0)] = pairs(0.9)
    found.runs.pairs[(id(processes), id(threads), 0)] = pairs(0.9)
    found.runs.pairs[(id(asyncio), id(threads), 0)] = pairs(1.0)
    found.finals.start = 0
    found.finals.settle_answer()
    answer = found.answer()
    assert answer.chosen is threads
    assert answer.versus is not None and answer.versus.verdict is not Verdict.SLOWER


def test_the_answer_is_always_measured_beside_its_runner_up() -> None:
    # asyncio looks nearest by its one run, and is settled; its pairs put it further off
    # than threads' one run: threads, the runner-up now, is measured beside the answer.
    def curve(model: str, pool: int) -> float:
        return {"processes": 0.05, "asyncio": 0.24, "threads": 0.23}[model]

    machine = FakeMachine(curve, seed=2, noise=0.002)
    found = search(machine, {"asyncio": True, "threads": True, "processes": True},
                   max_pool=1)
    measured(found, {Config("asyncio", 1): 0.225, Config("threads", 1): 0.23,
                     Config("processes", 1): 0.05})
    found.finals.start = 0
    found.finals.settle_answer()
    answer = found.answer()
    assert answer.chosen is not None and answer.chosen.config.model == "processes"
    assert answer.runner_up is not None and answer.versus is not None
    assert answer.versus.pairs >= 1


def test_a_climb_stopped_by_a_load_that_went_is_measured_again() -> None:
    # Work that releases the GIL; a hog holds one of the two cores during the climb, so
    # threads/p2 gains nothing over p1 then. Quiet in the finals: re-measured, threads
    # reach p2 and are named.
    def curve(model: str, pool: int) -> float:
        if model in ("sync", "asyncio"):
            return 1.0
        return 1.0 / min(pool, CORES) + (0.1 if model == "processes" else 0.0)

    class Released(FakeMachine):
        def measure(self, config: Config) -> Run | None:
            self.runs.append(config)
            others = self.load(self.now)
            cores = min(config.pool_size, CORES) if config.model in ("threads",
                                                                     "processes") else 1
            free = max(1.0, CORES - others)
            wall = curve(config.model, config.pool_size) * max(1.0, cores / free) * (
                self.random.gauss(1, self.noise))
            self.now += wall
            return Run(wall, others)

    def load(now: float) -> float:
        return 1.0 if now < 12 else 0.0

    machine = Released(curve, seed=3, load=load)
    answer = search(machine, ALL, max_pool=2).run()
    assert answer.chosen is not None and answer.chosen.config == Config("threads", 2)
    assert "during the climb" in answer.recheck and "threads/p2" in answer.recheck
