"""A sweep's overview: the crossovers in words, the table, the plot, the folded sections."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from runner.config.loader import parse
from runner.plan.grid import Cell, expand
from runner.report import html, markdown, plots
from runner.report.content import Content, build
from runner.report.crossover import Change, Point, changes, stretches, words
from runner.report.overview import spread, sweeps
from runner.report.overview_plot import per_set
from runner.report.summary import comparison_groups, summarize_runs
from tests.helpers import sample_metadata

#: Six runs' spread about a median: enough runs for an interval at 95%.
SPREAD = (1.0, 1.01, 0.99, 1.02, 0.98, 1.0)
#: Wide and alike: two cells drawn from it are not told apart.
WIDE = (1.0, 1.3, 0.8, 1.2, 0.9, 1.1)


def grid(text: str) -> list[Cell]:
    return expand(parse(text, Path("sweep.yaml")))


def fib_sweep(params: str = "n: [18, 21, 24, 27], tasks: 4") -> str:
    return (f"name: sweep\nrepetitions: 6\nworkloads: [{{kind: fib, {params}}}]\n"
            "models: [sync, threads, processes]\npool_sizes: [2]\n")


def measured(cells: list[Cell], walls: Callable[[Cell], tuple[float, ...]]
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """summary.csv and runs.csv of ``cells`` with the wall times ``walls`` gives each."""
    params = list(dict.fromkeys(p for cell in cells for p in cell.params))
    rows = [{"run_id": "r", "experiment": "sweep", "cell": cell.id,
             "workload": cell.workload.name, **cell.params, "model": cell.model,
             "pool_size": cell.pool_size, "repetition": repetition, "status": "ok",
             "wall_s": wall, "error": None, "python": "cpython-3.11.7"}
            for cell in cells for repetition, wall in enumerate(walls(cell), start=1)]
    runs = pd.DataFrame(rows)
    return summarize_runs(runs, {cell.id: cell for cell in cells}, params, cores=2), runs


def content(summary: pd.DataFrame, runs: pd.DataFrame) -> Content:
    return build(summary, runs, sample_metadata())


def fib_walls(cell: Cell, *, untold_at: int | None = None) -> tuple[float, ...]:
    """sync wins below n = 24, processes (pool 2) from 24 up; threads are sync's pace plus
    a little. ``untold_at``: there sync and processes spread alike, so neither leads."""
    n = int(cell.params["n"])
    sync = 0.01 * 1.6 ** (n - 18)
    if n == untold_at and cell.model in ("sync", "processes"):
        return tuple(sync * x for x in WIDE)
    pace = {"sync": sync, "threads": sync * 1.2,
            "processes": sync / 1.8 if n >= 24 else sync * 1.5 + 0.02}[cell.model]
    return tuple(pace * x for x in SPREAD)


def test_the_terminal_tells_a_large_sweep_by_its_overview_and_a_small_one_by_its_sets(
        ) -> None:
    large = content(*measured(grid(fib_sweep("n: [18, 19, 20, 21, 24, 25, 26, 27], "
                                             "tasks: 4")), fib_walls))
    said = markdown.terminal_summary(large)
    assert said.startswith("fib (8 parameter sets): Processes pay from n = 24 up; below, "
                           "sync wins.")
    assert "fib[n=18]:" not in said
    small = markdown.terminal_summary(content(*measured(grid(fib_sweep()), fib_walls)))
    assert "fib[n=18]: sync" in small and "parameter sets" not in small


# The words, on made-up points.

def test_the_winner_changing_once_is_said_as_the_lesson_says_it() -> None:
    points = [Point(18, "sync"), Point(21, "sync"), Point(24, "processes"),
              Point(27, "processes")]
    assert changes(points) == [Change("sync", "processes", 21, 24)]
    assert words("n", points) == "processes pay from n = 24 up; below, sync wins."


def test_threads_that_stop_paying_as_tasks_shrink() -> None:
    points = [Point(1, "sync"), Point(2, "sync"), Point(4, "threads"), Point(8, "threads")]
    assert words("tasks", points) == "threads pay from tasks = 4 up; below, sync wins."
    falling = [Point(2, "threads"), Point(4, "threads"), Point(8, "sync"), Point(16, "sync")]
    assert words("size", falling) == "threads pay up to size = 4; above, sync wins."


def test_no_crossover_is_claimed_at_a_set_whose_leaders_are_not_told_apart() -> None:
    points = [Point(18, "sync"), Point(21, "sync"), Point(24, None, ("sync", "processes")),
              Point(27, "processes"), Point(30, "processes")]
    assert changes(points) == [Change("sync", "processes", 21, 27)]
    said = words("n", points)
    assert "from n = 24" not in said
    assert said == ("processes pay from n = 27 up; sync wins up to n = 21; at n = 24, sync "
                    "and processes are not told apart.")


def test_a_set_not_told_apart_between_two_alike_winners_is_no_change() -> None:
    points = [Point(18, "processes"), Point(21, None, ("processes", "sync"), level=True),
              Point(24, "processes")]
    assert changes(points) == []
    assert [(s.model, s.first, s.last) for s in stretches(points)] == [("processes", 0, 2)]
    assert words("n", points) == ("processes win at n = 18 and 24; at n = 21, processes "
                                  "and sync are level.")


def test_sync_everywhere_and_nothing_told_anywhere() -> None:
    assert words("n", [Point(18, "sync"), Point(21, "sync")]) == (
        "sync wins at every n from 18 to 21: no model pays.")
    untold = [Point(1, None, ("threads", "asyncio")), Point(2, None, ("asyncio", "threads")),
              Point(4, None, ())]
    assert words("d", untold) == ("No winner is told apart at any d: at d = 1 and 2, threads "
                                  "and asyncio are not told apart; at d = 4, no run succeeded.")


def test_many_undecided_sets_of_one_pair_are_said_once() -> None:
    points = [Point(d, None, ("asyncio", "threads")) for d in (1, 2, 4, 8)]
    points[1] = Point(2, "asyncio")
    points[2] = Point(4, None, ("asyncio", "threads"), level=True)
    points.append(Point(16, None, ("threads", "asyncio")))
    assert words("d", points) == ("asyncio wins at d = 2; at d = 1 and 4 to 16, asyncio and "
                                  "threads are not told apart (level at d = 4).")
    points[3] = Point(8, "asyncio")  # scattered: 1, 4 and 16
    assert words("d", points) == ("asyncio wins at d = 2 and 8; elsewhere, asyncio and threads "
                                  "are not told apart (level at d = 4).")


def test_two_leaders_ahead_of_the_rest_share_the_win() -> None:
    pair = ("asyncio", "threads")
    points = [Point(1, "sync"), Point(2, None, pair, ahead=True),
              Point(4, None, pair[::-1], level=True, ahead=True)]
    assert changes(points) == [Change("sync", "asyncio and threads", 1, 2)]
    assert words("tasks", points) == (
        "asyncio and threads pay from tasks = 2 up; below, sync wins; asyncio and threads "
        "are not told apart from each other (level at tasks = 4).")
    points.append(Point(8, None, pair))  # not ahead here: no claim that they pay at 8
    assert words("tasks", points) == (
        "sync wins at tasks = 1; asyncio and threads win from tasks = 2 to 4; asyncio and "
        "threads are not told apart from each other (level at tasks = 4); at tasks = 8, "
        "asyncio and threads are not told apart.")


def test_values_in_no_order_are_listed_per_winner() -> None:
    points = [Point("a", "threads"), Point("b", "asyncio"), Point("c", "threads")]
    assert words("mode", points, ordered=False) == (
        "threads win at mode = a and c; asyncio wins at mode = b.")


# The overview of a real report's content.

def test_the_overview_rows_and_crossover_of_a_fib_sweep() -> None:
    made = content(*measured(grid(fib_sweep()), fib_walls))
    [overview] = made.overview
    assert overview.workload == "fib"
    assert overview.crossovers == ["Processes pay from n = 24 up; below, sync wins."]
    assert overview.columns[:2] == ("n", "result")
    rows = [(r["n"], r["result"], r["leader"], r["runner-up"]) for r in overview.rows]
    assert rows == [("18", "Fastest", "sync", "threads, pool 2"),
                    ("21", "Fastest", "sync", "threads, pool 2"),
                    ("24", "Fastest", "processes, pool 2", "sync"),
                    ("27", "Fastest", "processes, pool 2", "sync")]
    assert overview.rows[0]["speedup vs sync"] == "1.00×"
    assert overview.rows[2]["speedup vs sync"] == "1.80×"
    assert overview.rows[2]["its speedup"] == "1.00×"
    assert overview.groups == tuple(f"fib[n={n}]" for n in (18, 21, 24, 27))


def test_a_set_not_told_apart_in_the_middle_is_named_not_crossed_at() -> None:
    cells = grid(fib_sweep("n: [18, 21, 24, 27, 30], tasks: 4"))
    made = content(*measured(cells, lambda cell: fib_walls(cell, untold_at=24)))
    [overview] = made.overview
    middle = next(row for row in overview.rows if row["n"] == "24")
    assert middle["result"] == "Not told apart"
    # The section of n = 24 says the same: nobody crowned there.
    section = next(group for group in made.groups if group.name == "fib[n=24]")
    assert section.headline is not None and section.headline.kind == "not told apart"
    [sentence] = overview.crossovers
    assert "from n = 24" not in sentence
    assert sentence.startswith("Processes pay from n = 27 up; sync wins up to n = 21; at n = "
                               "24, ")
    assert "are not told apart" in sentence


def test_threads_and_asyncio_alike_pay_together_from_two_tasks() -> None:
    cells = grid("name: s\nrepetitions: 6\nworkloads: [{kind: sleep, tasks: [1, 2, 4, 8], "
                 "duration_ms: 10}]\nmodels: [sync, threads, asyncio]\npool_sizes: [8]\n")

    def walls(cell: Cell) -> tuple[float, ...]:
        tasks = int(cell.params["tasks"])
        if cell.model == "sync":
            return tuple(0.01 * tasks * x for x in SPREAD)
        if tasks == 1:  # one task: a pool only adds its start
            return tuple(0.013 * x for x in SPREAD)
        return tuple(0.01 * x for x in (WIDE if cell.model == "threads" else WIDE[::-1]))

    made = content(*measured(cells, walls))
    [overview] = made.overview
    assert [row["result"] for row in overview.rows] == ["Fastest", *["Not told apart"] * 3]
    assert overview.crossovers == [
        "Asyncio and threads pay from tasks = 2 up; below, sync wins; asyncio and threads "
        "are not told apart from each other."]


def test_sync_level_with_a_model_shares_no_win_with_it() -> None:
    cells = grid(fib_sweep("n: [18, 21, 24], tasks: 4"))

    def walls(cell: Cell) -> tuple[float, ...]:  # from n = 21 threads run as sync does
        n = int(cell.params["n"])
        if cell.model == "processes":
            return tuple(0.5 * x for x in SPREAD)
        if cell.model == "threads" and n == 18:
            return tuple(0.02 * x for x in SPREAD)
        return tuple(0.01 * x for x in (WIDE if cell.model == "sync" else WIDE[::-1]))

    [overview] = content(*measured(cells, walls)).overview
    assert overview.crossovers == [
        "Sync wins at n = 18; at n = 21 and 24, sync and threads are not told apart."]


def test_two_swept_parameters_are_said_per_value_of_the_other() -> None:
    cells = grid(fib_sweep("n: [18, 21, 24, 27], tasks: [2, 8]"))

    def walls(cell: Cell) -> tuple[float, ...]:  # with 8 tasks processes pay from n = 21
        n, tasks = int(cell.params["n"]), int(cell.params["tasks"])
        sync = 0.001 * tasks * 1.6 ** (n - 18)
        pays = n >= (24 if tasks == 2 else 21)
        pace = {"sync": sync, "threads": sync * 1.2,
                "processes": sync / 1.8 if pays else sync * 1.5 + 0.02}[cell.model]
        return tuple(pace * x for x in SPREAD)

    [overview] = content(*measured(cells, walls)).overview
    assert overview.columns[:3] == ("tasks", "n", "result")
    assert [(r["tasks"], r["n"]) for r in overview.rows][:5] == [
        ("2", "18"), ("2", "21"), ("2", "24"), ("2", "27"), ("8", "18")]
    assert overview.crossovers == [
        "At tasks = 2: processes pay from n = 24 up; below, sync wins.",
        "At tasks = 8: processes pay from n = 21 up; below, sync wins."]


def test_values_given_out_of_order_are_said_in_order() -> None:
    made = content(*measured(grid(fib_sweep("n: [27, 18, 24, 21], tasks: 4")), fib_walls))
    [overview] = made.overview
    assert [row["n"] for row in overview.rows] == ["18", "21", "24", "27"]
    assert overview.crossovers == ["Processes pay from n = 24 up; below, sync wins."]


def test_held_values_that_read_alike_are_said_once() -> None:
    cells = grid(fib_sweep("n: [18, 21, 24, 27], tasks: [2, 4, 8]"))
    [overview] = content(*measured(cells, fib_walls)).overview
    assert overview.crossovers == [
        "At tasks = 2, 4 and 8: processes pay from n = 24 up; below, sync wins."]


def test_zipped_parameters_ride_along() -> None:
    cells = grid(fib_sweep("zip: {n: [18, 21, 24], tasks: [2, 4, 8]}"))
    summary, runs = measured(cells, fib_walls)
    [sweep] = sweeps(summary, comparison_groups(summary, runs))
    assert (sweep.along, sweep.riders, sweep.held) == ("tasks", ("n",), ())


def test_a_single_parameter_set_has_no_overview() -> None:
    made = content(*measured(grid(fib_sweep("n: 24, tasks: 4")), fib_walls))
    assert made.overview == []
    assert "## Overview" not in markdown.render(made, plots.Drawing([]))
    assert "<details" not in html.render(made, plots.Drawing([]))


# Rendered: report.md keeps its sections, report.html folds them.

def test_report_md_opens_with_the_overview_and_keeps_every_section() -> None:
    text = markdown.render(content(*measured(grid(fib_sweep()), fib_walls)), plots.Drawing([]))
    assert text.index("## Overview") < text.index("## fib[n=18]")
    assert "- Processes pay from n = 24 up; below, sync wins." in text
    assert "| n | result | leader | speedup vs sync | runner-up | its speedup |" in text
    assert all(f"## fib[n={n}]\n" in text for n in (18, 21, 24, 27))


def test_report_html_folds_a_sweeps_sections_under_their_headlines() -> None:
    page = html.render(content(*measured(grid(fib_sweep()), fib_walls)), plots.Drawing([]))
    assert page.count('<details class="set">') == 4
    assert ("<summary><strong>fib[n=24]</strong> · Fastest: processes, pool 2, median "
            in page)
    assert page.index("<h2>Overview</h2>") < page.index("<h2>fib: each parameter set</h2>")
    assert "<h2>fib[n=18]</h2>" not in page


# The plot.

def test_the_overview_plot_is_drawn_for_a_sweep_only(tmp_path: Path) -> None:
    (tmp_path / "sweep").mkdir()
    (tmp_path / "one").mkdir()
    sweep = plots.draw_all(tmp_path / "sweep", *measured(grid(fib_sweep()), fib_walls), None)
    assert not sweep.problem
    assert (tmp_path / "sweep" / "plots" / "overview.png").stat().st_size > 1000
    assert (tmp_path / "sweep" / "plots" / "overview.svg").exists()
    one = measured(grid(fib_sweep("n: 24, tasks: 4")), fib_walls)
    single = plots.draw_all(tmp_path / "one", *one, None)
    assert not single.problem and single.plots[0].name == "wall"
    assert not (tmp_path / "one" / "plots" / "overview.png").exists()


@pytest.mark.parametrize(("count", "most", "chosen"), [
    (3, 4, [0, 1, 2]), (40, 4, [0, 13, 26, 39]), (5, 1, [0]), (7, 2, [0, 6])])
def test_spread_keeps_the_ends(count: int, most: int, chosen: list[int]) -> None:
    assert spread(count, most) == chosen


def test_a_large_sweep_draws_a_few_sets_per_figure_and_says_so() -> None:
    cells = grid(fib_sweep("n: [18, 19, 20, 21, 22, 23, 24, 25, 26, 27], tasks: 4"))
    summary, runs = measured(cells, fib_walls)
    chosen, note = per_set(list(range(10)), summary, runs)
    assert chosen == [0, 3, 6, 9]
    assert note == (" (4 of the 10 parameter sets, spread evenly; the overview plot shows "
                    "every set)")
    assert per_set(list(range(8)), summary, runs) == (list(range(8)), "")  # a small sweep
    single, runs = measured(grid(fib_sweep("n: 24, tasks: 4")), fib_walls)
    assert per_set([0], single, runs) == ([0], "")
