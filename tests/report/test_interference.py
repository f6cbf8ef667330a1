"""Warnings on the load other programs put on the machine, from synthetic runs.csv data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from runner.report.compare import compare, load_warnings
from runner.report.content import build
from runner.report.interference import (
    BUSY_CORES,
    DIFFERENT_LOAD,
    busy_warning,
    comparison_warnings,
    fact,
    report_warnings,
    uneven_warning,
)
from runner.report.summary import comparison_groups, summarize_runs
from runner.results.rows import RunRecord, Status
from runner.results.rundir import RunsWriter
from tests.helpers import run_cli, sample_metadata


def runs_frame(others: dict[tuple[str, int], list[float | None]]) -> pd.DataFrame:
    """runs.csv rows of a fib group (n=28, tasks=4): per (model, pool), each ok run's
    others_cores."""
    rows = []
    for (model, pool), values in others.items():
        cell = "fib/sync" if model == "sync" else f"fib/{model}/p{pool}"
        for repetition, cores in enumerate(values, start=1):
            rows.append({"run_id": "r", "experiment": "e", "cell": cell, "workload": "fib",
                         "tasks": 4, "n": 28, "model": model, "pool_size": pool,
                         "repetition": repetition, "status": "ok", "wall_s": 0.1,
                         "cpu_s": 0.1, "error": None, "host": "h", "python": "cpython-3.11.7",
                         "others_cores": cores})
    return pd.DataFrame(rows)


def warnings_of(runs: pd.DataFrame) -> list[str]:
    summary = summarize_runs(runs, {}, ["tasks", "n"], cores=2)
    return report_warnings(summary, runs, comparison_groups(summary, runs))


def test_cells_of_one_group_under_different_load_are_named_with_their_loads() -> None:
    runs = runs_frame({("sync", 1): [0.1, 0.1, 0.2], ("threads", 2): [1.2, 1.1, 1.3],
                       ("threads", 4): [0.3, 0.3, 0.3]})
    assert warnings_of(runs) == [
        "fib: other programs kept 0.1-1.2 cores busy during its cells (threads/p2 1.2, "
        "sync 0.1): compare its cells with care, or run again on a quieter machine."]


def test_even_load_below_the_threshold_says_nothing() -> None:
    runs = runs_frame({("sync", 1): [0.0, 0.1], ("threads", 2): [0.3, 0.4]})
    assert warnings_of(runs) == []
    assert uneven_warning("g", {"a": 0.0, "b": DIFFERENT_LOAD}) is not None  # at it: said
    assert uneven_warning("g", {"a": 0.0, "b": DIFFERENT_LOAD - 0.01}) is None
    assert uneven_warning("g", {"a": 0.0, "b": None}) is None  # nothing to compare with


def test_a_busy_run_is_said_once_and_even_load_adds_no_group_warning() -> None:
    runs = runs_frame({("sync", 1): [1.0, 1.1], ("threads", 2): [0.9, 1.0]})
    assert warnings_of(runs) == [
        "Other programs kept a median of 1.0 cores busy during the timed runs (others_cores "
        "in runs.csv): timings may be inflated and noisy; run again on a quieter machine."]
    assert busy_warning(BUSY_CORES) is not None and busy_warning(BUSY_CORES - 0.01) is None
    assert busy_warning(None) is None


def test_runs_without_others_cores_say_nothing_and_have_no_fact() -> None:
    runs = runs_frame({("sync", 1): [0.0, 0.0], ("threads", 2): [2.0, 2.0]})
    older = runs.drop(columns="others_cores")  # an older runexp's runs.csv
    assert warnings_of(older) == []
    assert fact(older) is None
    unknown = runs.assign(others_cores=None)  # not Linux: empty
    assert warnings_of(unknown) == [] and fact(unknown) is None


def test_failed_runs_do_not_count() -> None:
    runs = runs_frame({("sync", 1): [0.1, 0.1], ("threads", 2): [0.1, 3.0]})
    runs.loc[runs["others_cores"] == 3.0, "status"] = Status.ERROR
    assert warnings_of(runs) == []
    assert fact(runs) == ("other programs kept a median of 0.10 cores busy during the timed "
                          "runs (others_cores: from /proc/stat, less each run's own processes)")


def test_the_report_warns_and_states_the_runs_load() -> None:
    runs = runs_frame({("sync", 1): [0.1, 0.1], ("threads", 2): [1.2, 1.2]})
    summary = summarize_runs(runs, {}, ["tasks", "n"], cores=2)
    content = build(summary, runs, sample_metadata())
    assert any(w.startswith("fib: other programs kept 0.1-1.2 cores busy")
               for w in content.warnings)
    assert any("median of 0.65 cores busy during the timed runs" in f for f in content.facts)


# --- compare ---------------------------------------------------------------------


def comparison_text(a: float | None, b: float | None,
                    cells: list[tuple[str, float | None, float | None]]) -> list[str]:
    return comparison_warnings((a, b), cells)


def test_runs_compared_under_different_load_are_said_to_be() -> None:
    assert comparison_text(0.02, 1.01, [("w/sync", 0.0, 1.0), ("w/threads", 0.1, 0.2)]) == [
        "A and B ran under different load: other programs kept a median of 0.0 cores busy "
        "during A's runs and 1.0 during B's (1 of 2 cells apart by 0.5 cores or more): a "
        "difference in times may be the machine's, not the code's."]
    assert comparison_text(0.1, 0.2, [("w/sync", 0.0, 1.0), ("w/threads", 0.1, 0.2)]) == [
        "A and B ran under different load in 1 cell (cores other programs kept busy, A vs "
        "B: w/sync 0.0 vs 1.0): compare those cells with care."]
    assert comparison_text(0.1, 0.2, [("w/sync", 0.0, 0.4)]) == []
    assert comparison_text(None, 1.0, [("w/sync", None, 1.0)]) == []  # A: an older runexp


def write_run(run_dir: Path, others: dict[str, list[float | None]]) -> Path:
    """A runs.csv of steady walls per cell ``workload/model``, with these others_cores."""
    run_dir.mkdir(parents=True)
    with RunsWriter(run_dir, ["tasks"]) as writer:
        for cell, values in others.items():
            for repetition, cores in enumerate(values, start=1):
                wall = 1.0 + 0.01 * repetition
                writer.write(RunRecord(
                    run_id="r", experiment="e", cell=cell, workload=cell.split("/")[0],
                    params={"tasks": 1}, model=cell.split("/")[1], pool_size=1,
                    repetition=repetition, status=Status.OK, wall_s=wall, cpu_s=wall,
                    max_rss_mb=10.0, tasks=1, throughput_per_s=1 / wall, error="",
                    started_at="2026-01-01T00:00:00Z", host="h", python="cpython-3.11.7",
                    others_cores=cores))
    return run_dir


@pytest.fixture
def quiet_and_busy(tmp_path: Path) -> tuple[Path, Path]:
    a = write_run(tmp_path / "a", {"w/sync": [0.0, 0.1, 0.0, 0.0], "w/threads": [0.0] * 4})
    b = write_run(tmp_path / "b", {"w/sync": [1.0, 1.1, 0.9, 1.0], "w/threads": [1.0] * 4})
    return a, b


def test_compare_keeps_each_sides_load_per_cell_and_overall(
        quiet_and_busy: tuple[Path, Path]) -> None:
    compared = compare(*quiet_and_busy)
    cells = {row.cell: (row.others_cores_a, row.others_cores_b) for row in compared.rows}
    assert cells == {"w/sync": (0.0, 1.0), "w/threads": (0.0, 1.0)}
    assert (compared.others_cores_a, compared.others_cores_b) == (0.0, 1.0)
    assert load_warnings(compared)[0].startswith("A and B ran under different load: ")


def test_the_compare_command_says_it_under_the_table_and_in_json(
        quiet_and_busy: tuple[Path, Path]) -> None:
    a, b = quiet_and_busy
    done = run_cli("compare", a, b)
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().splitlines()[-1].startswith("A and B ran under different load")
    as_json = run_cli("compare", a, b, "--json")
    assert as_json.returncode == 0, as_json.stderr
    rows: list[dict[str, Any]] = json.loads(as_json.stdout)["rows"]
    assert [(r["others_cores_a"], r["others_cores_b"]) for r in rows] == [(0.0, 1.0)] * 2
    assert "runexp: warning: A and B ran under different load" in as_json.stderr


def test_compare_of_runs_under_like_load_or_unmeasured_says_nothing(tmp_path: Path) -> None:
    a = write_run(tmp_path / "a", {"w/sync": [0.1] * 4})
    b = write_run(tmp_path / "b", {"w/sync": [0.2] * 4})
    unmeasured = write_run(tmp_path / "c", {"w/sync": [None] * 4})
    assert load_warnings(compare(a, b)) == []
    compared = compare(a, unmeasured)
    assert load_warnings(compared) == []
    assert compared.rows[0].others_cores_b is None
