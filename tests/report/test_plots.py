"""Plots drawn from summary and runs frames built here: layout, ticks, groups, failures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from runner.errors import ReportError, RunexpError
from runner.report import plots
from runner.report.summary import summarize_runs

PARAMS = ["tasks", "path"]
LONG = "a/very/long/path/that/names/a/deeply/nested/folder/of/the/users/own/work"


def measured(cells: dict[str, list[float | None]], path: str = "a/b",
             workload: str = "w") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Summary and runs of cells ``model`` or ``model/pN`` (None: a failed run), with a
    sync cell's speedups and an ideal of sync median / pool size."""
    rows = []
    for name, walls in cells.items():
        model, _, pool = name.partition("/p")
        cell = f"{workload}[path={path}]/{name}"
        for repetition, wall in enumerate(walls, start=1):
            rows.append({"run_id": "r", "experiment": "e", "cell": cell, "workload": workload,
                         "tasks": 4, "path": path, "model": model,
                         "pool_size": int(pool or 1), "repetition": repetition,
                         "status": "ok" if wall is not None else "error", "wall_s": wall,
                         "error": None if wall is not None else "RuntimeError: boom",
                         "python": "cpython-3.11.7"})
    runs = pd.DataFrame(rows)
    summary = summarize_runs(runs, {}, PARAMS, cores=2)
    sync = summary.loc[summary["model"] == "sync", "wall_median_s"]
    if len(sync) and sync.notna().all():
        summary["speedup_vs_sync"] = sync.iloc[0] / summary["wall_median_s"]
        summary["ideal_s"] = sync.iloc[0] / summary["pool_size"]
        summary["efficiency"] = summary["ideal_s"] / summary["wall_median_s"]
    return summary, runs


def tasks_of(runs: pd.DataFrame) -> pd.DataFrame:
    ok = runs[runs["status"] == "ok"]
    return pd.DataFrame([{"run_id": "r", "cell": r["cell"], "workload": r["workload"],
                          "model": r["model"], "pool_size": r["pool_size"],
                          "repetition": r["repetition"], "task": task, "start_s": 0.0,
                          "latency_s": 0.01 * (task + 1)}
                         for _, r in ok.iterrows() for task in range(4)])


def both(*parts: tuple[pd.DataFrame, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    return (pd.concat([s for s, _ in parts], ignore_index=True),
            pd.concat([r for _, r in parts], ignore_index=True))


GOOD = {"sync": [0.9, 0.92], "threads/p2": [0.5, 0.52], "threads/p4": [0.3, 0.31],
        "asyncio/p2": [0.4, 0.41], "asyncio/p4": [0.2, 0.21]}
FAILED = {"sync": [None, None], "threads/p2": [None, None]}


def drawn(figure: Figure) -> Any:
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return canvas.get_renderer()


def texts(figure: Figure) -> list[Text]:
    """The texts a drawn figure shows (tick labels outside the view are not drawn)."""
    hidden = set()
    for ax in figure.axes:
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            for tick in [*axis.get_major_ticks(), *axis.get_minor_ticks()]:
                if not low <= tick.get_loc() <= high:
                    hidden |= {id(tick.label1), id(tick.label2)}
    return [t for t in figure.findobj(Text)
            if t.get_visible() and t.get_text().strip() and id(t) not in hidden]


def test_titles_and_labels_lie_inside_each_image() -> None:
    summary, runs = both(measured(GOOD), measured(GOOD, path=LONG))
    figures = list(plots.figures(summary, runs, tasks_of(runs)))
    assert [name for name, _, _ in figures if not name.startswith("timeline-")] == [
        "overview", "wall", "speedup", "efficiency", "latency"]  # two paths: a sweep
    assert sum(name.startswith("timeline-") for name, _, _ in figures) == 6  # 3 models x 2
    for name, _, figure in figures:
        renderer = drawn(figure)
        box = figure.bbox
        for text in texts(figure):
            extent = text.get_window_extent(renderer)
            assert box.x0 - 1 <= extent.x0 and extent.x1 <= box.x1 + 1, (name, text)
            assert box.y0 - 1 <= extent.y0 and extent.y1 <= box.y1 + 1, (name, text)


def test_drawing_leaves_the_users_backend_alone(tmp_path: Path) -> None:
    before = matplotlib.get_backend()
    matplotlib.use("svg")
    try:
        summary, runs = measured(GOOD)
        drawing = plots.draw_all(tmp_path, summary, runs, None)
        assert matplotlib.get_backend() == "svg"
    finally:
        matplotlib.use(before)
    assert [plot.png.exists() for plot in drawing.plots] == [True, True, True]


@pytest.mark.parametrize("fastest", [0.2, 0.05])
def test_a_log_scaled_wall_axis_labels_enough_ticks_to_read(fastest: float) -> None:
    cells = {**GOOD, "asyncio/p4": [fastest, fastest]}
    summary, runs = measured(cells)
    (_, _, figure), *_ = plots.figures(summary, runs, None)
    drawn(figure)
    ax = figure.axes[0]
    low, high = ax.get_ylim()
    labelled = [float(tick.label1.get_text()) for tick in
                [*ax.yaxis.get_major_ticks(), *ax.yaxis.get_minor_ticks()]
                if tick.label1.get_visible() and tick.label1.get_text()
                and low <= tick.get_loc() <= high]
    assert len(labelled) >= 3, labelled


def test_bars_are_labelled_by_model_and_pool_even_when_a_value_has_a_slash() -> None:
    summary, runs = both(measured(GOOD, path="a/b"), measured(GOOD, path="a/c"))
    figures = {name: figure for name, _, figure in plots.figures(summary, runs, tasks_of(runs))}
    efficiency, latency = figures["efficiency"], figures["latency"]
    assert [ax.get_title() for ax in efficiency.axes] == ["w[path=\"a/b\"]", "w[path=\"a/c\"]"]
    labels = ["sync", "threads/p2", "threads/p4", "asyncio/p2", "asyncio/p4"]
    for ax in efficiency.axes:
        assert [t.get_text() for t in ax.get_yticklabels()] == labels
    for ax in latency.axes:
        assert [t.get_text() for t in ax.get_xticklabels()] == labels


def test_a_group_whose_every_run_failed_gets_no_panel() -> None:
    summary, runs = both(measured(GOOD), measured(FAILED, workload="broken"))
    figures = list(plots.figures(summary, runs, tasks_of(runs)))
    assert [name for name, _, _ in figures if not name.startswith("timeline-")] == [
        "wall", "speedup", "efficiency", "latency"]
    for name, _, figure in figures:
        if name.startswith("timeline-"):  # one figure per cell, no panels
            assert name.startswith("timeline-w-")
        else:
            assert [ax.get_title() for ax in figure.axes] == ["w"]


def test_nothing_is_drawn_when_every_run_failed(tmp_path: Path) -> None:
    plots.draw_all(tmp_path, *measured(GOOD), None)  # an earlier build's plots
    summary, runs = measured(FAILED)
    assert list(plots.figures(summary, runs, None)) == []
    drawing = plots.draw_all(tmp_path, summary, runs, None)
    assert drawing.plots == [] and drawing.problem == ""
    assert list((tmp_path / "plots").iterdir()) == []
    drawing.check()


def test_a_drawing_failure_is_recorded_not_raised(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("no usable font")

    monkeypatch.setattr(plots, "_speedup", broken)
    summary, runs = measured(GOOD)
    drawing = plots.draw_all(tmp_path, summary, runs, None)
    assert [plot.name for plot in drawing.plots] == ["wall"]  # drawn before the failure
    assert drawing.problem == "RuntimeError: no usable font"
    reason = r"plots could not be drawn \(RuntimeError: no usable font\)"
    with pytest.raises(ReportError, match=reason) as error:
        drawing.check()
    assert isinstance(error.value, RunexpError) and error.value.exit_code == 1


def usl_walls(lam: float, sigma: float, kappa: float, pools: tuple[int, ...] = (1, 2, 4, 8, 16),
              tasks: int = 4) -> dict[str, list[float | None]]:
    """Wall times of cells ``model/pN`` whose throughput follows the law (a little spread)."""
    from runner.report.usl import UslFit

    law = UslFit(lam, sigma, kappa, 1.0, len(pools))
    return {f"/p{pool}": [tasks / (law.throughput(pool) * f) for f in (0.98, 1.0, 1.03)]
            for pool in pools}


def fitted(path: str = "a/b", workload: str = "w", **models: tuple[float, float, float]
           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    cells: dict[str, list[float | None]] = {"sync": [0.4, 0.41]}
    for model, law in models.items():
        cells |= {model + name: walls for name, walls in usl_walls(*law).items()}
    return measured(cells, path=path, workload=workload)


def scaling_of(summary: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    from runner.report.scaling import scaling_table

    return scaling_table(summary, runs, PARAMS)


def test_the_scaling_plot_has_a_fitted_line_per_model_and_a_star_at_each_peak() -> None:
    summary, runs = both(fitted(threads=(10.0, 0.1, 0.05), asyncio=(10.0, 0.0, 0.0)),
                         measured(GOOD, workload="unfitted"))
    figures = {name: (title, figure) for name, title, figure
               in plots.figures(summary, runs, None, scaling=scaling_of(summary, runs))}
    assert list(figures) == ["wall", "speedup", "scaling", "efficiency"]
    title, figure = figures["scaling"]
    assert "tasks per second" in title
    (ax,) = figure.axes  # the group with no fit (two pool sizes) gets no panel
    assert ax.get_title() == "w"
    labels = [line.get_label() for line in ax.get_lines()]
    assert [label for label in labels if "fit" in label] == ["threads: USL fit, r2 1.00",
                                                             "asyncio: USL fit, r2 1.00"]
    peaks = [line for line in ax.get_lines() if line.get_marker() == "*"]
    assert [line.get_label() for line in peaks] == ["threads peak: 4.2 workers"]
    (x,), (y,) = peaks[0].get_data()
    assert x == pytest.approx((0.9 / 0.05) ** 0.5, rel=0.05)
    assert y == pytest.approx(10 * x / (1 + 0.1 * (x - 1) + 0.05 * x * (x - 1)), rel=0.05)
    assert "ideal: sync throughput × N" in labels
    assert ax.get_yscale() == "log"


def test_the_scaling_plot_is_drawn_only_where_a_model_was_fitted(tmp_path: Path) -> None:
    law = (10.0, 0.1, 0.05)
    summary, runs = both(fitted(threads=law), fitted(path=LONG, threads=law))
    scaling = scaling_of(summary, runs)
    drawing = plots.draw_all(tmp_path, summary, runs, None, scaling=scaling)
    assert "scaling" in [plot.name for plot in drawing.plots]
    figure = {n: f for n, _, f in plots.figures(summary, runs, None, scaling=scaling)}["scaling"]
    assert len(figure.axes) == 2
    renderer = drawn(figure)
    for text in texts(figure):
        extent = text.get_window_extent(renderer)
        assert figure.bbox.x0 - 1 <= extent.x0 and extent.x1 <= figure.bbox.x1 + 1, text
        assert figure.bbox.y0 - 1 <= extent.y0 and extent.y1 <= figure.bbox.y1 + 1, text
    summary, runs = measured(GOOD)  # two pool sizes: nothing to fit
    assert scaling_of(summary, runs).empty
    drawing = plots.draw_all(tmp_path, summary, runs, None, scaling=scaling_of(summary, runs))
    assert "scaling" not in [plot.name for plot in drawing.plots]
    assert not (tmp_path / "plots" / "scaling.png").exists()  # the earlier build's is gone


def test_a_workload_whose_ideal_time_is_zero_is_drawn(tmp_path: Path) -> None:
    from tests.helpers import run_cli

    path = tmp_path / "zero.yaml"
    path.write_text("name: zero\nrepetitions: 2\nisolation: inline\n"
                    "workloads: [{kind: sleep, tasks: 2, duration_ms: 0}]\n"
                    "models: [sync, threads]\npool_sizes: [2]\n", encoding="utf-8")
    done = run_cli("run", path, "--out", tmp_path / "run")
    assert done.returncode == 0, done.stderr  # was: ZeroDivisionError in the speedup plot
    assert (tmp_path / "run" / "plots" / "speedup.png").is_file()
