"""Timelines: which cells, runs and lanes are drawn (synthetic frames), the figures'
layout, the file names, and the files after a real run and ``runexp report``."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from runner.execution.outputs import write_reports
from runner.execution.pipeline import RunOptions, run
from runner.report import html, markdown, timeline
from runner.report.content import build
from runner.report.figures import Plot
from runner.report.overview import spread
from runner.report.plots import Drawing
from runner.report.summary import summarize_runs
from runner.report.timeline_figure import MAX_HEIGHT, MAX_LANE_LABELS, draw, height, title
from tests.helpers import run_cli, sample_metadata

#: A task of a made-up run: (start_s, latency_s, worker).
Task = tuple[float, float, str | None]


def frames(cells: dict[str, list[float | None]], workload: str = "w", tasks: int = 4,
           workers: Callable[[str, int], list[Task]] | None = None
           ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Summary, runs and tasks of cells ``model`` or ``model/pN`` with the wall time of
    each repetition (None: a failed run, without task rows). ``workers(model, pool)``:
    each run's tasks; by default pool-many lanes of the model's kind, back to back."""
    made = workers or _back_to_back
    runs, rows = [], []
    for name, walls in cells.items():
        model, _, pool = name.partition("/p")
        cell = f"{workload}[tasks={tasks}]/{name}"
        for repetition, wall in enumerate(walls, start=1):
            runs.append({"run_id": "r", "experiment": "e", "cell": cell,
                         "workload": workload, "tasks": tasks, "model": model,
                         "pool_size": int(pool or 1), "repetition": repetition,
                         "status": "ok" if wall is not None else "error", "wall_s": wall,
                         "error": None if wall is not None else "RuntimeError: boom",
                         "startup_s": 0.01 if wall is not None else None})
            if wall is None:
                continue
            for task, (start, latency, worker) in enumerate(made(model, int(pool or 1))):
                rows.append({"run_id": "r", "cell": cell, "workload": workload,
                             "model": model, "pool_size": int(pool or 1),
                             "repetition": repetition, "task": task, "start_s": start,
                             "latency_s": latency, "worker": worker})
    table = pd.DataFrame(runs)
    return summarize_runs(table, {}, ["tasks"], cores=2), table, pd.DataFrame(rows)


def _back_to_back(model: str, pool: int) -> list[Task]:
    kind = {"sync": "main", "threads": "thread", "asyncio": "task"}.get(model, "process")
    return [(0.1 * (task // pool), 0.1, "main" if kind == "main" else f"{kind}-{task % pool + 1}")
            for task in range(4)]


def sweep(sets: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``sets`` parameter sets (tasks = 1..sets), each with sync and threads/p2."""
    parts = [frames({"sync": [0.4, 0.4], "threads/p2": [0.2, 0.2]}, tasks=n)
             for n in range(1, sets + 1)]
    summary, runs, tasks = (pd.concat(p, ignore_index=True) for p in zip(*parts, strict=True))
    return summary, runs, tasks


def test_each_models_fastest_pool_size_with_task_rows_in_lesson_order() -> None:
    summary, runs, tasks = frames({"processes/p2": [0.3, 0.3], "asyncio/p4": [0.1, 0.1],
                                   "threads/p2": [0.3, 0.3], "threads/p4": [0.2, 0.2],
                                   "sync": [0.5, 0.5], "asyncio/p2": [0.2, 0.2]})
    faster = frames({"threads/p8": [0.05, 0.05]})  # faster, but no task rows
    chosen = timeline.choose(pd.concat([summary, faster[0]]), pd.concat([runs, faster[1]]),
                             tasks)
    assert [line.cell for line in chosen] == [
        "w[tasks=4]/sync", "w[tasks=4]/threads/p4", "w[tasks=4]/asyncio/p4",
        "w[tasks=4]/processes/p2"]
    assert [line.model for line in chosen] == ["sync", "threads", "asyncio", "processes"]


@pytest.mark.parametrize(("walls", "expected"), [
    ([0.3, 0.1, 0.2], (3, 0.2)),
    ([0.4, 0.1, 0.3, 0.2], (4, 0.2)),  # of an even count the faster middle run
    ([0.2, 0.2, 0.2], (2, 0.2)),
    ([0.7], (1, 0.7)),
])
def test_the_run_shown_has_the_median_wall_time(walls: list[float],
                                                 expected: tuple[int, float]) -> None:
    assert timeline.representative(list(enumerate(walls, start=1))) == expected


def test_failed_runs_are_not_shown_and_the_count_is_of_ok_runs() -> None:
    summary, runs, tasks = frames({"threads/p2": [0.9, None, 0.1, 0.3]})
    [line] = timeline.choose(summary, runs, tasks)
    assert (line.repetition, line.runs, line.wall_s) == (4, 3, 0.3)
    assert line.startup_s == 0.01
    assert title(line) == ("Timeline of w[tasks=4]/threads/p2: run 4, whose wall time "
                           "(0.3 s) is the median of 3 runs; 4 tasks on 2 threads")
    summary, runs, tasks = frames({"sync": [0.4, 0.2]})
    assert "run 2, whose wall time (0.2 s) is the lower median of 2 runs; 4 tasks on the " \
           "main thread" in title(timeline.choose(summary, runs, tasks)[0])


def test_lanes_are_ordered_by_kind_then_number_and_bars_keep_their_task() -> None:
    labels = ["thread-10", "task-2", "thread-2", "main", "process-1", "interpreter-1",
              "thread-1", "odd"]
    assert sorted(labels, key=timeline.lane_key) == [
        "main", "thread-1", "thread-2", "thread-10", "interpreter-1", "process-1", "task-2",
        "odd"]
    rows = pd.DataFrame({"task": [0, 1, 2], "start_s": [0.0, 0.0, 0.1],
                         "latency_s": [0.1, 0.2, 0.1], "worker": ["thread-2", "thread-1",
                                                                  "thread-2"]})
    lanes, bars, packed = timeline.lay_out(rows)
    assert lanes == ("thread-1", "thread-2") and not packed
    assert [(bar.lane, bar.task) for bar in bars] == [(1, 0), (0, 1), (1, 2)]


def test_without_worker_lanes_are_packed_from_the_times() -> None:
    # 0 and 1 overlap; 2 starts as 0 ends (within tasks.csv's rounding) and takes its lane
    starts, seconds = [0.0, 0.05, 0.100001], [0.1, 0.1, 0.1]
    assert timeline.packed_lanes(starts, seconds) == ["slot-1", "slot-2", "slot-1"]
    summary, runs, tasks = frames({"threads/p2": [0.2, 0.2]})
    lines = timeline.choose(summary, runs, tasks.drop(columns="worker"))
    assert lines == timeline.choose(summary, runs, tasks.assign(worker=None))
    [line] = lines
    assert line.packed and line.lanes == ("slot-1", "slot-2")
    assert "packed from the times" in title(line)


def test_at_most_max_groups_spread_over_the_sweep_and_the_rest_said() -> None:
    assert spread(5, 2) == [0, 4]
    assert spread(5, 3) == [0, 2, 4]
    assert spread(2, 3) == [0, 1]
    summary, runs, tasks = sweep(5)
    cells = [line.cell for line in timeline.choose(summary, runs, tasks, limit=2)]
    assert cells == ["w[tasks=1]/sync", "w[tasks=1]/threads/p2", "w[tasks=5]/sync",
                     "w[tasks=5]/threads/p2"]
    note = timeline.left_out(summary, runs, tasks, limit=2)
    assert "2 of the 5 parameter sets" in note and "the first and the last" in note
    assert timeline.left_out(summary, runs, tasks, limit=5) == ""
    assert timeline.choose(summary, runs, None) == []


def test_file_names_are_safe_unique_and_short() -> None:
    assert timeline.slug('sleep[tasks=12,name="a b"]/threads/p4@py3.12') == (
        "sleep-tasks-12-name-a-b-threads-p4-py3.12")
    line = timeline.Timeline("c", "sync", 1, 1, 0.1, None, ("main",), ())
    twins = timeline.named([timeline.Timeline(**{**line.__dict__, "cell": cell})
                            for cell in ('w[s="a b"]/sync', 'w[s="a-b"]/sync',
                                         "w[s=A-B]/sync", "w[s=c]/sync", "x" * 300)])
    names = [twin.name for twin in twins]
    assert names[3] == "timeline-w-s-c-sync"
    assert len(set(map(str.lower, names))) == 5  # the twins apart, case aside
    assert all(re.fullmatch(r"timeline-[A-Za-z0-9._-]+", name) for name in names)
    assert all(len(name) <= timeline.MAX_STEM + 9 for name in names)


def test_many_lanes_stay_readable() -> None:
    summary, runs, tasks = frames({"asyncio/p160": [0.2]}, workers=lambda _, pool: [
        (0.001 * task, 0.1, f"task-{task + 1}") for task in range(pool)])
    [line] = timeline.choose(summary, runs, tasks)
    figure = draw(line)
    assert figure.get_figheight() == MAX_HEIGHT == height(160)
    ticks = figure.axes[0].get_yticklabels()
    assert 1 < len(ticks) <= MAX_LANE_LABELS and ticks[0].get_text() == "task-1"
    assert "160 lanes, one per asyncio task in flight" in title(line)
    summary, runs, tasks = frames({"threads/p4": [0.2]})
    few = draw(timeline.choose(summary, runs, tasks)[0])
    assert [t.get_text() for t in few.axes[0].get_yticklabels()] == [
        "thread-1", "thread-2", "thread-3", "thread-4"]
    assert few.get_figheight() < MAX_HEIGHT


def test_reports_put_timelines_in_their_own_section_after_the_plots(tmp_path: Path) -> None:
    summary, runs, _ = frames({"sync": [0.4], "threads/p2": [0.2]})
    made = []
    for name, caption in (("wall", "Wall"), ("timeline-w-tasks-4-sync",
                                             "Timeline of w[tasks=4]/sync")):
        (tmp_path / f"{name}.png").write_bytes(b"png")
        made.append(Plot(name, caption, tmp_path / f"{name}.png", tmp_path / f"{name}.svg"))
    drawing = Drawing(made, timelines_note="Timelines are drawn for 2 of the 9 parameter sets.")
    content = build(summary, runs, sample_metadata())
    text = markdown.render(content, drawing)
    plots, lines = text.index("## Plots"), text.index("## Timelines")
    assert plots < text.index("(plots/wall.png)") < lines < text.index("2 of the 9")
    assert r"![Timeline of w\[tasks=4\]/sync](plots/timeline-w-tasks-4-sync.png)" in text
    page = html.render(content, drawing)
    assert page.index("<h2>Plots</h2>") < page.index("<h2>Timelines</h2>") < page.index(
        "Timeline of w[tasks=4]/sync (also plots/timeline-w-tasks-4-sync.svg)")
    only = html.render(content, Drawing(drawing.plots[1:]))
    assert "<h2>Plots</h2>" not in only and "<h2>Timelines</h2>" in only


TIMED = """
name: timed
repetitions: 3
isolation: inline
workloads: [{kind: sleep, tasks: 6, duration_ms: 5, record_tasks: true}]
models: [sync, threads, asyncio, processes]
pool_sizes: [3]
"""
NAMES = ["timeline-sleep-sync", "timeline-sleep-threads-p3", "timeline-sleep-asyncio-p3",
         "timeline-sleep-processes-p3"]


def test_a_real_run_and_runexp_report_draw_them(write_yaml: Callable[[str], Path],
                                                tmp_path: Path) -> None:
    out = tmp_path / "run"
    run(write_yaml(TIMED), RunOptions(out=out))
    plots = out / "plots"
    for suffix in (".png", ".svg"):
        (plots / f"timeline-gone{suffix}").write_text("an earlier build's")
    (plots / "timeline-notes.txt").write_text("not a plot: kept")
    done = run_cli("report", out)
    assert done.returncode == 0, done.stderr
    drawn = sorted(path.name for path in plots.glob("timeline-*"))
    assert drawn == sorted([*(f"{n}{s}" for n in NAMES for s in (".png", ".svg")),
                            "timeline-notes.txt"])
    text = (out / "report.md").read_text()
    assert [text.index(f"(plots/{name}.png)") for name in NAMES] == sorted(
        text.index(f"(plots/{name}.png)") for name in NAMES)
    assert "12 tasks" not in text and "6 tasks on 3 processes" in text
    assert "6 tasks on the main thread" in text and "on 3 threads" in text
    page = (out / "report.html").read_text()
    assert page.count("(also plots/timeline-") == 4


def test_an_older_tasks_csv_without_worker_is_drawn_with_packed_lanes(
        write_yaml: Callable[[str], Path], tmp_path: Path) -> None:
    out = tmp_path / "run"
    run(write_yaml(TIMED.replace("[sync, threads, asyncio, processes]", "[sync, threads]")),
        RunOptions(out=out))
    path = out / "tasks.csv"
    path.write_text("".join(line.rsplit(",", 1)[0] + "\n"
                            for line in path.read_text().splitlines()))
    write_reports(out)
    assert sorted(p.name for p in (out / "plots").glob("timeline-*.png")) == [
        "timeline-sleep-sync.png", "timeline-sleep-threads-p3.png"]
    text = (out / "report.md").read_text()
    assert text.count("packed from the times (this tasks.csv does not say who ran") == 2
    assert "6 tasks on 1 lane packed" in text  # sync: one task at a time, one lane
