"""Caps named from synthetic runs: calls through a pool of workers and a cap of slots,
laid out as tasks.csv rows, and the summary rows built from them."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from runner.report.caps import Cap, calls_proceeding, clause, find_caps, task_rows
from runner.report.in_flight import in_flight
from runner.report.scaling import scaling_notes
from runner.report.verdict import verdict

CALL = 0.02  # one uncontended call, seconds


def calls(cell: str, *, tasks: int, pool: int, slots: float = math.inf,
          runs: int = 2, seed: int = 0) -> pd.DataFrame:
    """tasks.csv rows of ``runs`` runs: ``pool`` workers take the calls in order, and
    each call waits for one of ``slots`` (first come, first served), then takes CALL
    plus up to 5% of jitter."""
    rng = np.random.default_rng(seed)
    frames = []
    for repetition in range(1, runs + 1):
        workers = [0.0] * pool
        free = [0.0] * min(tasks, int(slots) if math.isfinite(slots) else tasks)
        starts, latencies = [], []
        for _ in range(tasks):
            worker = int(np.argmin(workers))
            slot = int(np.argmin(free))
            start = workers[worker]
            latency = max(start, free[slot]) + CALL * (1 + 0.05 * rng.random()) - start
            workers[worker] = free[slot] = start + latency  # as in_flight adds them
            starts.append(start)
            latencies.append(latency)
        frames.append(pd.DataFrame({"cell": cell, "repetition": repetition,
                                    "start_s": starts, "latency_s": latencies}))
    return pd.concat(frames, ignore_index=True)


def group(tasks: int, pools: dict[str, list[int]], *, slots: float = math.inf,
          cpu: float = 0.01, model_cpu: float = 0.05
          ) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """A comparison group's summary rows and task rows: sync, then each model at its
    pools, with the sync run's CPU share ``cpu`` and every other cell's ``model_cpu``."""
    frames = [calls("w/sync", tasks=tasks, pool=1)]
    rows = [("w/sync", "sync", 1)]
    for model, sizes in pools.items():
        for size in sizes:
            cell = f"w/{model}/p{size}"
            frames.append(calls(cell, tasks=tasks, pool=size, slots=slots))
            rows.append((cell, model, size))
    tasks_frame = pd.concat(frames, ignore_index=True)
    flights = in_flight(tasks_frame)
    table = pd.DataFrame(rows, columns=["cell", "model", "pool_size"])
    spans = tasks_frame.assign(end=tasks_frame["start_s"] + tasks_frame["latency_s"]).groupby(
        ["cell", "repetition"])["end"].max().groupby("cell").median()
    table["wall_median_s"] = [spans[cell] for cell in table["cell"]]
    table["speedup_vs_sync"] = table["wall_median_s"].iloc[0] / table["wall_median_s"]
    table["cpu_share"] = [cpu if model == "sync" else model_cpu for model in table["model"]]
    table["in_flight_max"] = [flights[cell].most for cell in table["cell"]]
    table["in_flight_mean"] = [flights[cell].mean for cell in table["cell"]]
    table["efficiency"] = table["startup_median_s"] = math.nan
    return table, task_rows(tasks_frame)


def test_a_semaphore_of_6_is_named_under_threads_and_asyncio() -> None:
    table, tasks = group(48, {"threads": [1, 2, 4, 8, 16], "asyncio": [1, 2, 4, 8, 16]},
                         slots=6)
    assert find_caps(table, tasks) == [Cap("threads", 6, 16, 8), Cap("asyncio", 6, 16, 8)]


def test_the_lessons_connector_of_100_is_named_though_its_runs_are_two_waves() -> None:
    # 160 calls through 100 connections: 100, then 60; throughput x one call says 80
    table, tasks = group(160, {"asyncio": [50, 100, 160]}, slots=100)
    [cap] = find_caps(table, tasks)
    assert (cap.about, cap.in_flight, cap.plateau_from) == (100, 160, 100)


def test_a_lock_is_a_cap_of_one() -> None:
    table, tasks = group(16, {"threads": [1, 2, 4, 8]}, slots=1)
    assert [cap.about for cap in find_caps(table, tasks)] == [1]


@pytest.mark.parametrize(("tasks", "pools"), [
    (48, [1, 2, 4, 8, 16]),  # gains all the way: no plateau
    (8, [4, 8, 16, 32]),  # a plateau at the task count: every call proceeds
    (24, [12, 16, 20]),  # two waves at every pool: each pool is its own limit
])
def test_without_a_cap_nothing_is_named(tasks: int, pools: list[int]) -> None:
    table, rows = group(tasks, {"threads": pools})
    assert find_caps(table, rows) == []


def test_a_plateau_may_wobble_but_not_fall() -> None:
    table, tasks = group(48, {"threads": [1, 2, 4, 8, 16]}, slots=6)
    walls = table["wall_median_s"]
    largest = table["pool_size"] == 16
    wobbled = table.assign(wall_median_s=walls.where(~largest, walls * 1.15))
    assert [cap.about for cap in find_caps(wobbled, tasks)] == [6]
    fallen = table.assign(wall_median_s=walls.where(~largest, walls * 1.4))
    assert find_caps(fallen, tasks) == []  # a peak: the scaling fit names it


def test_one_pool_past_the_corner_is_too_little_to_tell() -> None:
    table, tasks = group(48, {"threads": [1, 2, 4, 8]}, slots=6)
    assert find_caps(table, tasks) == []


def test_work_that_computes_or_keeps_a_core_busy_is_not_capped() -> None:
    pools = {"threads": [1, 2, 4, 8, 16]}
    assert find_caps(*group(48, pools, slots=6, cpu=0.97)) == []  # the GIL, not a cap
    assert find_caps(*group(48, pools, slots=6, model_cpu=0.95)) == []  # a busy interpreter


def test_without_task_rows_nothing_new_is_said() -> None:
    table, tasks = group(48, {"threads": [1, 2, 4, 8, 16]}, slots=6)
    assert find_caps(table, {}) == []
    assert find_caps(table.drop(columns=["in_flight_max", "in_flight_mean"]), tasks) == []
    assert find_caps(table.assign(in_flight_max=math.nan), tasks) == []


def test_littles_law_lifts_a_count_that_slots_out_of_step_keep_below_k() -> None:
    # 20 slots, each starting 0.049 calls after the last, 20 calls each back to back:
    # a window of 0.9 calls holds the ends of 19 slots; 400 calls in 20.931 calls' time
    starts = [slot * 0.049 * CALL + m * CALL for slot in range(20) for m in range(20)]
    rows = pd.DataFrame({"repetition": 1, "start_s": starts, "latency_s": CALL})
    assert calls_proceeding(rows, CALL) == pytest.approx(400 / 20.931)


def test_the_clause_names_k_once_for_models_capped_alike_and_each_k_otherwise() -> None:
    alike = clause([Cap("threads", 6.2, 16, 8), Cap("asyncio", 5.9, 12, 8)])
    assert alike == ("threads and asyncio stop gaining at about 6 calls at once although up "
                     "to 16 were in flight: something in the work lets about 6 calls proceed "
                     "at once (a lock, a semaphore, a connection pool; aiohttp's default "
                     "connector allows 100)")
    assert clause([Cap("asyncio", 1, 8, 1)]).startswith(
        "asyncio stops gaining at about 1 call at once although up to 8 were in flight: "
        "something in the work lets about 1 call proceed")
    apart = clause([Cap("threads", 6, 16, 8), Cap("asyncio", 100, 160, 100)])
    assert apart.startswith("threads stop gaining at about 6 calls at once although up to 16 "
                            "were in flight, and asyncio at about 100 calls at once although up "
                            "to 160 were in flight: something in the work lets only so many")
    assert clause([]) == ""


def test_the_verdict_names_the_cap_in_place_of_where_workers_stop_paying() -> None:
    table, tasks = group(48, {"threads": [1, 2, 4, 8, 16]}, slots=6)
    caps = find_caps(table, tasks)
    said = verdict(table, caps=caps, notes=scaling_notes(pd.DataFrame(
        [{"model": "threads", "r2": 0.99, "sigma": 0.0, "kappa": 0.0076, "peak_pool": 11.0}]),
        16, capped={cap.model: cap.about for cap in caps}))
    assert "threads stop gaining at about 6 calls at once although up to 16 were in flight" \
        in said
    assert "stop paying" not in said
    assert said.endswith("threads: serial share 0.00: levels off at the cap of about 6 calls "
                         "at once.")
    assert "peaks near" not in said
    plain = verdict(table)  # without caps, as before
    assert "beyond 8 threads more workers stop paying" in plain
