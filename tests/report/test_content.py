from __future__ import annotations

import pandas as pd

from runner.report.content import build, markdown
from runner.report.summary import summarize_runs


def runs(walls_by_cell: dict[str, list[float]]) -> pd.DataFrame:
    rows = []
    for cell, walls in walls_by_cell.items():
        model = cell.split("/")[1]
        for rep, wall in enumerate(walls, start=1):
            rows.append({"run_id": "r", "experiment": "e", "cell": cell, "workload": "fib",
                         "n": 20, "model": model, "pool_size": 1, "repetition": rep,
                         "status": "ok", "wall_s": wall, "tasks": 4, "error": None})
    return pd.DataFrame(rows)


def metadata(load: float) -> dict:
    return {"run_id": "r", "experiment": {"name": "e", "order": "interleaved"},
            "load_average_at_start": [load, load, load],
            "environment": {"cpu": {"usable_cores": 2}}}


def test_noisy_cells_and_a_busy_machine_are_flagged() -> None:
    table = runs({"fib/sync": [1.0, 1.01, 0.99, 1.0, 1.02, 3.0],
                  "fib/threads/p1": [1.0, 1.5, 0.7, 1.2, 0.9]})
    summary = summarize_runs(table, {}, ["tasks", "n"], cores=2)
    text = markdown(build(summary, table, metadata(load=3.0)), [])
    assert "The machine was busy when the run started (load average 3.00 on 2 cores)" in text
    assert "- `fib/sync: CV" in text and "1 outlier beyond 1.5×IQR" in text
    assert "- `fib/threads/p1: CV" in text and "is over 10%" in text


def test_a_quiet_run_has_no_warnings() -> None:
    table = runs({"fib/sync": [1.0, 1.01, 1.02, 1.03]})
    summary = summarize_runs(table, {}, ["tasks", "n"], cores=2)
    text = markdown(build(summary, table, metadata(0.1)), [])
    assert "Warning" not in text
    assert "Noisy cells" not in text
    assert "**Fastest: sync, median 1.015 s.** Sync is fastest" in text
