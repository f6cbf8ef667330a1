"""Comparison groups of summary rows: by workload, parameter values and interpreter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from runner.report.summary import comparison_groups, summarize_runs


def runs_frame(cells: list[tuple[str, str, dict[str, Any], str, int]],
               params: list[str], python: dict[str, str] | None = None) -> pd.DataFrame:
    """runs.csv rows, two ok runs per cell: (cell, workload, params, model, pool_size)."""
    rows = []
    for cell, workload, values, model, pool in cells:
        for repetition in (1, 2):
            rows.append({"run_id": "r", "experiment": "e", "cell": cell, "workload": workload,
                         **{name: values.get(name) for name in params}, "model": model,
                         "pool_size": pool, "repetition": repetition, "status": "ok",
                         "wall_s": 0.1 * repetition, "tasks": 4, "error": None,
                         "python": (python or {}).get(cell, "cpython-3.11.7")})
    return pd.DataFrame(rows)


def groups_of(runs: pd.DataFrame, params: list[str]) -> list[tuple[str, tuple[str, ...]]]:
    summary = summarize_runs(runs, {}, params, cores=2)
    return [(group.name, group.cells) for group in comparison_groups(summary, runs)]


def test_a_parameter_value_with_a_slash_keeps_its_groups_apart() -> None:
    runs = runs_frame([
        ("w[path=\"a/b\"]/sync", "w", {"tasks": 4, "path": "a/b"}, "sync", 1),
        ("w[path=\"a/b\"]/threads/p2", "w", {"tasks": 4, "path": "a/b"}, "threads", 2),
        ("w[path=\"a/c\"]/sync", "w", {"tasks": 4, "path": "a/c"}, "sync", 1),
        ("w[path=\"a/c\"]/threads/p2", "w", {"tasks": 4, "path": "a/c"}, "threads", 2),
    ], ["tasks", "path"])
    assert groups_of(runs, ["tasks", "path"]) == [
        ("w[path=\"a/b\"]", ("w[path=\"a/b\"]/sync", "w[path=\"a/b\"]/threads/p2")),
        ("w[path=\"a/c\"]", ("w[path=\"a/c\"]/sync", "w[path=\"a/c\"]/threads/p2")),
    ]


def test_parameters_of_other_workloads_and_fixed_ones_stay_out_of_the_name() -> None:
    runs = runs_frame([
        ("fib[n=5]/sync", "fib", {"tasks": 4, "n": 5}, "sync", 1),
        ("fib[n=6]/sync", "fib", {"tasks": 4, "n": 6}, "sync", 1),
        ("sleep/sync", "sleep", {"tasks": 4, "duration_ms": 2.5}, "sync", 1),
        ("sleep/threads/p2", "sleep", {"tasks": 4, "duration_ms": 2.5}, "threads", 2),
    ], ["tasks", "n", "duration_ms"])
    assert groups_of(runs, ["tasks", "n", "duration_ms"]) == [
        ("fib[n=5]", ("fib[n=5]/sync",)),
        ("fib[n=6]", ("fib[n=6]/sync",)),
        ("sleep", ("sleep/sync", "sleep/threads/p2")),
    ]


def test_each_interpreter_is_a_group_of_its_own() -> None:
    cells = [("fib/sync@a", "fib", {"tasks": 4}, "sync", 1),
             ("fib/threads/p2@a", "fib", {"tasks": 4}, "threads", 2),
             ("fib/sync@b", "fib", {"tasks": 4}, "sync", 1)]
    python = {"fib/sync@a": "cpython-3.11.7", "fib/threads/p2@a": "cpython-3.11.7",
              "fib/sync@b": "cpython-3.13.1"}
    runs = runs_frame(cells, ["tasks"], python)
    assert groups_of(runs, ["tasks"]) == [
        ("fib@cpython-3.11.7", ("fib/sync@a", "fib/threads/p2@a")),
        ("fib@cpython-3.13.1", ("fib/sync@b",)),
    ]


def test_runs_without_a_python_column_group_by_workload_and_parameters() -> None:
    runs = runs_frame([("fib/sync", "fib", {"tasks": 4}, "sync", 1),
                       ("fib/threads/p2", "fib", {"tasks": 4}, "threads", 2)], ["tasks"])
    assert groups_of(runs.drop(columns="python"), ["tasks"]) == [
        ("fib", ("fib/sync", "fib/threads/p2"))]


def test_cpu_share_is_the_median_cpu_time_over_the_median_wall_time_of_ok_runs() -> None:
    from runner.report.summary import STAT_COLUMNS

    runs = runs_frame([("fib/sync", "fib", {"tasks": 4}, "sync", 1),
                       ("fib/processes/p2", "fib", {"tasks": 4}, "processes", 2)], ["tasks"])
    runs["cpu_s"] = [0.098, 0.196, 0.19, 0.38]  # walls are 0.1, 0.2 in each cell
    failed = runs.iloc[[0]].assign(repetition=3, status="error", wall_s=9.0, cpu_s=9.0)
    summary = summarize_runs(pd.concat([runs, failed]), {}, ["tasks"], cores=2)
    # after the earlier columns, before those of adaptive repetitions, interpreters, hosts
    # and load
    assert STAT_COLUMNS[-8:] == ("cpu_share", "ci_rel_halfwidth", "stop", "python", "host",
                                 "others_cores_median", "in_flight_max", "in_flight_mean")
    assert list(summary.columns)[-8] == "cpu_share"
    assert summary["cpu_share"].tolist() == pytest.approx([0.98, 1.9])  # above 1: 2 cores


def test_without_cpu_times_the_cpu_share_is_empty() -> None:
    runs = runs_frame([("fib/sync", "fib", {"tasks": 4}, "sync", 1)], ["tasks"])
    summary = summarize_runs(runs.assign(cpu_s=None), {}, ["tasks"], cores=2)
    assert summary["cpu_share"].isna().all()
    assert summary["cpu_share"].dtype == "float64"


# --- hosts: speedups compare one machine's runs --------------------------------------

HOSTS_YAML = """
name: hosts
workloads: [{kind: fib, tasks: 4, n: 20}]
models: [sync, threads]
pool_sizes: [2, 4]
"""


def host_runs(placed: dict[str, list[tuple[str, float]]]) -> pd.DataFrame:
    """runs.csv rows of a fib group: per cell, its ok runs as (host, wall_s)."""
    rows = []
    for cell, runs in placed.items():
        model, _, pool = cell.partition("/p")
        for repetition, (host, wall) in enumerate(runs, start=1):
            rows.append({"run_id": "r", "experiment": "hosts", "cell": f"fib/{cell}",
                         "workload": "fib", "tasks": 4, "n": 20, "model": model.split("/")[0],
                         "pool_size": int(pool or 1), "repetition": repetition,
                         "status": "ok", "wall_s": wall, "cpu_s": wall, "error": None,
                         "host": host, "python": "cpython-3.11.7"})
    return pd.DataFrame(rows)


def host_summary(placed: dict[str, list[tuple[str, float]]], *, unnamed: bool = False,
                 **options: Any) -> pd.DataFrame:
    from pathlib import Path

    from runner.config.loader import parse
    from runner.plan.grid import expand

    cells = {cell.id: cell for cell in expand(parse(HOSTS_YAML, Path("hosts.yaml")))}
    runs = host_runs(placed)
    if unnamed:  # an empty column, as pandas reads one: numbers, all NaN
        runs["host"] = float("nan")
    summary = summarize_runs(runs, cells, ["tasks", "n"], cores=2, **options)
    return summary.set_index("cell")


def test_summary_names_each_cells_host_and_mixed_where_its_runs_ran_on_several() -> None:
    summary = host_summary({"sync": [("a", 1.0), ("a", 1.0)],
                            "threads/p2": [("a", 0.5), ("b", 0.6)],
                            "threads/p4": [("b", 0.4), ("b", 0.4)]})
    assert summary["host"].to_dict() == {"fib/sync": "a", "fib/threads/p2": "mixed",
                                         "fib/threads/p4": "b"}
    assert summary.columns[-4] == "host"


def test_no_speedup_divides_one_hosts_time_by_anothers() -> None:
    summary = host_summary({"sync": [("a", 1.0), ("a", 1.0)],
                            "threads/p2": [("a", 0.5), ("b", 0.6)],
                            "threads/p4": [("b", 0.4), ("b", 0.4)]})
    assert summary.loc["fib/sync", "speedup_vs_sync"] == 1.0
    # mixed, and on a host whose sync was never measured: neither gets a speedup, nor a
    # CPU-bound ideal (the sync time over the cores) built from another host's sync
    assert summary.loc[["fib/threads/p2", "fib/threads/p4"], "speedup_vs_sync"].isna().all()
    assert summary.loc[["fib/threads/p2", "fib/threads/p4"], "ideal_s"].isna().all()


def test_a_cell_is_compared_with_the_sync_runs_of_its_own_host() -> None:
    # sync moved mid-run: 2 runs on a (1.0 s), 2 on b (2.0 s); threads ran on b only
    summary = host_summary({"sync": [("a", 1.0), ("a", 1.0), ("b", 2.0), ("b", 2.0)],
                            "threads/p2": [("b", 1.0), ("b", 1.0)],
                            "threads/p4": [("a", 0.25), ("a", 0.25)]})
    assert summary.loc["fib/sync", "host"] == "mixed"
    assert summary.loc["fib/threads/p2", "speedup_vs_sync"] == pytest.approx(2.0)
    assert summary.loc["fib/threads/p4", "speedup_vs_sync"] == pytest.approx(4.0)


def test_placement_run_takes_the_hosts_as_identical() -> None:
    summary = host_summary({"sync": [("a", 1.0), ("b", 1.0)],
                            "threads/p2": [("a", 0.5), ("b", 0.5)],
                            "threads/p4": [("b", 0.4), ("b", 0.4)]}, placement="run")
    assert summary.loc["fib/threads/p2", "host"] == "mixed"
    assert summary.loc["fib/threads/p2", "speedup_vs_sync"] == pytest.approx(2.0)
    assert summary.loc["fib/threads/p4", "speedup_vs_sync"] == pytest.approx(2.5)


def test_the_ideal_of_cpu_work_uses_the_usable_cores_of_the_host_that_measured_it() -> None:
    from runner.results.metadata import HostFacts

    summary = host_summary({"sync": [("b", 1.0), ("b", 1.0)],
                            "threads/p2": [("b", 1.0), ("b", 1.0)],
                            "threads/p4": [("b", 1.0), ("b", 1.0)]},
                           hosts={"b": HostFacts(host="b", usable_cores=1)})
    assert summary.loc["fib/threads/p4", "ideal_s"] == pytest.approx(1.0)  # not 1.0 / 2
    assert summary.loc["fib/threads/p4", "efficiency"] == pytest.approx(1.0)


def test_runs_that_name_no_host_are_compared_as_one_machines() -> None:
    summary = host_summary({"sync": [("a", 1.0), ("a", 1.0)], "threads/p2": [("a", 0.5)] * 2,
                            "threads/p4": [("a", 0.25)] * 2}, unnamed=True)
    assert summary["speedup_vs_sync"].tolist() == [1.0, 2.0, 4.0]
    assert summary["host"].tolist() == ["", "", ""]


# --- others_cores: the load other programs put on the machine ------------------------


def test_others_cores_median_is_the_median_of_the_ok_runs_and_empty_where_unmeasured() -> None:
    runs = runs_frame([("fib/sync", "fib", {"tasks": 4}, "sync", 1),
                       ("fib/threads/p2", "fib", {"tasks": 4}, "threads", 2)], ["tasks"])
    runs["others_cores"] = [0.1, 0.3, None, None]
    failed = runs.iloc[[0]].assign(repetition=3, status="error", others_cores=5.0)
    summary = summarize_runs(pd.concat([runs, failed]), {}, ["tasks"], cores=2)
    assert summary.columns[-3] == "others_cores_median"
    assert summary["others_cores_median"].tolist()[0] == pytest.approx(0.2)
    assert pd.isna(summary["others_cores_median"].tolist()[1])
    assert summary["others_cores_median"].dtype == "float64"


def test_a_runs_csv_without_others_cores_gives_an_empty_column_that_reads_as_floats(
        tmp_path: Path) -> None:
    from runner.results.rundir import write_table

    runs = runs_frame([("fib/sync", "fib", {"tasks": 4}, "sync", 1)], ["tasks"])
    write_table(tmp_path / "summary.csv", summarize_runs(runs, {}, ["tasks"], cores=2))
    again = pd.read_csv(tmp_path / "summary.csv")  # no options: the dtypes come out right
    assert again["others_cores_median"].isna().all()
    assert again["others_cores_median"].dtype == "float64"
    assert again["wall_median_s"].dtype == "float64" and again["runs"].dtype == "int64"
