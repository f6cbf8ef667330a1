from __future__ import annotations

import pandas as pd

from runner.report.content import build, markdown
from runner.report.plots import Drawing
from runner.report.summary import summarize_runs
from runner.results.metadata import RunMetadata
from tests.helpers import sample_metadata


def runs(walls_by_cell: dict[str, list[float]]) -> pd.DataFrame:
    rows = []
    for cell, walls in walls_by_cell.items():
        model = cell.split("/")[1]
        for rep, wall in enumerate(walls, start=1):
            rows.append({"run_id": "r", "experiment": "e", "cell": cell, "workload": "fib",
                         "n": 20, "model": model, "pool_size": 1, "repetition": rep,
                         "status": "ok", "wall_s": wall, "tasks": 4, "error": None})
    return pd.DataFrame(rows)


def metadata(load: float) -> RunMetadata:
    return sample_metadata(load_average_at_start=(load, load, load))


def test_noisy_cells_and_a_busy_machine_are_flagged() -> None:
    table = runs({"fib/sync": [1.0, 1.01, 0.99, 1.0, 1.02, 3.0],
                  "fib/threads/p1": [1.0, 1.5, 0.7, 1.2, 0.9]})
    summary = summarize_runs(table, {}, ["tasks", "n"], cores=2)
    text = markdown(build(summary, table, metadata(load=3.0)), Drawing([]))
    assert "The machine was busy when the run started (load average 3.00 on 2 cores)" in text
    assert "- `fib/sync: CV" in text and "1 outlier beyond 1.5×IQR" in text
    assert "- `fib/threads/p1: CV" in text and "is over 10%" in text


def test_a_quiet_run_has_no_warnings() -> None:
    table = runs({"fib/sync": [1.0, 1.01, 1.02, 1.03]})
    summary = summarize_runs(table, {}, ["tasks", "n"], cores=2)
    text = markdown(build(summary, table, metadata(0.1)), Drawing([]))
    assert "Warning" not in text
    assert "Noisy cells" not in text
    assert "**Fastest: sync, median 1.015 s.** Sync is fastest" in text


def failing(cells: dict[str, list[float | None]], workload: str, path: str) -> pd.DataFrame:
    """runs.csv rows of cells ``model`` or ``model/pN`` of a workload with a ``path``
    parameter; None is a failed run."""
    rows = []
    for name, walls in cells.items():
        model, _, pool = name.partition("/p")
        for rep, wall in enumerate(walls, start=1):
            rows.append({"run_id": "r", "experiment": "e",
                         "cell": f"{workload}[path={path}]/{name}", "workload": workload,
                         "tasks": 4, "path": path, "model": model, "pool_size": int(pool or 1),
                         "repetition": rep, "status": "ok" if wall else "error",
                         "wall_s": wall, "error": None if wall else f"RuntimeError: {name}",
                         "python": "cpython-3.11.7"})
    return pd.DataFrame(rows)


def report_of(table: pd.DataFrame, drawing: Drawing | None = None) -> str:
    summary = summarize_runs(table, {}, ["tasks", "path"], cores=2)
    return markdown(build(summary, table, metadata(0.1)), drawing or Drawing([]))


def section(text: str, heading: str) -> str:
    return text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]


def test_a_parameter_value_with_a_slash_keeps_its_groups_apart() -> None:
    table = pd.concat([failing({"sync": [1.0, 1.1], "threads/p2": [0.6, 0.5]}, "w", "a/b"),
                       failing({"sync": [2.0, 2.1], "threads/p2": [0.9, 1.0]}, "w", "a/c")])
    text = report_of(table)
    assert "**Fastest: threads, pool 2, median 0.55 s.**" in section(text, "w[path=a/b]")
    assert "**Fastest: threads, pool 2, median 0.95 s.**" in section(text, "w[path=a/c]")
    assert section(text, "w[path=a/b]").count("| threads | 2 |") == 1


def test_a_group_with_no_successful_run_says_so_and_shows_its_failures_first() -> None:
    table = pd.concat([failing({"sync": [1.0, 1.1], "threads/p2": [0.6, 0.5]}, "good", "x"),
                       failing({"sync": [None], "threads/p2": [None, None]}, "bad", "x")])
    text = report_of(table)
    bad = section(text, "bad")
    assert "Fastest" not in bad
    assert bad.index("**No run succeeded**") < bad.index("RuntimeError: threads")
    failure = "| bad[path=x]/threads/p2 | 2 | error | RuntimeError: threads/p2 |"
    assert bad.index(failure) < bad.index("| rank | model |")
    assert "Failed and skipped runs" not in text  # already listed where they belong


def test_a_plot_failure_is_stated_where_the_plots_would_be() -> None:
    table = failing({"sync": [1.0, 1.1], "threads/p2": [0.6, 0.5]}, "w", "x")
    text = report_of(table, Drawing([], "RuntimeError: no usable font"))
    assert "The plots could not be drawn (RuntimeError: no usable font)." in section(text, "Plots")
