"""A group's headline in report.md, report.html and the terminal: "Fastest" only where the
runs tell the leader apart; in an advise run, the advice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from runner.errors import ResultsError
from runner.report import html
from runner.report.advised import ADVICE_FILE, read_advice
from runner.report.content import Content, build
from runner.report.markdown import render, terminal_summary
from runner.report.plots import Drawing
from runner.report.summary import summarize_runs
from runner.results.metadata import RunMetadata
from tests.helpers import sample_metadata

FIVE = (1.0, 1.01, 0.99, 1.02, 0.98)


def runs(cells: dict[str, list[float]]) -> pd.DataFrame:
    """runs.csv rows of ``w`` cells ``model`` or ``model/pN``."""
    rows = []
    for name, walls in cells.items():
        model, _, pool = name.partition("/p")
        rows += [{"run_id": "r", "experiment": "e", "cell": f"w/{name}", "workload": "w",
                  "tasks": 4, "model": model, "pool_size": int(pool or 1), "repetition": rep,
                  "status": "ok", "wall_s": wall, "error": None}
                 for rep, wall in enumerate(walls, start=1)]
    return pd.DataFrame(rows)


def content(cells: dict[str, list[float]], advice_dir: Path | None = None,
            metadata: RunMetadata | None = None) -> Content:
    table = runs(cells)
    summary = summarize_runs(table, {}, ["tasks"], cores=2)
    advice = read_advice(advice_dir) if advice_dir is not None else ()
    return build(summary, table, metadata or sample_metadata(), advice=advice)


def opening(made: Content) -> str:
    """The first line of the group's section in report.md."""
    return render(made, Drawing([])).split("## w\n\n", 1)[1].split("\n", 1)[0]


def test_a_noisy_two_run_grid_crowns_nothing_anywhere() -> None:
    made = content({"sync": [1.0, 1.37], "threads/p4": [0.9, 1.2], "asyncio/p4": [1.1, 1.3]})
    line = opening(made)
    assert line.startswith("**Not told apart: threads, pool 4 (1.05 s) and sync (1.185 s)**: "
                           "ratio 1.13 from 2 and 2 runs, too few for an interval; about ")
    assert "runs each would tell." in line
    page = html.render(made, Drawing([]))
    terminal = terminal_summary(made)
    for text in (render(made, Drawing([])), page, terminal):
        assert "Fastest" not in text and "fastest" not in text
    assert 'class="winner"' not in page
    assert terminal.startswith("w: not told apart: threads, pool 4 (1.05 s) and sync (1.185 s):")


def test_a_clear_gap_with_five_runs_is_the_fastest() -> None:
    made = content({"sync": [2 * x for x in FIVE], "threads/p2": list(FIVE)})
    assert opening(made).startswith("**Fastest: threads, pool 2, median 1 s.** ")
    assert terminal_summary(made).startswith("w: threads, pool 2, median 1 s\n")


def test_two_leaders_within_the_precision_are_level() -> None:
    threads = [1.0 + 0.001 * i for i in range(10)]
    made = content({"sync": [2 * x for x in threads], "threads/p4": threads,
                    "asyncio/p8": [x + 0.0005 for x in threads]})
    assert opening(made).startswith(
        "**Level: threads, pool 4 and asyncio, pool 8** (ratio 1.000, 95% CI 0.998–1.003 from "
        "10 and 10 runs). Threads with pool 4 and asyncio with 8 in flight are level; ")
    strict = sample_metadata(experiment={**sample_metadata().experiment,
                                         "repetitions": {"precision": 0.001, "max": 10}})
    made = content({"sync": [2 * x for x in threads], "threads/p4": threads,
                    "asyncio/p8": [x + 0.0005 for x in threads]}, metadata=strict)
    assert opening(made).startswith("**Not told apart: threads, pool 4")  # 1% is not level


ADVICE: dict[str, Any] = {"experiment": "e", "budget_s": 60.0, "seconds_used": 9.1, "runs_used": 17,
          "budget_exhausted": False,
          "advice": [{"workload": "w", "params": {"tasks": 4}, "model": "threads",
                      "pool_size": 2, "wall_median_s": 0.151, "ci95_s": [0.149, 0.153],
                      "speedup_vs_sync": 6.6, "runner_up": None, "tie": True,
                      "cpu_share": 0.02, "work": "waiting", "reason": "...",
                      "cell": "w/threads/p2"}]}
#: An advise run's grid: the advised pool 2, measured most, and a pool 4 whose two runs
#: happen to have a lower median.
ADVISED = {"sync": [1.0, 1.01], "threads/p2": [0.15, 0.151, 0.152, 0.149, 0.153, 0.151],
           "threads/p4": [0.148, 0.149]}


def advise_dir(tmp_path: Path, **changes: object) -> Path:
    record = {**ADVICE, "advice": [{**ADVICE["advice"][0], **changes}]}
    (tmp_path / ADVICE_FILE).write_text(json.dumps(record), encoding="utf-8")
    return tmp_path


def test_an_advise_runs_headline_is_the_advice(tmp_path: Path) -> None:
    made = content(ADVISED, advise_dir(tmp_path))
    assert opening(made).startswith(
        "**Advice: threads, pool 2** (median 0.151 s; see the advice above). Threads ")
    report = render(made, Drawing([]))
    assert "Fastest" not in report
    page = html.render(made, Drawing([]))
    assert ("<strong>Advice: threads, pool 2</strong> (median 0.151 s; see the advice above)."
            in page)
    winner = page.split('<tr class="winner">', 1)[1].split("</tr>", 1)[0]
    assert "<td>threads</td><td class=n>2</td>" in winner  # the advised row, not pool 4
    assert terminal_summary(made).startswith("w: advice: threads, pool 2 (median 0.151 s)\n")


def test_an_older_advice_without_its_cell_is_matched_by_its_configuration(
        tmp_path: Path) -> None:
    record = advise_dir(tmp_path)
    entry = json.loads((record / ADVICE_FILE).read_text())
    del entry["advice"][0]["cell"]
    (record / ADVICE_FILE).write_text(json.dumps(entry))
    assert opening(content(ADVISED, record)).startswith("**Advice: threads, pool 2** ")
    other = advise_dir(tmp_path, cell=None, params={"tasks": 8})  # another parameter set
    assert not opening(content(ADVISED, other)).startswith("**Advice")


def test_a_run_without_advice_reads_none_and_a_broken_file_is_an_error(tmp_path: Path) -> None:
    assert read_advice(tmp_path) == []
    (tmp_path / ADVICE_FILE).write_text("{", encoding="utf-8")
    with pytest.raises(ResultsError, match="not an advice file"):
        read_advice(tmp_path)
