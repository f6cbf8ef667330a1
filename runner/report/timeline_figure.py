"""A timeline drawn: lanes top to bottom, a bar per task, the model's colour.

The choice of what to draw is ``runner.report.timeline``'s; here only how it looks.
A figure grows by LANE_IN per lane up to MAX_HEIGHT, so a few lanes read like the
lesson's diagrams (task numbers in bars wide enough for them, white gaps between
tasks that follow each other) and 160 asyncio lanes still fit one screen: bars
thin, every k-th lane labelled.
"""

from __future__ import annotations

import math
import statistics
import textwrap
from typing import TYPE_CHECKING

from runner.report.plots import COLOURS
from runner.report.timeline import LANE_KINDS, Timeline, lane_key

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Figure size in inches: a fixed width, a height of HEADER_IN plus LANE_IN a lane,
#: between MIN_HEIGHT and MAX_HEIGHT.
WIDTH, HEADER_IN, LANE_IN, MIN_HEIGHT, MAX_HEIGHT = 10.0, 1.4, 0.3, 2.2, 8.0
#: About what the axes leave of the width for the plot itself (the lane labels' margin).
PLOT_WIDTH_IN = WIDTH - 1.3
#: The share of its lane a bar fills.
BAR_SHARE = 0.7
#: Lane labels at most: with more lanes every k-th is labelled.
MAX_LANE_LABELS = 24
#: Task numbers are written in bars only for runs of at most this many tasks.
MAX_NUMBERED_TASKS = 60
TITLE_SIZE, LABEL_SIZE, NUMBER_SIZE = 11, 8, 7
#: Gaps between tasks are drawn where lanes and bars are at least this big (inches).
EDGE_MIN_IN = 0.06
OTHER_COLOUR = "#999999"
X_LABEL = "seconds since the run's first task started"
#: The run's wall time outside its tasks (start-up, shut-down).
OUTSIDE_COLOUR = "#e4e4e4"
#: How the title counts lanes of each kind after main: (one, several, what follows).
LANE_WORDS = {"thread": ("thread", "threads", ""),
              "interpreter": ("interpreter", "interpreters", ""),
              "process": ("process", "processes", ""),
              "task": ("lane", "lanes", ", one per asyncio task in flight"),
              "slot": ("lane", "lanes", " packed from the times (this tasks.csv does not "
                       "say who ran each task)")}


def title(line: Timeline) -> str:
    """``Timeline of sleep/threads/p4: run 2, whose wall time (0.153 s) is the median of
    3 runs; 12 tasks on 4 threads``."""
    median = "lower median" if line.runs % 2 == 0 else "median"
    run = (f"run {line.repetition}, whose wall time ({line.wall_s:.3g} s) is the {median} "
           f"of {line.runs} runs" if line.runs > 1
           else f"run {line.repetition} (wall time {line.wall_s:.3g} s), the only run")
    return (f"Timeline of {line.cell}: {run}; {len(line.bars)} "
            f"task{'s' if len(line.bars) != 1 else ''} on {lanes_in_words(line.lanes)}")


def lanes_in_words(lanes: tuple[str, ...]) -> str:
    """``the main thread``, ``4 threads`` (main counted as one), ``4 processes``..."""
    kinds = {LANE_KINDS[rank] if rank < len(LANE_KINDS) else ""
             for rank, _, _ in map(lane_key, lanes)}
    if kinds == {"main"}:
        return "the main thread"
    kind = "thread" if kinds == {"main", "thread"} else kinds.pop() if len(kinds) == 1 else ""
    if kind not in LANE_WORDS:
        return f"{len(lanes)} workers"
    one, several, rest = LANE_WORDS[kind]
    return f"{len(lanes)} {one if len(lanes) == 1 else several}{rest}"


def height(lanes: int) -> float:
    return min(MAX_HEIGHT, max(MIN_HEIGHT, HEADER_IN + LANE_IN * lanes))


def draw(line: Timeline) -> Figure:
    """The figure of one timeline (built, not yet drawn)."""
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure

    lanes = len(line.lanes)
    figure = Figure(figsize=(WIDTH, height(lanes)), layout="constrained")
    figure.suptitle(textwrap.fill(title(line), int(WIDTH * 72 / (0.6 * TITLE_SIZE)),
                                  break_on_hyphens=False), fontsize=TITLE_SIZE)
    ax = figure.add_subplot()
    span = max((bar.start + bar.seconds for bar in line.bars), default=0.0) or 1e-3
    half = BAR_SHARE / 2
    boxes = [[(bar.start, bar.lane - half), (bar.start + bar.seconds, bar.lane - half),
              (bar.start + bar.seconds, bar.lane + half), (bar.start, bar.lane + half)]
             for bar in line.bars]
    lane_in = (height(lanes) - HEADER_IN) / max(lanes, 1)
    bar_in = statistics.median(bar.seconds / span * PLOT_WIDTH_IN for bar in line.bars)
    edged = lane_in >= EDGE_MIN_IN and bar_in >= EDGE_MIN_IN
    ax.add_collection(PolyCollection(
        boxes, facecolors=COLOURS.get(line.model, OTHER_COLOUR),
        edgecolors="white" if edged else "none", linewidths=0.8 if edged else 0))
    if len(line.bars) <= MAX_NUMBERED_TASKS and lane_in >= 0.2:
        _numbers(ax, line, span)
    _outside_tasks(ax, line, span)
    ax.set_ylim(lanes - 0.5, -0.5)  # the first lane on top
    step = math.ceil(lanes / MAX_LANE_LABELS)
    ax.set_yticks(range(0, lanes, step), line.lanes[::step], fontsize=LABEL_SIZE)
    if step > 1:
        ax.set_yticks(range(lanes), minor=True)
    ax.set_ylabel("lane (packed from the times)" if line.packed else
                  "lane" if all(lane.startswith("task-") for lane in line.lanes) else "worker")
    ax.grid(True, axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    return figure


def _outside_tasks(ax: Axes, line: Timeline, span: float) -> None:
    """The x range: the whole run where its start-up is known, its time before the first
    task and after the last shaded; else from the first task's start to the last's end."""
    ax.set_xlabel(X_LABEL)
    if line.startup_s is None or not line.wall_s >= line.startup_s + span:
        ax.set_xlim(0, span * 1.01)
        return
    ax.set_xlabel(f"{X_LABEL} (grey: the run's wall time before the first task started "
                  "and after the last ended)")
    end = line.wall_s - line.startup_s
    for low, high in ((-line.startup_s, 0.0), (span, end)):
        if high > low:
            ax.axvspan(low, high, color=OUTSIDE_COLOUR, zorder=0, linewidth=0)
    ax.set_xlim(-line.startup_s, end)


def _numbers(ax: Axes, line: Timeline, span: float) -> None:
    """Each task's number in its bar, where the bar is wide enough to hold it."""
    for bar in line.bars:
        text = str(bar.task)
        wide_in = bar.seconds / span * PLOT_WIDTH_IN
        if wide_in >= len(text) * 0.6 * NUMBER_SIZE / 72 + 0.06:
            ax.text(bar.start + bar.seconds / 2, bar.lane, text, ha="center", va="center",
                    fontsize=NUMBER_SIZE, color="white")
