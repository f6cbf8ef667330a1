"""report.html: one self-contained file (plots embedded, no network, no JavaScript)."""

from __future__ import annotations

import base64
from html import escape

from runner.report.content import COLUMNS, Content
from runner.report.plots import Plot

STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem;
       padding: 0 1rem; color: #1d1d1f; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: .8rem 0; font-variant-numeric: tabular-nums; }
th, td { padding: .3rem .6rem; border-bottom: 1px solid #eee; }
th { background: #f4f4f6; text-align: left; }
td.n { text-align: right; }
table.results tr:first-child td { font-weight: 600; }
.warning { background: #fff4e5; border-left: 4px solid #f0a020; padding: .5rem .9rem; }
.verdict { background: #eef6ee; border-left: 4px solid #2ca02c; padding: .5rem .9rem; }
figure { margin: 1.2rem 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: .9rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dt { font-weight: 600; } code { background: #f4f4f6; padding: 0 .2rem; }
"""

#: Columns of the results table that hold numbers (right-aligned).
NUMERIC = {0, 2, 3, 4, 5, 6, 7, 8, 9}


def render(content: Content, plots: list[Plot]) -> str:
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{escape(content.title)}</title><style>{STYLE}</style></head><body>",
             f"<h1>{escape(content.title)}</h1>"]
    if content.description:
        parts.append(f"<p>{escape(content.description)}</p>")
    parts += [f'<p class="warning"><strong>Warning:</strong> {escape(w)}</p>'
              for w in content.warnings]
    parts.append("<ul>" + "".join(f"<li>{escape(f)}</li>" for f in content.facts) + "</ul>")
    for group in content.groups:
        parts.append(f"<h2>{escape(group.name)}</h2>")
        if group.fastest:
            parts.append(f'<p class="verdict"><strong>Fastest: {escape(group.fastest)}.</strong>'
                         f" {escape(group.verdict)}</p>")
        parts.append(_table(COLUMNS, group.rows, NUMERIC, "results"))
        if group.noise:
            parts.append("<p>Noisy cells (compare them with care):</p><ul>"
                         + "".join(f"<li><code>{escape(n)}</code></li>" for n in group.noise)
                         + "</ul>")
    if plots:
        parts.append("<h2>Plots</h2>")
        parts += [_figure(plot) for plot in plots]
    if content.per_host:
        parts.append("<h2>Per host</h2>")
        parts.append(_table(("cell", "host", "ok runs", "median (s)"), content.per_host, {2, 3}))
    if content.failures:
        parts.append("<h2>Failed and skipped runs</h2>")
        parts.append(_table(("cell", "repetition", "status", "error or reason"),
                            content.failures, {1}))
        if content.more_failures:
            parts.append(f"<p>…and {content.more_failures} more in runs.csv.</p>")
    parts.append("<h2>Environment</h2><dl>" + "".join(
        f"<dt>{escape(label)}</dt><dd>{escape(value)}</dd>"
        for label, value in content.environment) + "</dl>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _table(headers: tuple[str, ...], rows: list[list[str]], numeric: set[int],
           css_class: str = "") -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f'<td{" class=n" if i in numeric else ""}>{escape(cell)}</td>'
                         for i, cell in enumerate(row)) + "</tr>"
        for row in rows)
    return (f'<table class="{css_class}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


def _figure(plot: Plot) -> str:
    data = base64.b64encode(plot.png.read_bytes()).decode("ascii")
    return (f'<figure><img alt="{escape(plot.title)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{escape(plot.title)} (also plots/{escape(plot.svg.name)})"
            "</figcaption></figure>")
