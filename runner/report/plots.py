"""Plots of a run, drawn into ``plots/`` (PNG and SVG).

First, where the run holds a sweep, ``runner.report.overview_plot``'s overview.
Then one panel per comparison group (a workload with one parameter set) where some
run of it succeeded (of a large sweep, a few: ``overview_plot.per_set``), named and
ordered by host where groups ran on several: wall
time and speedup against pool size with the ideal dashed, throughput with the
scaling laws fitted to it (where scaling.csv has a fit for the group), efficiency
per cell, and per-request latency percentiles where tasks were recorded; then the
timelines of ``runner.report.timeline`` (one run per figure, lanes of workers). Figures
are ``matplotlib.figure.Figure`` objects saved without pyplot, so drawing never
switches the backend of the notebook or script that imports runexp.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runner.errors import ReportError
from runner.report import timeline
from runner.report.figures import Made, Plot, save_all
from runner.report.hosts import by_host
from runner.report.scaling import PEAK_REACH, group_rows, ok_throughputs, workers
from runner.report.stats import median_interval
from runner.report.summary import comparison_groups
from runner.report.usl import POOR_FIT_R2, UslFit
from runner.results.rows import Status

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

COLOURS = {"sync": "#666666", "threads": "#1f77b4", "asyncio": "#2ca02c",
           "processes": "#ff7f0e"}
PERCENTILES = (50, 90, 99)
#: Panels per figure at most: a grid of thousands of parameter sets would draw
#: for minutes and show nothing; the tables and CSVs still hold every cell.
MAX_PANELS = 24
#: Every plot draw_all may draw, by file stem, in reading order.
NAMES = ("overview", "wall", "speedup", "scaling", "efficiency", "latency")
#: Size of one panel, in inches.
PANEL_WIDTH, PANEL_HEIGHT = 6.4, 4.2
TITLE_SIZE, PANEL_TITLE_SIZE = 12, 10
#: A log axis gets denser ticks until at least this many carry a label.
MIN_LABELLED_TICKS = 3
WALL_TITLE = ("Median wall time per run against pool size (bars: 95% CI of the median; "
              "the range below 6 runs)")
SCALING_TITLE = ("Throughput in tasks per second against pool size: median per pool size "
                 "(bars: 95% CI of the median; the range below 6 runs), the Universal "
                 "Scalability Law fitted per model (dotted: a poor fit), stars at the peaks")
#: Points on each fitted curve: enough to look smooth on a log axis.
CURVE_POINTS = 100


@dataclass(frozen=True)
class Drawing:
    """The plots drawn, and why drawing stopped where it could not draw them all."""

    plots: list[Plot]
    problem: str = ""  # "ValueError: ..." when matplotlib failed, else ""
    timelines_note: str = ""  # which groups got no timeline (timeline.left_out), or ""

    def check(self) -> None:
        """Raise ReportError where drawing failed; called once the reports are written."""
        if self.problem:
            raise ReportError(f"the plots could not be drawn ({self.problem}); report.md and "
                              "report.html hold the tables without them")


@dataclass(frozen=True)
class _Panel:
    title: str
    table: pd.DataFrame  # the group's summary rows
    fits: pd.DataFrame | None = None  # the group's scaling.csv rows, for the scaling plot
    #: Models that stop gaining at a cap (``caps``): about k calls at once, not a peak.
    capped: dict[str, int] = field(default_factory=dict)


def draw_all(run_dir: Path, summary: pd.DataFrame, runs: pd.DataFrame,
             tasks: pd.DataFrame | None, *, scaling: pd.DataFrame | None = None,
             capped: Mapping[str, Mapping[str, int]] | None = None,
             processes: int = 1) -> Drawing:
    """Draw every plot the data supports, in reading order, into ``run_dir/plots``.

    ``scaling``: scaling.csv's table (``runner.report.scaling.scaling_table``); the
    scaling plot is drawn where it holds a fit. ``capped``: per comparison group, its
    models that stop at a cap and about how many calls (the report content's ``caps``,
    decided there once), drawn without a fitted peak.

    A failure inside matplotlib does not propagate: the plots it could draw are
    kept and the first failure is returned, so the tables can still be written.
    Figures are built here and saved by ``runner.report.figures``: by up to
    ``processes`` forked children at once where that is safe.
    """
    made: list[Made] = []
    folder = run_dir / "plots"
    problem = note = ""
    try:
        folder.mkdir(exist_ok=True)
        for stale in NAMES:  # a rebuilt report must not leave an earlier build's plots
            for suffix in (".png", ".svg"):
                (folder / stale).with_suffix(suffix).unlink(missing_ok=True)
        timeline.remove_stale(folder)
        note = timeline.left_out(summary, runs, tasks)
        for name, title, figure in figures(summary, runs, tasks, scaling, capped):
            made.append(Made(name, title, figure))
    except Exception as error:  # matplotlib's errors share no base class
        problem = f"{type(error).__name__}: {error}"
    try:
        saved, failed = save_all(folder, made, processes)
    except Exception as error:  # e.g. the children reaped by someone else
        return Drawing([], problem or f"{type(error).__name__}: {error}")
    return Drawing(saved, problem or failed, note)


def figures(summary: pd.DataFrame, runs: pd.DataFrame, tasks: pd.DataFrame | None,
            scaling: pd.DataFrame | None = None,
            capped: Mapping[str, Mapping[str, int]] | None = None
            ) -> Iterator[tuple[str, str, Figure]]:
    """(name, title, figure) of each plot the data supports, drawn one at a time;
    ``capped`` as for ``draw_all``."""
    from runner.report import overview_plot  # it draws with this module's colours

    yield from overview_plot.figures(summary, runs)
    panels = [_Panel(group.name, summary[summary["cell"].isin(group.cells)])
              for group in by_host(comparison_groups(summary, runs))]
    measured, note = overview_plot.per_set(
        [p for p in panels if p.table["wall_median_s"].notna().any()], summary, runs)
    ok = runs[runs["status"] == Status.OK]
    if measured:
        title = WALL_TITLE + note
        yield "wall", title, _panels(title, measured, lambda ax, p: _wall(ax, p.table, ok))
    with_sync = [p for p in measured if _sync_median(p.table) is not None
                 and not _pooled(p.table).empty]
    if with_sync:
        title = "Speedup over sync against pool size" + note
        yield "speedup", title, _panels(title, with_sync, lambda ax, p: _speedup(ax, p.table))
    with_fit = [replace(p, fits=group_rows(scaling, p.table, runs),
                        capped=dict((capped or {}).get(p.title, {})))
                for p in measured]
    with_fit = [p for p in with_fit if p.fits is not None and not p.fits.empty]
    if with_fit:
        rates = ok_throughputs(runs)
        title = SCALING_TITLE + note
        yield "scaling", title, _panels(title, with_fit, lambda ax, p: _scaling(ax, p, rates))
    with_ideal = [p for p in measured if p.table["efficiency"].notna().any()]
    if with_ideal:
        title = "Efficiency: ideal time / median time" + note
        yield "efficiency", title, _panels(title, with_ideal,
                                           lambda ax, p: _efficiency(ax, p.table))
    if tasks is not None and not tasks.empty:
        timed = [p for p in measured if tasks["cell"].isin(p.table["cell"]).any()]
        if timed:
            title = "Per-request latency percentiles" + note
            yield "latency", title, _panels(
                title, timed, lambda ax, p: _latency(ax, tasks[tasks["cell"].isin(
                    p.table["cell"])]))
    yield from timeline.figures(summary, runs, tasks)


def _panels(title: str, panels: list[_Panel], draw: Callable[[Axes, _Panel], None]) -> Figure:
    from matplotlib.figure import Figure

    columns = min(2, len(panels))
    rows = math.ceil(len(panels) / columns)
    figure = Figure(figsize=(PANEL_WIDTH * columns, PANEL_HEIGHT * rows), layout="constrained")
    # Broken here, not by wrap=True: matplotlib measures a wrapped text's every prefix
    # at every draw, a second per long title.
    figure.suptitle(_wrap(title, PANEL_WIDTH * columns, TITLE_SIZE), fontsize=TITLE_SIZE)
    for index, panel in enumerate(panels):
        ax = figure.add_subplot(rows, columns, index + 1)
        ax.set_title(_wrap(panel.title, PANEL_WIDTH, PANEL_TITLE_SIZE), fontsize=PANEL_TITLE_SIZE)
        draw(ax, panel)
    return figure


def _wrap(text: str, width_in: float, fontsize: float) -> str:
    """Break ``text`` into lines that fit ``width_in`` inches (a glyph is under 0.65 em)."""
    return textwrap.fill(text, max(10, int(width_in * 72 / (0.65 * fontsize))),
                         break_on_hyphens=False)


def _label(model: str, pool_size: int) -> str:
    """``threads/p4``, or ``sync``, which has no pool."""
    return str(model) if model == "sync" else f"{model}/p{pool_size}"


def _legend(ax: Axes) -> None:
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)


def _pooled(table: pd.DataFrame) -> pd.DataFrame:
    return table[(table["model"] != "sync") & table["wall_median_s"].notna()]


def _sync_median(table: pd.DataFrame) -> float | None:
    sync = table.loc[(table["model"] == "sync") & table["wall_median_s"].notna(),
                     "wall_median_s"]
    return float(sync.iloc[0]) if len(sync) else None


def _pool_axis(ax: Axes, table: pd.DataFrame) -> None:
    sizes = sorted(set(_pooled(table)["pool_size"]))
    if sizes:
        ax.set_xscale("log", base=2)
        ax.set_xticks(sizes, [str(s) for s in sizes])
        ax.minorticks_off()
    ax.set_xlabel("pool size")
    ax.grid(True, alpha=0.3)


def _ideal_curve(table: pd.DataFrame) -> list[tuple[int, float]]:
    pooled = _pooled(table).dropna(subset=["ideal_s"])
    firsts = pooled.groupby("pool_size")["ideal_s"].first()
    return sorted(zip(map(int, firsts.index), map(float, firsts), strict=True))


def _wall(ax: Axes, table: pd.DataFrame, ok: pd.DataFrame) -> None:
    for model, unsorted in _pooled(table).groupby("model", sort=False):
        rows = unsorted.sort_values("pool_size")
        lows, highs = [], []
        for cell, median in zip(rows["cell"], rows["wall_median_s"], strict=True):
            interval = median_interval(ok.loc[ok["cell"] == cell, "wall_s"].tolist())
            lows.append(median - interval.low)
            highs.append(interval.high - median)
        ax.errorbar(rows["pool_size"], rows["wall_median_s"], yerr=[lows, highs], marker="o",
                    capsize=3, label=model, color=COLOURS.get(str(model)))
    sync = _sync_median(table)
    if sync is not None:
        ax.axhline(sync, color=COLOURS["sync"], linestyle=":", label="sync")
    ideal = _ideal_curve(table)
    if ideal:
        ax.plot(*zip(*ideal, strict=True), linestyle="--", marker="x", color="black",
                label="ideal")
    ax.set_yscale("log")
    ax.set_ylabel("median wall time (s)")
    _readable_log_ticks(ax)
    _pool_axis(ax, table)
    _legend(ax)


def _readable_log_ticks(ax: Axes) -> None:
    """Plain-number labels on enough y ticks to read values off a log axis.

    matplotlib's defaults label only powers of ten once the axis spans more than
    a decade, which often leaves one label (``10^-1``) on a wall-time axis; here
    ticks at 1, 2, 5 (then 1, 2, 3, 5, then every digit) times a power of ten are
    labelled until enough fall inside, and evenly spaced ticks serve an axis too
    narrow for any of them.
    """
    from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

    low, high = ax.get_ylim()
    locator: LogLocator | MaxNLocator = MaxNLocator(nbins=4)
    for subs in ((1.0,), (1.0, 2.0, 5.0), (1.0, 2.0, 3.0, 5.0), tuple(range(1, 10))):
        candidate = LogLocator(subs=subs)
        inside = [t for t in candidate.tick_values(low, high) if low <= t <= high]
        if len(inside) >= MIN_LABELLED_TICKS:
            locator = candidate
            break
    ax.yaxis.set_major_locator(locator)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def _speedup(ax: Axes, table: pd.DataFrame) -> None:
    sync = _sync_median(table)
    for model, unsorted in _pooled(table).groupby("model", sort=False):
        rows = unsorted.sort_values("pool_size")
        ax.plot(rows["pool_size"], rows["speedup_vs_sync"], marker="o", label=model,
                color=COLOURS.get(str(model)))
    ideal = [(pool, t) for pool, t in _ideal_curve(table) if t > 0]  # 0 s: no ideal speedup
    if ideal and sync is not None:
        ax.plot([p for p, _ in ideal], [sync / t for _, t in ideal], linestyle="--",
                marker="x", color="black", label="ideal")
    ax.axhline(1, color=COLOURS["sync"], linestyle=":", label="sync")
    ax.set_ylabel("speedup over sync (×)")
    _pool_axis(ax, table)
    _legend(ax)


def _scaling(ax: Axes, panel: _Panel, rates: dict[str, list[float]]) -> None:
    """Measured throughput per pool size, each model's fitted law and peak, the ideal."""
    assert panel.fits is not None
    pooled = _pooled(panel.table)
    spans: list[float] = []
    for fit in panel.fits.to_dict("records"):
        colour = COLOURS.get(str(fit["model"]))
        cells = pooled[pooled["model"] == fit["model"]].sort_values("pool_size")
        sizes = _measured_rates(ax, cells, rates, colour)
        spans += _fitted_law(ax, fit, sizes, colour, panel.capped.get(str(fit["model"])))
    ideal, label = _ideal_rate(panel, rates)
    _curve(ax, min(spans), max(spans), lambda n: ideal * n, color="black", linestyle="--",
           label=label)
    ax.set_yscale("log")
    ax.set_ylabel("throughput (tasks/s)")
    _readable_log_ticks(ax)
    _pool_axis(ax, panel.table)
    _legend(ax)


def _measured_rates(ax: Axes, cells: pd.DataFrame, rates: dict[str, list[float]],
                    colour: str | None) -> list[int]:
    """Each cell's median throughput with its 95% CI as bars; the pool sizes drawn."""
    import statistics

    sizes, medians, lows, highs = [], [], [], []
    for cell, pool in zip(cells["cell"], cells["pool_size"], strict=True):
        if values := rates.get(str(cell)):
            median, interval = statistics.median(values), median_interval(values)
            sizes.append(int(pool))
            medians.append(median)
            lows.append(median - interval.low)
            highs.append(interval.high - median)
    ax.errorbar(sizes, medians, yerr=[lows, highs], fmt="o", capsize=3, color=colour)
    return sizes


def _fitted_law(ax: Axes, fit: dict[Any, Any], sizes: list[int], colour: str | None,
                cap: int | None = None) -> list[float]:
    """A fit's curve over the pool sizes measured, stretched to its peak and starred there
    where the peak lies near them (not for a model that stops at a cap: the law bends a
    plateau into a peak the work does not have); the pool sizes the curve spans."""
    law = UslFit(fit["lambda_per_s"], fit["sigma"], fit["kappa"], fit["r2"], fit["points"])
    peak = law.peak_pool
    if peak is not None and (cap is not None or not min(sizes) / PEAK_REACH <= peak
                             <= max(sizes) * PEAK_REACH):
        peak = None
    span = [min(sizes), max(sizes), *([] if peak is None else [peak])]
    poor = law.r2 < POOR_FIT_R2
    _curve(ax, min(span), max(span), law.throughput, color=colour,
           linestyle=":" if poor else "-",
           label=f"{fit['model']}: USL fit, r2 {law.r2:.2f}{' (poor)' if poor else ''}"
           + (f"; capped at about {cap} calls at once" if cap is not None else ""))
    if peak is not None:
        ax.plot([peak], [law.throughput(peak)], marker="*", markersize=14, color=colour,
                markeredgecolor="black", linestyle="none",
                label=f"{fit['model']} peak: {workers(peak)} workers")
    return span


def _curve(ax: Axes, low: float, high: float, function: Callable[[float], float],
           **style: Any) -> None:
    """``function`` drawn smooth from pool size ``low`` to ``high`` (evenly on a log axis)."""
    import numpy as np

    sizes = np.geomspace(low, high, CURVE_POINTS)
    ax.plot(sizes, [function(float(n)) for n in sizes], **style)


def _ideal_rate(panel: _Panel, rates: dict[str, list[float]]) -> tuple[float, str]:
    """Throughput per worker of the ideal line, and its legend: the sync run's median
    throughput where the group has one, else the largest fitted one-worker throughput."""
    import statistics

    sync = [rate for cell in panel.table.loc[panel.table["model"] == "sync", "cell"]
            for rate in rates.get(cell, [])]
    if sync:
        return statistics.median(sync), "ideal: sync throughput × N"
    assert panel.fits is not None
    best = max(panel.fits.to_dict("records"), key=lambda fit: fit["lambda_per_s"])
    return float(best["lambda_per_s"]), f"ideal: {best['model']} λ × N (fitted, one worker)"


def _efficiency(ax: Axes, table: pd.DataFrame) -> None:
    rows = table.dropna(subset=["efficiency"])
    labels = [_label(m, p) for m, p in zip(rows["model"], rows["pool_size"], strict=True)]
    colours = [COLOURS.get(str(m), "#999999") for m in rows["model"]]
    ax.barh(labels, rows["efficiency"] * 100, color=colours)
    ax.axvline(100, color="black", linestyle="--", linewidth=1)
    ax.invert_yaxis()
    ax.set_xlabel("efficiency (% of the ideal)")
    ax.tick_params(axis="y", labelsize=8)


def _latency(ax: Axes, tasks: pd.DataFrame) -> None:
    """Bars of latency percentiles per cell of one group (``tasks``: its tasks.csv rows)."""
    import numpy as np

    cells = tasks.drop_duplicates("cell")
    positions = np.arange(len(cells))
    width = 0.8 / len(PERCENTILES)
    for offset, percentile in enumerate(PERCENTILES):
        values = [1000 * tasks.loc[tasks["cell"] == c, "latency_s"].quantile(percentile / 100)
                  for c in cells["cell"]]
        ax.bar(positions + offset * width, values, width, label=f"p{percentile}")
    labels = [_label(m, p) for m, p in zip(cells["model"], cells["pool_size"], strict=True)]
    ax.set_xticks(positions + width, labels, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("latency of one request (ms)")
    ax.grid(True, axis="y", alpha=0.3)
    _legend(ax)
