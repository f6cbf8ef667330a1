"""Plots of a run, drawn with matplotlib's Agg backend into ``plots/`` (PNG and SVG).

One panel per workload and parameter set (a "group", the part of a cell id
before the model): wall time and speedup against pool size with the ideal
dashed, efficiency per cell, and per-request latency percentiles where tasks
were recorded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runner.plan.grid import group_of
from runner.report.stats import median_interval

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


@dataclass(frozen=True)
class Plot:
    name: str  # file stem under plots/
    title: str
    png: Path
    svg: Path


def draw_all(run_dir: Path, summary: pd.DataFrame, runs: pd.DataFrame,
             tasks: pd.DataFrame | None) -> list[Plot]:
    """Draw every plot the data supports; returns them in reading order."""
    import matplotlib

    matplotlib.use("Agg")
    folder = run_dir / "plots"
    folder.mkdir(exist_ok=True)
    groups = list(dict.fromkeys(summary["cell"].map(group_of)))
    if len(groups) > MAX_PANELS:
        groups = groups[:MAX_PANELS]
    plots = [
        _save(folder, "wall", "Median wall time per run against pool size (bars: 95% CI "
              "of the median; the range below 6 runs)",
              _panels(groups, lambda ax, g: _wall(ax, _rows(summary, g), runs))),
        _save(folder, "efficiency", "Efficiency: ideal time / median time",
              _panels(groups, lambda ax, g: _efficiency(ax, _rows(summary, g)))),
    ]
    with_sync = [g for g in groups if (_rows(summary, g)["model"] == "sync").any()]
    if with_sync:
        plots.insert(1, _save(folder, "speedup", "Speedup over sync against pool size",
                              _panels(with_sync, lambda ax, g: _speedup(ax, _rows(summary, g)))))
    if tasks is not None and not tasks.empty:
        timed = [g for g in groups if (tasks["cell"].map(group_of) == g).any()]
        if timed:
            plots.append(_save(folder, "latency", "Per-request latency percentiles",
                               _panels(timed, lambda ax, g: _latency(ax, tasks, g))))
    return plots


def _rows(summary: pd.DataFrame, group: str) -> pd.DataFrame:
    return summary[summary["cell"].map(group_of) == group]


def _panels(groups: list[str], draw: Any) -> Figure:
    from matplotlib.figure import Figure

    columns = min(2, len(groups))
    rows = math.ceil(len(groups) / columns)
    figure = Figure(figsize=(6.4 * columns, 4.2 * rows), layout="constrained")
    for index, group in enumerate(groups):
        ax = figure.add_subplot(rows, columns, index + 1)
        ax.set_title(group, fontsize=10)
        draw(ax, group)
    return figure


def _save(folder: Path, name: str, title: str, figure: Figure) -> Plot:
    figure.suptitle(title, fontsize=12)
    png, svg = folder / f"{name}.png", folder / f"{name}.svg"
    figure.savefig(png, dpi=90)
    figure.savefig(svg)
    return Plot(name, title, png, svg)


def _pooled(table: pd.DataFrame) -> pd.DataFrame:
    return table[(table["model"] != "sync") & table["wall_median_s"].notna()]


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
    return sorted(pooled.groupby("pool_size")["ideal_s"].first().items())


def _wall(ax: Axes, table: pd.DataFrame, runs: pd.DataFrame) -> None:
    ok = runs[runs["status"] == "ok"]
    for model, unsorted in _pooled(table).groupby("model", sort=False):
        rows = unsorted.sort_values("pool_size")
        lows, highs = [], []
        for cell, median in zip(rows["cell"], rows["wall_median_s"], strict=True):
            interval = median_interval(ok.loc[ok["cell"] == cell, "wall_s"].tolist())
            lows.append(median - interval.low)
            highs.append(interval.high - median)
        ax.errorbar(rows["pool_size"], rows["wall_median_s"], yerr=[lows, highs], marker="o",
                    capsize=3, label=model, color=COLOURS.get(str(model)))
    sync = table[(table["model"] == "sync") & table["wall_median_s"].notna()]
    if not sync.empty:
        ax.axhline(sync["wall_median_s"].iloc[0], color=COLOURS["sync"], linestyle=":",
                   label="sync")
    ideal = _ideal_curve(table)
    if ideal:
        ax.plot(*zip(*ideal, strict=True), linestyle="--", marker="x", color="black",
                label="ideal")
    ax.set_yscale("log")
    ax.set_ylabel("median wall time (s)")
    _pool_axis(ax, table)
    ax.legend(fontsize=8)


def _speedup(ax: Axes, table: pd.DataFrame) -> None:
    sync = table.loc[table["model"] == "sync", "wall_median_s"].iloc[0]
    for model, unsorted in _pooled(table).groupby("model", sort=False):
        rows = unsorted.sort_values("pool_size")
        ax.plot(rows["pool_size"], rows["speedup_vs_sync"], marker="o", label=model,
                color=COLOURS.get(str(model)))
    ideal = _ideal_curve(table)
    if ideal and not math.isnan(sync):
        ax.plot([p for p, _ in ideal], [sync / t for _, t in ideal], linestyle="--",
                marker="x", color="black", label="ideal")
    ax.axhline(1, color=COLOURS["sync"], linestyle=":", label="sync")
    ax.set_ylabel("speedup over sync (×)")
    _pool_axis(ax, table)
    ax.legend(fontsize=8)


def _efficiency(ax: Axes, table: pd.DataFrame) -> None:
    rows = table.dropna(subset=["efficiency"])
    labels = [cell.split("/", 1)[1] for cell in rows["cell"]]
    colours = [COLOURS.get(str(m), "#999999") for m in rows["model"]]
    ax.barh(labels, rows["efficiency"] * 100, color=colours)
    ax.axvline(100, color="black", linestyle="--", linewidth=1)
    ax.invert_yaxis()
    ax.set_xlabel("efficiency (% of the ideal)")
    ax.tick_params(axis="y", labelsize=8)
    if rows.empty:
        ax.text(0.5, 0.5, "no ideal time known", ha="center", transform=ax.transAxes)


def _latency(ax: Axes, tasks: pd.DataFrame, group: str) -> None:
    import numpy as np

    rows = tasks[tasks["cell"].map(group_of) == group]
    cells = list(dict.fromkeys(rows["cell"]))
    positions = np.arange(len(cells))
    width = 0.8 / len(PERCENTILES)
    for offset, percentile in enumerate(PERCENTILES):
        values = [1000 * rows.loc[rows["cell"] == c, "latency_s"].quantile(percentile / 100)
                  for c in cells]
        ax.bar(positions + offset * width, values, width, label=f"p{percentile}")
    ax.set_xticks(positions + width, [c.split("/", 1)[1] for c in cells], rotation=30,
                  ha="right", fontsize=8)
    ax.set_ylabel("latency of one request (ms)")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=8)
