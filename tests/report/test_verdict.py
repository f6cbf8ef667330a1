"""The plain-words verdict of one comparison group, from summary rows built here."""

from __future__ import annotations

import math

import pandas as pd

from runner.report.verdict import verdict

NAN = math.nan


def table(*rows: tuple[str, int, float, float, float]) -> pd.DataFrame:
    """Summary rows: (model, pool_size, median, efficiency, start-up), speedup from sync."""
    frame = pd.DataFrame(rows, columns=["model", "pool_size", "wall_median_s", "efficiency",
                                        "startup_median_s"])
    sync = frame.loc[frame["model"] == "sync", "wall_median_s"]
    frame["speedup_vs_sync"] = sync.iloc[0] / frame["wall_median_s"] if len(sync) else NAN
    return frame


def test_the_winner_leads_and_every_other_model_follows() -> None:
    text = verdict(table(("sync", 1, 4.0, NAN, NAN), ("threads", 4, 1.0, 0.95, NAN),
                         ("threads", 2, 2.0, 0.9, NAN), ("asyncio", 4, 1.6, 0.5, 0.5),
                         ("processes", 4, 3.9, 0.2, NAN)))
    assert text == ("Threads run 4.0× faster than sync with pool 4 and come within 5% of the "
                    "ideal; asyncio reaches 2.5× with 4 in flight (50% of the ideal), paying "
                    "0.5 s of start-up; processes are no faster than sync (at best 1.03×, "
                    "pool 4).")


def test_sync_can_win() -> None:
    text = verdict(table(("sync", 1, 1.0, NAN, NAN), ("threads", 2, 1.2, NAN, NAN)))
    assert text.startswith("Sync is fastest at 1 s: no model beat the plain loop")


def test_without_sync_the_times_speak() -> None:
    text = verdict(table(("threads", 2, 1.0, NAN, NAN), ("asyncio", 2, 1.5, NAN, NAN)))
    assert text == ("Threads run fastest with pool 2, at 1 s; asyncio takes 1.5 s at best "
                    "(2 in flight).")


def test_failed_cells_are_left_out_and_nothing_measured_says_so() -> None:
    text = verdict(table(("sync", 1, 2.0, NAN, NAN), ("threads", 2, NAN, NAN, NAN)))
    assert text.startswith("Sync is fastest at 2 s: no model beat the plain loop.")
    assert "threads" not in text.split(".")[0]  # not ranked; the why says it never ran
    assert verdict(table(("sync", 1, NAN, NAN, NAN))) == "No run of this workload succeeded."


def why_table(*rows: tuple[str, int, float, float]) -> pd.DataFrame:
    """Summary rows: (model, pool_size, median, cpu_share), two runs per cell and
    both failed where the median is NaN; speedup from sync."""
    frame = pd.DataFrame(rows, columns=["model", "pool_size", "wall_median_s", "cpu_share"])
    frame["runs"] = 2
    frame["failed"] = frame["wall_median_s"].isna() * 2
    frame["efficiency"] = frame["startup_median_s"] = NAN
    frame["speedup_vs_sync"] = (frame.loc[frame["model"] == "sync", "wall_median_s"].iloc[0]
                                / frame["wall_median_s"])
    return frame


def why(text: str) -> str:
    """The last sentence of a verdict: the why."""
    return text.rsplit(". ", 1)[1]


def test_waiting_work_says_where_more_workers_stop_paying() -> None:
    text = verdict(why_table(("sync", 1, 1.6, 0.03), ("threads", 2, 0.8, 0.05),
                             ("threads", 4, 0.4, 0.06), ("threads", 8, 0.2, 0.08),
                             ("threads", 16, 0.1, 0.15), ("threads", 32, 0.097, 0.2),
                             ("asyncio", 32, 0.12, 0.1)))
    assert why(text) == ("The sync run spends 3% of its time on the CPU: the work is waiting; "
                         "beyond 16 threads more workers stop paying (32 gain 3%).")


def test_waiting_work_that_still_gains_at_the_largest_pool_says_so() -> None:
    text = verdict(why_table(("sync", 1, 1.6, 0.01), ("asyncio", 8, 0.2, 0.1),
                             ("asyncio", 16, 0.1, 0.1)))
    assert why(text) == ("The sync run spends 1% of its time on the CPU: the work is waiting; "
                         "more workers kept paying up to 16 in flight, the largest tried.")


def test_cpu_work_holding_the_gil() -> None:
    text = verdict(why_table(("sync", 1, 1.0, 0.98), ("threads", 2, 1.05, 0.99),
                             ("threads", 4, 1.08, 0.99), ("processes", 2, 0.55, 1.9),
                             ("processes", 4, 0.52, 1.95)), cores=2)
    assert why(text) == ("The sync run is 98% CPU and threads gained nothing (0.95×): the "
                         "work holds the GIL; processes are bounded by the 2 usable cores.")


def test_a_small_gain_of_threads_is_not_a_released_gil() -> None:
    text = verdict(why_table(("sync", 1, 1.0, 0.97), ("threads", 2, 0.85, 1.1)))
    assert why(text) == ("The sync run is 97% CPU and threads gained only 1.18×: the work "
                         "holds the GIL.")


def test_cpu_work_releasing_the_gil() -> None:
    text = verdict(why_table(("sync", 1, 1.0, 1.01), ("threads", 2, 0.55, 1.8),
                             ("processes", 2, 0.6, 1.7)))
    # A sync share a little over 1 is the clocks' granularity; no cores, no bound:
    assert why(text) == ("The sync run is 100% CPU and threads gained 1.8×, so the work "
                         "releases the GIL (as hashlib and zlib do).")


def test_processes_that_lost_to_sync_are_not_said_to_be_bounded_by_the_cores() -> None:
    text = verdict(why_table(("sync", 1, 0.01, 0.98), ("threads", 2, 0.011, 0.99),
                             ("processes", 2, 0.05, 0.4)), cores=2)
    assert why(text) == ("The sync run is 98% CPU and threads gained nothing (0.91×): the "
                         "work holds the GIL.")


def test_mixed_work() -> None:
    text = verdict(why_table(("sync", 1, 1.0, 0.7), ("threads", 2, 0.7, 0.9),
                             ("threads", 4, 0.5, 1.2), ("threads", 8, 0.48, 1.3)))
    assert why(text) == ("The sync run is 70% CPU: the work both computes and waits; beyond "
                         "4 threads more workers stop paying (8 gain 4%).")


def test_a_model_that_failed_is_named_and_draws_no_conclusion() -> None:
    text = verdict(why_table(("sync", 1, 1.0, 0.98), ("threads", 2, NAN, NAN),
                             ("processes", 2, 0.55, 1.9)), cores=4)
    assert why(text) == ("The sync run is 98% CPU; threads failed every run; processes are "
                         "bounded by the 4 usable cores.")
    assert "GIL" not in text


def test_a_failed_sync_run_leaves_the_kind_of_work_open() -> None:
    text = verdict(why_table(("sync", 1, NAN, NAN), ("threads", 2, 0.5, 0.9)))
    assert text == "Threads run fastest with pool 2, at 0.5 s. Sync failed every run."


def test_notes_from_the_caller_join_the_why() -> None:
    text = verdict(why_table(("sync", 1, 1.0, 0.99), ("threads", 2, 0.55, 1.8)),
                   notes=["the fit puts the peak at 6 threads"])
    assert why(text).endswith("releases the GIL (as hashlib and zlib do); the fit puts the "
                              "peak at 6 threads.")


# --- told apart or not: the runs behind the medians -------------------------------------


def runs_table(cells: dict[str, list[float]]) -> tuple[pd.DataFrame, dict[str, list[float]]]:
    """Summary rows of cells ``model`` or ``model/pN`` from their wall times (medians,
    speedup from sync), and the wall times by cell."""
    rows = []
    for cell, walls in cells.items():
        model, _, pool = cell.partition("/p")
        rows.append({"cell": cell, "model": model, "pool_size": int(pool or 1),
                     "wall_median_s": float(pd.Series(walls).median()),
                     "efficiency": NAN, "startup_median_s": NAN})
    frame = pd.DataFrame(rows)
    sync = frame.loc[frame["model"] == "sync", "wall_median_s"]
    frame["speedup_vs_sync"] = sync.iloc[0] / frame["wall_median_s"] if len(sync) else NAN
    return frame, cells


def test_two_noisy_runs_a_cell_crown_nothing() -> None:
    table, walls = runs_table({"sync": [1.0, 1.37], "threads/p4": [0.9, 1.2],
                               "asyncio/p4": [1.1, 1.3]})
    text = verdict(table, walls=walls)
    assert "faster than sync" not in text and "fastest" not in text
    assert text == ("Threads (1.1× with pool 4) and asyncio (0.99× with 4 in flight) are not "
                    "told apart from sync: too few runs for an interval.")


def test_a_clear_gap_with_five_runs_is_told() -> None:
    table, walls = runs_table({"sync": [2.0, 2.02, 1.98, 2.04, 1.96],
                               "threads/p4": [1.0, 1.01, 0.99, 1.02, 0.98]})
    assert verdict(table, walls=walls) == "Threads run 2.0× faster than sync with pool 4."


def test_a_speedup_within_the_noise_is_not_claimed() -> None:
    table, walls = runs_table({"sync": [1.0, 1.3, 0.8, 1.1, 0.9],
                               "threads/p4": [0.9, 1.2, 0.75, 1.0, 0.85]})
    text = verdict(table, walls=walls)
    assert text.startswith("Threads are not told apart from sync (1.1× with pool 4, "
                           "95% CI 0."), text
    assert "faster than sync" not in text


def test_level_leaders_are_said_to_be_level_first() -> None:
    sync = [2.0 + 0.01 * i for i in range(10)]
    threads = [1.0 + 0.001 * i for i in range(10)]
    asyncio = [1.0005 + 0.001 * i for i in range(10)]
    table, walls = runs_table({"sync": sync, "threads/p4": threads, "asyncio/p8": asyncio})
    assert verdict(table, walls=walls).startswith(
        "Threads with pool 4 and asyncio with 8 in flight are level; threads run 2.0× "
        "faster than sync with pool 4; asyncio reaches 2.0× with 8 in flight.")


def test_sync_that_leads_by_noise_only_is_not_called_fastest() -> None:
    table, walls = runs_table({"sync": [1.0, 1.2], "threads/p2": [1.05, 1.15]})
    text = verdict(table, walls=walls)
    assert text == ("Sync has the lowest median, 1.1 s: no model beat the plain loop; "
                    "threads (1.00× with pool 2) are not told apart from sync: too few runs "
                    "for an interval.")


def test_a_model_sync_beats_beyond_noise_is_no_faster() -> None:
    table, walls = runs_table({"sync": [1.0, 1.01, 0.99, 1.02, 0.98],
                               "processes/p2": [2.0, 2.02, 1.98, 2.04, 1.96]})
    assert verdict(table, walls=walls) == (
        "Sync is fastest at 1 s: no model beat the plain loop; processes are no faster than "
        "sync (at best 0.50×, pool 2).")


def test_an_advised_leader_leads_the_verdict() -> None:
    table, walls = runs_table({"sync": [2.0, 2.02, 1.98, 2.04, 1.96],
                               "threads/p2": [1.0, 1.01, 0.99, 1.02, 0.98],
                               "threads/p4": [0.99, 1.0, 0.98, 1.01, 0.97]})
    text = verdict(table, walls=walls, leader="threads/p2")
    assert text == "Threads run 2.0× faster than sync with pool 2."
