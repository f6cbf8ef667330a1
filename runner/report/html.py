"""report.html: one self-contained file (plots embedded, no network, no JavaScript)."""

from __future__ import annotations

import base64
from html import escape

from runner.report.content import (
    FAILURE_COLUMNS,
    HOST_COLUMNS,
    NO_SUCCESS,
    NO_SUCCESS_DETAIL,
    NUMERIC_COLUMNS,
    SCALING_COLUMNS,
    SCALING_INTRO,
    Content,
    Group,
    Row,
    plots_problem,
)
from runner.report.hosts import HOSTS_COLUMNS
from runner.report.overview import INTRO as OVERVIEW_INTRO
from runner.report.overview_plot import NAME as OVERVIEW_PLOT
from runner.report.plots import Drawing, Plot
from runner.report.timeline import section_text, split
from runner.report.tracebacks import MAX_SHOWN
from runner.results.failures import ERRORS

STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem;
       padding: 0 1rem; color: #1d1d1f; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: .8rem 0; font-variant-numeric: tabular-nums; }
th, td { padding: .3rem .6rem; border-bottom: 1px solid #eee; }
th { background: #f4f4f6; text-align: left; }
td.n { text-align: right; }
table.results tr.winner td { font-weight: 600; }
.warning { background: #fff4e5; border-left: 4px solid #f0a020; padding: .5rem .9rem; }
.verdict { background: #eef6ee; border-left: 4px solid #2ca02c; padding: .5rem .9rem; }
figure { margin: 1.2rem 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: .9rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dt { font-weight: 600; } code { background: #f4f4f6; padding: 0 .2rem; }
pre { background: #f4f4f6; padding: .5rem .8rem; overflow-x: auto; font-size: .85rem; }
details.set { margin: .3rem 0; } details.set > summary { cursor: pointer; padding: .2rem 0; }
details.set[open] > summary { border-bottom: 1px solid #ddd; margin-bottom: .4rem; }
"""


def render(content: Content, drawing: Drawing) -> str:
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{escape(content.title)}</title><style>{STYLE}</style></head><body>",
             f"<h1>{escape(content.title)}</h1>"]
    if content.description:
        parts.append(f"<p>{escape(content.description)}</p>")
    parts += [f'<p class="warning"><strong>Warning:</strong> {escape(w)}</p>'
              for w in content.warnings]
    parts.append("<ul>" + "".join(f"<li>{escape(f)}</li>" for f in content.facts) + "</ul>")
    if content.overview:
        parts += _overview(content, drawing)
    parts += _groups(content)
    if content.scaling:
        parts += ["<h2>Scaling</h2>", f"<p>{escape(SCALING_INTRO)}</p>"]
        for table in content.scaling:
            parts += [f"<h3>{escape(table.name)}</h3>", _table(SCALING_COLUMNS, table.rows)]
    plots, timelines = split(drawing.plots)
    if plots or drawing.problem:
        parts.append("<h2>Plots</h2>")
        if drawing.problem:
            parts.append(f"<p>{escape(plots_problem(drawing))}</p>")
        parts += [_figure(plot) for plot in plots
                  if plot.name != OVERVIEW_PLOT]  # shown in the Overview
    if timelines:
        parts += ["<h2>Timelines</h2>",
                  f"<p>{escape(section_text(drawing.timelines_note))}</p>",
                  *(_figure(plot) for plot in timelines)]
    if content.per_host:
        parts.append("<h2>Per host</h2>")
        parts.append(_table(HOST_COLUMNS, content.per_host))
    if content.failures:
        parts.append("<h2>Failed and skipped runs</h2>")
        parts.append(_table(FAILURE_COLUMNS, content.failures))
        parts += _more(content.more_failures)
    if content.tracebacks:
        parts += _tracebacks(content)
    if content.hosts:
        parts += ["<h2>Hosts</h2>", _table(HOSTS_COLUMNS, content.hosts)]
    parts.append("<h2>Environment</h2><dl>" + "".join(
        f"<dt>{escape(label)}</dt><dd>{escape(value)}</dd>"
        for label, value in content.environment) + "</dl>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _overview(content: Content, drawing: Drawing) -> list[str]:
    """Per sweep, where the winner changes and each parameter set's result; the plot."""
    parts = ["<h2>Overview</h2>", f"<p>{escape(OVERVIEW_INTRO)}</p>"]
    for one in content.overview:
        parts.append(f"<h3>{escape(one.workload)}</h3>")
        if one.crossovers:
            parts.append('<ul class="crossovers">' + "".join(
                f"<li>{escape(sentence)}</li>" for sentence in one.crossovers) + "</ul>")
        parts.append(_table(one.columns, one.rows, "overview"))
    parts += [_figure(plot) for plot in drawing.plots if plot.name == OVERVIEW_PLOT]
    return parts


def _groups(content: Content) -> list[str]:
    """Each group's section; a sweep's sets folded under one heading, after its overview."""
    swept = {name: one.workload for one in content.overview for name in one.groups}
    opened = set()
    parts = []
    for group in content.groups:
        if (workload := swept.get(group.name)) is None:
            parts += _group(group)
            continue
        if workload not in opened:
            opened.add(workload)
            parts.append(f"<h2>{escape(workload)}: each parameter set</h2>")
        parts += _folded(group)
    return parts


def _folded(group: Group) -> list[str]:
    """A sweep's set: its section folded, its headline on the line that opens it."""
    head = group.headline
    said = f"{head.label}: {head.text}" if head is not None else NO_SUCCESS
    return [f'<details class="set"><summary><strong>{escape(group.name)}</strong> · '
            f"{escape(said)}</summary>", *_group(group)[1:], "</details>"]


def _tracebacks(content: Content) -> list[str]:
    """Each distinct first failure of a cell, its frames shown and its whole traceback
    folded; the link opens errors.jsonl beside the report."""
    parts = ['<h2 id="tracebacks">Tracebacks</h2>',
             "<p>The first failure of each cell that raised; "
             f'<a href="{ERRORS}">{ERRORS}</a> holds every failed run\'s traceback.</p>']
    for shown in content.tracebacks[:MAX_SHOWN]:
        parts.append(f"<p><strong>{escape(shown.failure.headline())}</strong> in "
                     f"{escape(shown.cells())}</p>")
        if shown.frames():
            parts.append(f"<pre>{escape(chr(10).join(shown.frames()))}</pre>")
        parts.append(f"<details><summary>the whole traceback</summary>"
                     f"<pre>{escape(shown.failure.traceback)}</pre></details>")
    if len(content.tracebacks) > MAX_SHOWN:
        parts.append(f"<p>…and {len(content.tracebacks) - MAX_SHOWN} more in {ERRORS}.</p>")
    return parts


def _group(group: Group) -> list[str]:
    """A group's section: its winner and verdict (or failures), its table, its noise."""
    parts = [f"<h2>{escape(group.name)}</h2>"]
    if group.note:
        parts.append(f'<p class="warning"><strong>Note:</strong> {escape(group.note)}</p>')
    if (head := group.headline) is not None:
        bold = f"{head.label}: {head.text}"
        opening = (f"<strong>{escape(bold)}</strong>{escape(head.rest())}."
                   if head.rest() else f"<strong>{escape(bold)}.</strong>")
        parts.append(f'<p class="verdict">{opening} {escape(group.verdict)}</p>')
    else:
        raised = (' (where in your code each raised: <a href="#tracebacks">Tracebacks</a>)'
                  if any(row["where"] for row in group.failures) else "")
        parts.append(f'<p class="warning"><strong>{NO_SUCCESS}</strong>: '
                     f"{escape(NO_SUCCESS_DETAIL)}{raised}</p>")
        parts.append(_table(FAILURE_COLUMNS, group.failures))
        parts += _more(group.more_failures)
    parts.append(_table(group.columns, group.rows, "results", winner=group.crowned))
    if group.noise:
        parts.append("<p>Noisy cells (compare them with care):</p><ul>"
                     + "".join(f"<li><code>{escape(n)}</code></li>" for n in group.noise)
                     + "</ul>")
    return parts


def _table(headers: tuple[str, ...], rows: list[Row], css_class: str = "",
           winner: int | None = None) -> str:
    """A table of ``rows`` (numbers right-aligned); ``winner``: the index of the row that
    won (the fastest told apart, or the advised), if any."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        ('<tr class="winner">' if index == winner else "<tr>")
        + "".join(f'<td{" class=n" if name in NUMERIC_COLUMNS else ""}>{escape(row[name])}</td>'
                  for name in headers) + "</tr>"
        for index, row in enumerate(rows))
    return (f'<table class="{css_class}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


def _more(count: int) -> list[str]:
    return [f"<p>…and {count} more in runs.csv.</p>"] if count else []


def _figure(plot: Plot) -> str:
    data = base64.b64encode(plot.png.read_bytes()).decode("ascii")
    return (f'<figure><img alt="{escape(plot.title)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{escape(plot.title)} (also plots/{escape(plot.svg.name)})"
            "</figcaption></figure>")
