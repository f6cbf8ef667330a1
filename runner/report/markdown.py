"""The text renderings of a report's content: report.md, and the summary a run prints.

``runner.report.html`` renders the same content as report.html, so the two never
disagree.
"""

from __future__ import annotations

import textwrap

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
from runner.report.headline import Headline
from runner.report.hosts import HOSTS_COLUMNS
from runner.report.overview import INTRO as OVERVIEW_INTRO
from runner.report.overview_plot import NAME as OVERVIEW_PLOT
from runner.report.plots import Drawing
from runner.report.timeline import section_text, split
from runner.report.tracebacks import MAX_SHOWN
from runner.results.failures import ERRORS


def render(content: Content, drawing: Drawing) -> str:
    """report.md: the content as Markdown, linking the PNG plots."""
    parts = [f"# {content.title}", ""]
    if content.description:
        parts += [content.description, ""]
    parts += [f"> **Warning:** {w}\n" for w in content.warnings]
    parts += [f"- {fact}" for fact in content.facts] + [""]
    if content.overview:
        parts += _overview(content, drawing)
    for group in content.groups:
        parts += _group(group)
    if content.scaling:
        parts += ["## Scaling", "", SCALING_INTRO, ""]
        for table in content.scaling:
            parts += [f"### {table.name}", "", *_markdown_table(SCALING_COLUMNS, table.rows)]
    plots, timelines = split(drawing.plots)
    if plots or drawing.problem:
        parts += ["## Plots", ""]
        if drawing.problem:
            parts += [plots_problem(drawing), ""]
        parts += [f"![{plot.title}](plots/{plot.png.name})\n" for plot in plots
                  if plot.name != OVERVIEW_PLOT]  # shown in the Overview
    if timelines:
        parts += ["## Timelines", "", section_text(drawing.timelines_note), ""]
        parts += [f"![{_alt(plot.title)}](plots/{plot.png.name})\n" for plot in timelines]
    if content.per_host:
        parts += ["## Per host", "", *_markdown_table(HOST_COLUMNS, content.per_host)]
    if content.failures:
        parts += ["## Failed and skipped runs", "",
                  *_markdown_table(FAILURE_COLUMNS, content.failures),
                  *_more(content.more_failures)]
    if content.tracebacks:
        parts += _tracebacks(content)
    if content.hosts:
        parts += ["## Hosts", "", *_markdown_table(HOSTS_COLUMNS, content.hosts)]
    parts += ["## Environment", ""]
    parts += [f"- {label}: {value}" for label, value in content.environment]
    return "\n".join(parts).rstrip() + "\n"


def _overview(content: Content, drawing: Drawing) -> list[str]:
    """Per sweep, where the winner changes and each parameter set's result; the plot."""
    parts = ["## Overview", "", OVERVIEW_INTRO, ""]
    for one in content.overview:
        parts += [f"### {one.workload}", ""]
        parts += [f"- {sentence}" for sentence in one.crossovers] + [""] * bool(one.crossovers)
        parts += _markdown_table(one.columns, one.rows)
    parts += [f"![{plot.title}](plots/{plot.png.name})\n" for plot in drawing.plots
              if plot.name == OVERVIEW_PLOT]
    return parts


def _tracebacks(content: Content) -> list[str]:
    """Each distinct first failure of a cell: the cells, the user's frames, the traceback."""
    parts = ["## Tracebacks", "",
             f"The first failure of each cell that raised; [{ERRORS}]({ERRORS}) holds every "
             "failed run's traceback.", ""]
    for shown in content.tracebacks[:MAX_SHOWN]:
        parts += [f"**{shown.failure.headline()}** in {shown.cells()}", ""]
        if shown.frames():
            parts += ["```", *shown.frames(), "```", ""]
    if len(content.tracebacks) > MAX_SHOWN:
        parts += [f"…and {len(content.tracebacks) - MAX_SHOWN} more in {ERRORS}.", ""]
    return parts


def _group(group: Group) -> list[str]:
    """A group's section: its winner and verdict (or failures), its table, its noise."""
    parts = [f"## {group.name}", ""]
    if group.note:
        parts += [f"> **Note:** {group.note}", ""]
    if group.headline is not None:
        parts += [f"{_headline(group.headline)} {group.verdict}", ""]
    else:
        parts += [f"**{NO_SUCCESS}**: {NO_SUCCESS_DETAIL}", ""]
        parts += _markdown_table(FAILURE_COLUMNS, group.failures)
        parts += _more(group.more_failures)
    parts += _markdown_table(group.columns, group.rows)
    if group.noise:
        parts += ["Noisy cells (compare them with care):", ""]
        parts += [f"- `{cell}`" for cell in group.noise] + [""]
    return parts


def _headline(head: Headline) -> str:
    """``**Fastest: asyncio, pool 4, median 0.0123 s.**``, or with words after the bold:
    ``**Level: asyncio, pool 4 and threads, pool 8** (ratio 1.02, ...).``"""
    rest = head.rest()
    if not rest:
        return f"**{head.label}: {head.text}.**"
    return f"**{head.label}: {head.text}**{rest}."


def _markdown_table(columns: tuple[str, ...], rows: list[Row]) -> list[str]:
    """The lines of a Markdown table, numbers right-aligned, then an empty line."""
    align = "|" + "|".join("---:" if c in NUMERIC_COLUMNS else "---" for c in columns) + "|"
    return ["| " + " | ".join(columns) + " |", align,
            *("| " + " | ".join(row[c].replace("|", "\\|") for c in columns) + " |"
              for row in rows), ""]


def _more(count: int) -> list[str]:
    return [f"…and {count} more in runs.csv.", ""] if count else []


def _alt(text: str) -> str:
    """An image's alt text with its brackets escaped (cell ids hold them, unbalanced in
    text values)."""
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


#: Width of the terminal summary's lines, as most terminals are at least this wide.
TERMINAL_WIDTH = 80
#: Failed runs shown in the terminal per group where none succeeded; report.md lists more.
TERMINAL_FAILURES = 3


#: A sweep of more parameter sets than this is told on the terminal by its overview
#: (where the winner changes) rather than by a block per set: report.md has those.
TERMINAL_SETS = 6


def terminal_summary(content: Content) -> str:
    """The answer for the terminal at the end of a run: per group its headline (the
    fastest cell, where it is told apart), then its verdict wrapped (or, where nothing
    succeeded, its first failures); a large sweep, by its overview instead."""

    blocks = []
    told: set[str] = set()
    for sweep in content.overview:
        if len(sweep.groups) > TERMINAL_SETS:
            words = " ".join(sweep.crossovers) or "see report.md"
            blocks.append(_fill(f"{sweep.workload} ({len(sweep.groups)} parameter sets): "
                                f"{words}", "", "  ") + "\n")
            told.update(sweep.groups)
    for group in content.groups:
        if group.name in told and group.headline is not None:
            continue
        if group.headline is not None:
            lines = [_fill(f"{group.name}: {_terminal_headline(group.headline)}", "", "  "),
                     _fill(group.verdict, "  ", "  ")]
        else:
            # Runs that raised are told once, with their tracebacks, after the groups.
            raised = [row for row in group.failures if row["where"]]
            others = [row for row in group.failures if not row["where"]]
            shown = others[:TERMINAL_FAILURES]
            lines = [f"{group.name}: no run succeeded"]
            lines += [f"  {len(raised)} run{'s' if len(raised) > 1 else ''} raised (below)"
                      ] if raised else []
            lines += [f"  {row['cell']} run {row['repetition']}: {row['status']}: "
                      f"{row['error or reason']}".rstrip(": ") for row in shown]
            hidden = len(others) - len(shown) + group.more_failures
            lines += [f"  …and {hidden} more in the report"] if hidden else []
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def _terminal_headline(head: Headline) -> str:
    """``asyncio, pool 4, median 0.0123 s`` where it is the fastest, else labelled:
    ``not told apart: asyncio, pool 4 (0.0123 s) and sync (0.0135 s): ratio ...``."""
    if head.kind == "fastest":
        return head.text
    return f"{head.label.lower()}: {head.text}{head.rest(report=False)}"


def _fill(text: str, first: str, rest: str) -> str:
    return textwrap.fill(text, TERMINAL_WIDTH, initial_indent=first, subsequent_indent=rest,
                         break_on_hyphens=False)
