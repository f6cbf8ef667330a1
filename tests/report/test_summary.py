"""Comparison groups of summary rows: by workload, parameter values and interpreter."""

from __future__ import annotations

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
        ("w[path=a/b]/sync", "w", {"tasks": 4, "path": "a/b"}, "sync", 1),
        ("w[path=a/b]/threads/p2", "w", {"tasks": 4, "path": "a/b"}, "threads", 2),
        ("w[path=a/c]/sync", "w", {"tasks": 4, "path": "a/c"}, "sync", 1),
        ("w[path=a/c]/threads/p2", "w", {"tasks": 4, "path": "a/c"}, "threads", 2),
    ], ["tasks", "path"])
    assert groups_of(runs, ["tasks", "path"]) == [
        ("w[path=a/b]", ("w[path=a/b]/sync", "w[path=a/b]/threads/p2")),
        ("w[path=a/c]", ("w[path=a/c]/sync", "w[path=a/c]/threads/p2")),
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
    # after the earlier columns, before those of adaptive repetitions and interpreters
    assert STAT_COLUMNS[-4:] == ("cpu_share", "ci_rel_halfwidth", "stop", "python")
    assert list(summary.columns)[-4] == "cpu_share"
    assert summary["cpu_share"].tolist() == pytest.approx([0.98, 1.9])  # above 1: 2 cores


def test_without_cpu_times_the_cpu_share_is_empty() -> None:
    runs = runs_frame([("fib/sync", "fib", {"tasks": 4}, "sync", 1)], ["tasks"])
    summary = summarize_runs(runs.assign(cpu_s=None), {}, ["tasks"], cores=2)
    assert summary["cpu_share"].isna().all()
    assert summary["cpu_share"].dtype == "float64"
