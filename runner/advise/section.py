"""The advice at the top of report.md and report.html: per parameter set the answer,
how it was found (every configuration tried and its fate) and what it cost against
the full grid it replaced."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

from runner.advise.advice import GRID_REPETITIONS, Searched
from runner.advise.advice_file import Advice, AdviceFile
from runner.results import rundir as results

MARKER = "<!-- runexp advise -->"


@dataclass(frozen=True)
class Block:
    """One parameter set's part of the section, as plain strings."""

    title: str
    answer: str
    reason: str
    path: list[list[str]]  # configuration, runs, median, fate
    cost: str


PATH_COLUMNS = ["configuration", "runs", "median (s)", "fate"]


def blocks(record: AdviceFile, searched: Sequence[Searched]) -> list[Block]:
    made = []
    for advice, group in zip(record.advice, searched, strict=True):
        trials, grid = group.trials, group.grid
        rows = [[str(t.config), str(t.runs), f"{t.median:.4g}" if t.median else "-",
                 t.outcome or "-"] for t in trials]
        runs = sum(t.runs for t in trials)
        seconds = sum(sum(t.walls) for t in trials)
        cells = len(trials)
        cost = (f"Advise measured {cells} configurations in {runs} runs ({seconds:.1f} s of "
                f"runs); the full grid (pool sizes 1, 2, 4, ... {group.max_pool} for each "
                f"pooled model, {GRID_REPETITIONS} repetitions) has {grid.cells} cells and "
                f"would take about {grid.seconds:.1f} s, estimated from the measured medians.")
        tried = {t.config.model for t in trials}
        cost += _ceilings({m: most for m, most in group.in_flight.items() if m in tried})
        made.append(Block(group.name, _answer(advice), advice.reason, rows, cost))
    return made


def _ceilings(in_flight: Mapping[str, int]) -> str:
    """`` No threads or asyncio pool above 16 workers was tried: ...`` per limit."""
    by_limit: dict[int, list[str]] = {}
    for model, most in in_flight.items():
        by_limit.setdefault(most, []).append(model)
    said = []
    for most, models in sorted(by_limit.items()):
        names = " or ".join(models) if len(models) < 3 else (
            ", ".join(models[:-1]) + " or " + models[-1])
        said.append(f" No {names} pool above {most} worker{'s' if most != 1 else ''} was "
                    "tried: the extra workers of a larger one would have nothing to do.")
    return "".join(said)


def _answer(advice: Advice) -> str:
    if advice.model is None:
        return "No answer: no configuration succeeded."
    plural = "s" if advice.pool_size != 1 else ""
    pool = f" with {advice.pool_size} worker{plural}" if advice.model != "sync" else ""
    ci = (f", 95% CI {advice.ci95_s[0]:.4g}-{advice.ci95_s[1]:.4g} s"
          if advice.ci95_s else "")
    text = f"Use {advice.model}{pool}: median {advice.wall_median_s:.4g} s{ci}."
    if advice.runner_up is not None:
        up = advice.runner_up
        p = f"p={up.p_value:.3g}" if up.p_value is not None else "no test"
        text += (f" Runner-up: {up.model}" + (f"/p{up.pool_size}" if up.model != "sync" else "")
                 + f", {up.wall_median_s:.4g} s ({p}" + ("; a tie" if advice.tie else "") + ").")
    work = advice.work or "unknown"
    return text + f" Work: {work}."


def _notes(record: AdviceFile, interrupted: bool) -> list[str]:
    notes = [f"Advise used {record.seconds_used:.1f} s of its {record.budget_s:g} s budget "
             f"and {record.runs_used} runs."]
    if record.budget_exhausted:
        notes.append("The budget ran out: this is the best answer so far.")
    if interrupted:
        notes.append("Interrupted: this is the best answer so far.")
    return notes


def markdown(record: AdviceFile, made: Sequence[Block], interrupted: bool) -> str:
    parts = [MARKER, "# Advice", ""] + [f"> {note}\n" for note in _notes(record, interrupted)]
    for block in made:
        parts += [f"## {block.title}", "", f"**{block.answer}**", "", block.reason, "",
                  "How it was found:", "", "| " + " | ".join(PATH_COLUMNS) + " |",
                  "|" + "---|" * len(PATH_COLUMNS)]
        parts += ["| " + " | ".join(row) + " |" for row in block.path]
        parts += ["", block.cost, ""]
    return "\n".join(parts) + "\n"


def html(record: AdviceFile, made: Sequence[Block], interrupted: bool) -> str:
    parts = [MARKER, "<h1>Advice</h1>"]
    parts += [f'<p class="warning">{escape(note)}</p>' for note in _notes(record, interrupted)]
    for block in made:
        head = "".join(f"<th>{escape(c)}</th>" for c in PATH_COLUMNS)
        body = "".join("<tr>" + "".join(f"<td>{escape(v)}</td>" for v in row) + "</tr>"
                       for row in block.path)
        parts += [f"<h2>{escape(block.title)}</h2>",
                  f'<p class="verdict"><strong>{escape(block.answer)}</strong> '
                  f"{escape(block.reason)}</p>",
                  f"<table><tr>{head}</tr>{body}</table>", f"<p>{escape(block.cost)}</p>"]
    return "\n".join(parts) + "\n"


#: The section's own files in the run directory, so ``reapply`` can put it back in front
#: of reports that ``runexp report`` rebuilt.
SECTION_MD = "advice.md"
SECTION_HTML = "advice.html"


def add_to_reports(run_dir: Path, record: AdviceFile,
                   searched: Sequence[Searched], interrupted: bool) -> None:
    """Write the section's files and put it first in report.md and report.html."""
    made = blocks(record, searched)
    (run_dir / SECTION_MD).write_text(markdown(record, made, interrupted), encoding="utf-8")
    (run_dir / SECTION_HTML).write_text(html(record, made, interrupted), encoding="utf-8")
    reapply(run_dir)


def reapply(run_dir: Path) -> None:
    """Put the advice section (where the run has one) first in freshly written reports."""
    section = run_dir / SECTION_MD
    md = run_dir / results.REPORT_MD
    if section.exists() and md.exists():
        text = md.read_text("utf-8")
        if not text.startswith(MARKER):
            md.write_text(section.read_text("utf-8") + "\n" + text, encoding="utf-8")
    fragment = run_dir / SECTION_HTML
    page = run_dir / results.REPORT_HTML
    if fragment.exists() and page.exists():
        text = page.read_text("utf-8")
        at = text.find("<h1>")
        if at >= 0 and MARKER not in text:
            page.write_text(text[:at] + fragment.read_text("utf-8") + text[at:],
                            encoding="utf-8")
