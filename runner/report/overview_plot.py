"""``plots/overview``: each model's best speedup against a sweep's parameter.

One panel per sweep (``overview.sweeps``) and per value of its other swept
parameters, at most MAX_PANELS: for each model, its best speedup over sync among its
pool sizes at each value of the parameter the overview's words follow, and the 1x
line where sync stands. The x axis is logarithmic where the values span more than
LOG_SPAN, as a sweep of doubling sizes does; the y axis where the speedups do.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from runner.config.values import format_value
from runner.report.hosts import by_host
from runner.report.overview import SweptSet, spread, sweeps
from runner.report.plots import COLOURS
from runner.report.plots import MAX_PANELS as MAX_SET_PANELS
from runner.report.stats import is_missing
from runner.report.summary import comparison_groups

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: The figure's file stem under plots/.
NAME = "overview"
TITLE = ("Each model's best speedup over sync (the best of its pool sizes) against the swept "
         "parameter; dotted: 1× (sync)")
#: Panels at most: beyond, the overview's table holds the rest.
MAX_PANELS = 12
#: Panels in each per-set figure (wall time, speedup... against pool size) of a run
#: holding a sweep of more than SWEEP_SETS_ALL sets: the overview plot shows every set,
#: and each panel costs about 0.15 s to draw and save, 40 sets seconds more than the rest
#: of the report.
SWEEP_SET_PANELS, SWEEP_SETS_ALL = 4, 8

T = TypeVar("T")
COLUMNS = 3
#: A panel's size with its title and axis labels, and the margins, all in inches.
PANEL_WIDTH, PANEL_HEIGHT = 4.4, 3.4
LEFT, RIGHT, ABOVE, BELOW, BETWEEN, LEGEND = 0.85, 0.2, 0.3, 0.6, 0.5, 0.35
#: Room the slanted labels of text values take below a panel besides BELOW.
ROTATED = 0.4
#: The longest tick label: a longer text value keeps its start and end.
LABEL_CHARS = 16
#: Values spanning more than this many times are drawn on a log axis.
LOG_SPAN = 10


@dataclass(frozen=True)
class Panel:
    """One line of a sweep: per model, its best speedup at each value drawn."""

    title: str
    along: str
    values: list[Any]  # along's values, in order
    best: dict[str, list[float | None]]  # model -> best speedup per value (None: none)


def panels(summary: pd.DataFrame, runs: pd.DataFrame) -> list[Panel]:
    """Every panel the run's sweeps give, in the overview's order (all of them)."""
    rows = summary.drop_duplicates("cell").set_index("cell")
    found = []
    for sweep in sweeps(summary, by_host(comparison_groups(summary, runs))):
        for held, sets in sweep.lines():
            title = sweep.workload + "".join(f", {p} = {format_value(v)}" for p, v in held)
            values = [one.values[sweep.along] for one in sets]
            found.append(Panel(title, sweep.along, values, _best(sets, rows)))
    return [p for p in found if len(p.values) > 1 and any(
        v is not None for line in p.best.values() for v in line)]


def per_set(items: Sequence[T], summary: pd.DataFrame, runs: pd.DataFrame
            ) -> tuple[list[T], str]:
    """The per-set panels to draw, and what their figures' titles add to say which: where
    the run holds a sweep and more than SWEEP_SETS_ALL sets, SWEEP_SET_PANELS spread evenly
    over them (the first and the last among them), else the first of plots' MAX_PANELS."""
    swept = len(items) > SWEEP_SETS_ALL and sweeps(summary, comparison_groups(summary, runs))
    most = SWEEP_SET_PANELS if swept else MAX_SET_PANELS
    chosen = spread(len(items), most)
    if len(chosen) == len(items):
        return list(items), ""
    if most == MAX_SET_PANELS:
        return [items[i] for i in chosen], ""  # as before sweeps had an overview
    return [items[i] for i in chosen], (
        f" ({len(chosen)} of the {len(items)} parameter sets, spread evenly; the overview "
        "plot shows every set)")


def _best(sets: list[SweptSet], rows: pd.DataFrame) -> dict[str, list[float | None]]:
    """Per model but sync, its best speedup over sync in each set (None where it has none)."""
    best: dict[str, list[float | None]] = {}
    for index, one in enumerate(sets):
        cells = rows.loc[list(one.cells)]
        for model, speedup in zip(cells["model"], cells["speedup_vs_sync"], strict=True):
            if model == "sync":
                continue
            line = best.setdefault(str(model), [None] * len(sets))
            if not is_missing(speedup):
                line[index] = max(float(speedup), line[index] or 0.0)
    return best


def figures(summary: pd.DataFrame, runs: pd.DataFrame) -> Iterator[tuple[str, str, Figure]]:
    """The overview figure where the run holds a sweep with speedups to draw."""
    drawn = panels(summary, runs)
    if drawn:
        title = TITLE if len(drawn) <= MAX_PANELS else (
            f"{TITLE}; the first {MAX_PANELS} of {len(drawn)} panels")
        yield NAME, title, _figure(title, drawn[:MAX_PANELS])


def _figure(title: str, drawn: list[Panel]) -> Figure:
    """The panels on a fixed grid: matplotlib's constrained layout measured every label
    of every panel and took half the time of drawing the figure."""
    from matplotlib.figure import Figure

    columns = min(COLUMNS, len(drawn))
    rows = math.ceil(len(drawn) / columns)
    heading = textwrap.fill(title, int(PANEL_WIDTH * columns * 10))  # ~10 glyphs an inch
    top = 0.3 + 0.2 * heading.count("\n")  # inches for the title's lines
    below = BELOW + ROTATED * any(not _numeric(panel.values) for panel in drawn)
    panel_height = PANEL_HEIGHT + below - BELOW
    width, height = PANEL_WIDTH * columns, panel_height * rows + top + LEGEND
    figure = Figure(figsize=(width, height))
    figure.subplots_adjust(left=LEFT / width, right=1 - RIGHT / width,
                           bottom=(LEGEND + below) / height, top=1 - (top + ABOVE) / height,
                           wspace=BETWEEN / (PANEL_WIDTH - BETWEEN),
                           hspace=(ABOVE + below) / (panel_height - ABOVE - below))
    figure.suptitle(heading, fontsize=11, y=1 - 0.08 / height, va="top")
    speedups = [v for p in drawn for line in p.best.values() for v in line if v]
    log_y = bool(speedups) and max(speedups) / min(speedups) > LOG_SPAN
    shared = None  # one speedup axis for all panels, so that they compare at a glance
    for index, panel in enumerate(drawn):
        ax = figure.add_subplot(rows, columns, index + 1, sharey=shared)
        shared = shared or ax
        _panel(ax, panel, log_y)
    figure.supylabel("best speedup over sync (×)", fontsize=10, x=0.1 / width, ha="left")
    handles, labels = figure.axes[0].get_legend_handles_labels()
    for ax in figure.axes[1:]:  # one legend for all: the models of every panel
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    figure.legend(handles, labels, loc="lower center", ncols=len(labels), fontsize=9,
                  frameon=False)
    return figure


def _panel(ax: Axes, panel: Panel, log_y: bool) -> None:
    numeric = _numeric(panel.values)
    xs: list[Any] = list(panel.values) if numeric else list(range(len(panel.values)))
    for model, line in panel.best.items():
        points = [(x, y) for x, y in zip(xs, line, strict=True) if y is not None]
        if points:
            ax.plot(*zip(*points, strict=True), marker="o", label=model,
                    color=COLOURS.get(model))
    ax.axhline(1, color=COLOURS["sync"], linestyle=":", label="sync (1×)")
    positive = numeric and min(xs) > 0
    if positive and max(xs) / min(xs) > LOG_SPAN:
        ax.set_xscale("log")
    ax.set_xticks(xs, [_short(format_value(v)) for v in panel.values])
    if not numeric:
        ax.tick_params(axis="x", labelrotation=20)
        for label in ax.get_xticklabels():
            label.set_horizontalalignment("right")
    if log_y:
        from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        ax.yaxis.set_minor_formatter(NullFormatter())
    ax.minorticks_off()  # after the scales, which turn them on
    ax.set_xlabel(panel.along)
    ax.set_title(textwrap.fill(panel.title, int(PANEL_WIDTH * 11)), fontsize=10)
    ax.grid(True, alpha=0.3)


def _numeric(values: list[Any]) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def _short(label: str) -> str:
    """``a/very/l…own/work``: a text value that fits under its tick."""
    if len(label) <= LABEL_CHARS:
        return label
    half = (LABEL_CHARS - 1) // 2
    return f"{label[:half]}…{label[-half:]}"
