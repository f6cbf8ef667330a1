"""report.html from content built here: winners, alignment by column, failures, plots."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pandas as pd

from runner.report import html
from runner.report.content import build
from runner.report.plots import Drawing
from runner.report.summary import summarize_runs
from tests.helpers import sample_metadata

METADATA = sample_metadata()


def runs(workload: str, walls: dict[str, list[float | None]]) -> pd.DataFrame:
    """runs.csv rows of cells ``model`` or ``model/pN``; None is a failed run."""
    rows = []
    for name, values in walls.items():
        model, _, pool = name.partition("/p")
        for rep, wall in enumerate(values, start=1):
            rows.append({"run_id": "r", "experiment": "e", "cell": f"{workload}/{name}",
                         "workload": workload, "tasks": 4, "model": model,
                         "pool_size": int(pool or 1), "repetition": rep,
                         "status": "ok" if wall else "error", "wall_s": wall,
                         "error": None if wall else "RuntimeError: boom"})
    return pd.DataFrame(rows)


def page(table: pd.DataFrame, drawing: Drawing | None = None) -> str:
    summary = summarize_runs(table, {}, ["tasks"], cores=2)
    return html.render(build(summary, table, METADATA), drawing or Drawing([]))


class Cells(HTMLParser):
    """(table index, row class, cell class, text) of every body cell."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[tuple[int, str, str, str]] = []
        self.table = -1
        self.row_class = ""
        self.cell_class: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.table += 1
        elif tag == "tr":
            self.row_class = dict(attrs).get("class") or ""
        elif tag == "td":
            self.cell_class = dict(attrs).get("class") or ""

    def handle_data(self, data: str) -> None:
        if self.cell_class is not None:
            self.cells.append((self.table, self.row_class, self.cell_class, data))
            self.cell_class = None


def cells(text: str) -> list[tuple[int, str, str, str]]:
    parser = Cells()
    parser.feed(text)
    return parser.cells


FIVE_SYNC: list[float | None] = [1.0, 1.01, 0.99, 1.02, 0.98]
FIVE_THREADS: list[float | None] = [0.5, 0.51, 0.49, 0.52, 0.48]  # twice as fast, told apart


def test_only_a_real_winner_is_bold() -> None:
    table = pd.concat([runs("bad", {"sync": [None], "threads/p2": [None]}),
                       runs("untold", {"sync": [1.0, 1.1], "threads/p2": [0.8, 0.9]}),
                       runs("good", {"sync": FIVE_SYNC, "threads/p2": FIVE_THREADS})])
    text = page(table)
    assert "first-child" not in text  # no rule makes whatever row comes first look like a win
    winners = [(table, cell) for table, row, _, cell in cells(text) if row == "winner"]
    results = [index for index, match in enumerate(re.finditer(r"<table[^>]*>", text))
               if 'class="results"' in match.group()]
    assert {table for table, _ in winners} == {results[-1]}  # the good group's table only
    assert [cell for _, cell in winners][:3] == ["1", "threads", "2"]
    assert "<strong>Fastest: threads, pool 2, median 0.5 s.</strong>" in text
    # two runs a cell: the leader is named, not crowned, and its row is not bold
    assert ("<strong>Not told apart: threads, pool 2 (0.85 s) and sync (1.05 s)</strong>: "
            "ratio 1.24 from 2 and 2 runs, too few for an interval; about 4 runs each would "
            "tell.") in text
    assert "<strong>No run succeeded</strong>" in text
    assert text.index("No run succeeded") < text.index("bad/threads/p2")


def test_numbers_are_right_aligned_by_column_name() -> None:
    text = page(runs("fib", {"sync": FIVE_SYNC, "threads/p2": FIVE_THREADS}))
    row = [(klass, cell) for _, row_class, klass, cell in cells(text) if row_class == "winner"]
    assert row[:4] == [("n", "1"), ("", "threads"), ("n", "2"), ("n", "0.5")]


def test_a_plot_failure_is_stated_where_the_plots_would_be() -> None:
    text = page(runs("fib", {"sync": [1.0, 1.1]}), Drawing([], "RuntimeError: no usable font"))
    plots = text.split("<h2>Plots</h2>", 1)[1]
    assert plots.startswith("\n<p>The plots could not be drawn (RuntimeError: no usable font).</p>")


def test_the_scaling_section_has_a_table_per_fitted_group() -> None:
    from runner.report.scaling import scaling_table
    from runner.report.usl import UslFit

    law = UslFit(10.0, 0.1, 0.05, 1.0, 4)
    walls: dict[str, list[float | None]] = {
        f"threads/p{pool}": [4 / (law.throughput(pool) * f) for f in (0.98, 1.0, 1.03)]
        for pool in (1, 2, 4, 8)}
    zigzag = zip((1, 2, 3, 4, 5, 6), (10.0, 40.0, 5.0, 60.0, 8.0, 50.0), strict=True)
    walls |= {f"processes/p{pool}": [4 / rate] * 2 for pool, rate in zigzag}
    table = pd.concat([runs("fib", {"sync": [0.4, 0.41], **walls}),
                       runs("sleep", {"sync": [1.0], "threads/p2": [0.5]})])
    summary = summarize_runs(table, {}, ["tasks"], cores=2)
    scaling = scaling_table(summary, table, ["tasks"])
    text = html.render(build(summary, table, METADATA, scaling=scaling), Drawing([]))
    section = text.split("<h2>Scaling</h2>", 1)[1].split("<h2>", 1)[0]
    assert "<p>Gunther&#x27;s Universal Scalability Law" in section
    assert "<h3>fib</h3>" in section and "sleep" not in section
    scaling_cells = [(klass, cell) for index, _, klass, cell in cells(text)
                     if index == text[:text.index("<h2>Scaling</h2>")].count("<table")]
    assert scaling_cells[:3] == [("", "threads"), ("n", "4"), ("n", "10")]
    assert any(klass == "n" and re.fullmatch(r"4\.2 \(\d\.\d–\d\.\d\)", cell)
               for klass, cell in scaling_cells), scaling_cells
    poor = [cell for _, cell in scaling_cells if cell.startswith("poor fit")]
    assert len(poor) == 1 and poor[0].endswith("parameters not quoted")
    assert "<h2>Scaling</h2>" not in page(table)  # built without a scaling table


def test_a_clusters_hosts_and_a_group_measured_on_two_of_them_are_shown() -> None:
    from runner.results.metadata import HostFacts

    table = runs("w", {"sync": [1.0, 1.0], "threads/p2": [0.5, 0.5]})
    table["host"] = ["a", "a", "a", "b"]
    metadata = sample_metadata(hosts={
        "a": HostFacts("EPYC", 2, "a", usable_cores=2),
        "b": HostFacts("EPYC", 2, "b", usable_cores=1, lost_at="2026-01-01T00:00:09Z")})
    summary = summarize_runs(table, {}, ["tasks"], cores=2)
    text = html.render(build(summary, table, metadata), Drawing([]))
    assert "<h2>w on a and b</h2>" in text
    assert ('<p class="warning"><strong>Note:</strong> Measured on 2 hosts (a, b): b left the '
            "cluster mid-run") in text
    assert "<h2>Hosts</h2>" in text and "<th>usable cores</th>" in text
    assert "The cluster&#x27;s hosts differ (usable cores: a 2, b 1)" in text
