"""The command line; the one place errors become exit codes.

Exit codes: 0 all runs ok; 1 some runs failed (results still written);
2 invalid input or usage; 130 interrupted (what finished is kept).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from runner.errors import ConfigError, RunexpError, UsageError, WriteError

if TYPE_CHECKING:
    from runner.report.compare import CellComparison
    from runner.report.content import Content

EXIT_OK, EXIT_FAILED_RUNS, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
#: Above this many cells `plan` prints plain lines: a rich table of 100,000 rows
#: takes a minute to lay out.
PLAN_TABLE_ROWS = 500

app = typer.Typer(
    name="runexp",
    help="Measure sequential, threaded, asyncio and multiprocess Python side by side.\n\n"
         "`runexp FILE` is short for `runexp run FILE`.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

FileArg = Annotated[Path, typer.Argument(help="Experiment YAML file.", show_default=False)]


def _version(value: bool) -> None:
    if value:
        import runner

        typer.echo(f"runexp {runner.__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True,
        help="Print runexp's version and exit.")] = False,
) -> None:
    """Measure sequential, threaded, asyncio and multiprocess Python side by side."""


def _print_error(error: RunexpError) -> None:
    if isinstance(error, ConfigError):  # FILE:LINE:COL: field: message, as compilers do
        for problem in error.problems:
            typer.echo(str(problem), err=True)
    else:
        typer.echo(f"runexp: error: {error}", err=True)


def _warn(problem: str) -> None:
    typer.echo(f"runexp: warning: {problem}", err=True)


def _fail(error: RunexpError) -> typer.Exit:
    _print_error(error)
    return typer.Exit(error.exit_code)


@app.command()
def run(
    file: FileArg,
    out: Annotated[Path | None, typer.Option(
        help="Write the run here (an empty or new directory) instead of "
             "results/<name>/<run_id>/.")] = None,
    repetitions: Annotated[int | None, typer.Option(
        min=1, max=1000, help="Timed runs per cell, overriding the file.")] = None,
    only: Annotated[list[str] | None, typer.Option(
        help="Run only cells where KEY=VALUE (keys: cell, workload, model, pool_size or a "
             "parameter); repeat for several; one key repeated means either value.")] = None,
    resume: Annotated[Path | None, typer.Option(
        help="Continue this earlier run of FILE: run only the (cell, repetition) pairs "
             "missing from its runs.csv.")] = None,
    inline: Annotated[bool, typer.Option(
        "--inline", help="Run in the runner's own process instead of a fresh one per run "
                         "(faster; timeouts cannot stop a run).")] = False,
    fail_fast: Annotated[bool, typer.Option(
        "--fail-fast", help="Stop at the first failed run (what finished is kept).")] = False,
    cluster: Annotated[str | None, typer.Option(
        help="Run on the Dask cluster whose scheduler is here, e.g. tcp://10.0.0.5:8786 "
             "(workers need --resources runexp=1).", metavar="ADDRESS")] = None,
    cluster_tls: Annotated[str | None, typer.Option(
        help="A tls:// cluster's CA certificate, this client's certificate and its key "
             "(PEM files); default: Dask's configuration.", metavar="CA,CERT,KEY")] = None,
    yes: Annotated[bool, typer.Option(
        "--yes", help="Run a grid of more than 10,000 cells.")] = False,
) -> None:
    """Run the experiment grid and write runs.csv, summary.csv, report.md, metadata.json."""
    from runner.cli.display import progress_for_terminal
    from runner.execution import pipeline
    from runner.execution.connection import ClusterTls
    from runner.plan.grid import parse_selection

    try:
        options = pipeline.RunOptions(out=out, repetitions=repetitions,
                                      only=parse_selection(only or []), resume=resume,
                                      inline=inline, fail_fast=fail_fast, cluster=cluster,
                                      cluster_tls=ClusterTls.parse(cluster_tls), yes=yes)
        outcome = pipeline.run(file, options, progress_for_terminal())
    except RunexpError as error:
        raise _fail(error) from None
    if outcome.interrupted:
        typer.echo(f"interrupted: kept {outcome.runs} finished runs in {outcome.run_dir}",
                   err=True)
        raise typer.Exit(EXIT_INTERRUPTED)
    if outcome.stopped_early:
        typer.echo("stopped at the first failed run (--fail-fast)", err=True)
    typer.echo(f"{outcome.runs} runs, {outcome.failed} failed: {outcome.run_dir}")
    _print_answer(outcome.content, outcome.run_dir)
    raise typer.Exit(EXIT_FAILED_RUNS if outcome.failed else EXIT_OK)


def _print_answer(content: Content | None, run_dir: Path) -> None:
    """Per comparison group its winner and verdict (as hyperfine closes with its
    summary), the report's warnings (a busy machine, cells measured under different
    load...), then where the reports are; nothing where no report was written."""
    from runner.report.markdown import terminal_summary
    from runner.results.rundir import REPORT_HTML, REPORT_MD

    if content is None:
        return
    typer.echo("")
    typer.echo(terminal_summary(content))
    for warning in content.warnings:
        _warn(warning)
    typer.echo(f"report: {run_dir / REPORT_MD}")
    typer.echo(f"html: {run_dir / REPORT_HTML}")


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Experiment YAML files.",
                                                show_default=False)],
) -> None:
    """Check experiment files; print every problem with its line; exit 0 or 2."""
    from runner.config.loader import load
    from runner.plan.grid import expand

    bad = False
    for file in files:
        try:
            source = load(file)
            cells = len(expand(source.experiment))
        except RunexpError as error:
            bad = True
            _print_error(error)
            continue
        typer.echo(f"{file}: ok ({cells} {'cell' if cells == 1 else 'cells'})")
    raise typer.Exit(EXIT_USAGE if bad else EXIT_OK)


@app.command()
def plan(
    file: FileArg,
    repetitions: Annotated[int | None, typer.Option(min=1, max=1000,
                                                    help="Timed runs per cell.")] = None,
    only: Annotated[list[str] | None, typer.Option(help="As for `run`.")] = None,
    json_out: Annotated[bool, typer.Option(
        "--json", help="Print the plan as JSON (each cell, the totals) instead.")] = False,
) -> None:
    """Print the expanded grid: cells, run count and an estimated time."""
    from runner.cli.display import plan_json, plan_table
    from runner.config.loader import load
    from runner.execution import pipeline
    from runner.plan.grid import parse_selection

    try:
        experiment = load(file).experiment
        cells = pipeline.plan_cells(experiment, parse_selection(only or []))
    except RunexpError as error:
        raise _fail(error) from None
    if json_out:
        import json

        typer.echo(json.dumps(plan_json(experiment, cells, repetitions or
                                        experiment.repetitions), indent=1))
        return
    table, totals = plan_table(experiment, cells, repetitions or experiment.repetitions,
                               plain=len(cells) > PLAN_TABLE_ROWS)
    if isinstance(table, str):  # too many cells for a table to be worth drawing
        sys.stdout.write(table)
    else:
        from rich.console import Console

        Console(width=max(100, max((len(c.id) for c in cells), default=0) + 60)).print(table)
    for line in totals:
        typer.echo(line)


@app.command()
def advise(
    what: Annotated[str, typer.Argument(
        help="An experiment YAML file, or MODULE:FUNCTION (a function(index, args) "
             "found from the current directory).", show_default=False, metavar="FILE")],
    budget: Annotated[float, typer.Option(
        help="Seconds to spend at most; then the best answer so far.")] = 300.0,
    precision: Annotated[float, typer.Option(
        help="Measure each configuration until its 95% CI half-width is at most this "
             "fraction of its median (or it is clearly beaten).")] = 0.05,
    max_pool: Annotated[int | None, typer.Option(
        help="Largest pool size searched (default: the task count, at most 256).")] = None,
    out: Annotated[Path | None, typer.Option(
        help="Write the run here (an empty or new directory).")] = None,
    cluster: Annotated[str | None, typer.Option(
        help="Measure on the Dask cluster whose scheduler is here, e.g. "
             "tcp://10.0.0.5:8786 (each configuration's runs are one batch).")] = None,
    cluster_tls: Annotated[str | None, typer.Option(
        help="As for `run`.", metavar="CA,CERT,KEY")] = None,
    async_target: Annotated[str | None, typer.Option(
        "--async", help="MODULE:FUNCTION: the coroutine function asyncio runs.")] = None,
    setup: Annotated[str | None, typer.Option(
        help="MODULE:FUNCTION called with args once per worker.")] = None,
    tasks: Annotated[int | None, typer.Option(
        help="Calls per run of the MODULE:FUNCTION form (default 20).")] = None,
    args: Annotated[str | None, typer.Option(
        help="JSON object passed to every call, e.g. '{\"n\": 25}'.")] = None,
) -> None:
    """Answer which model, with how many workers, for this work: measure only what the
    answer needs, within a time budget; write a run directory and advice.json."""
    import textwrap

    from runner.advise.session import AdviseOptions, AdviseProgress, advise, progress_line
    from runner.advise.target import callable_source, parse_args
    from runner.advise.trial import Trial
    from runner.config.loader import load
    from runner.errors import AdviseError
    from runner.execution.connection import ClusterTls

    class Lines(AdviseProgress):
        def trial(self, group: str, trial: Trial, leader: Trial | None, used_s: float,
                  budget_s: float) -> None:
            typer.echo(progress_line(group, trial, leader, used_s, budget_s), err=True)

    try:
        options = AdviseOptions(budget_s=budget, precision=precision, max_pool=max_pool,
                                out=out, cluster=cluster,
                                cluster_tls=ClusterTls.parse(cluster_tls))
        options.check()
        is_file = Path(what).exists() or what.endswith((".yaml", ".yml")) or ":" not in what
        if is_file:
            given = [name for name, value in (("--async", async_target), ("--setup", setup),
                                              ("--tasks", tasks), ("--args", args)) if value]
            if given:
                raise AdviseError(f"{given[0]} applies only to the MODULE:FUNCTION form")
            source = load(Path(what))
        else:
            if tasks is not None and not 1 <= tasks <= 1_000_000:
                raise AdviseError(f"--tasks {tasks}: must be from 1 to 1,000,000")
            source = callable_source(what, async_target=async_target, setup=setup,
                                     tasks=tasks, args=parse_args(args))
        outcome = advise(source, options, Lines())
    except RunexpError as error:
        raise _fail(error) from None
    for item in outcome.advice.advice:
        pool = (f" with {item.pool_size} worker{'s' if item.pool_size != 1 else ''}"
                if item.model not in (None, "sync") else "")
        params = ", ".join(f"{key}={value}" for key, value in item.params.items())
        typer.echo(f"{item.workload}[{params}]: {item.model or 'no answer'}{pool}")
        typer.echo(textwrap.fill(item.reason, 88, initial_indent="  ", subsequent_indent="  "))
    if outcome.advice.budget_exhausted:
        typer.echo("the budget ran out: this is the best answer so far", err=True)
    typer.echo(f"advice: {outcome.run_dir / 'advice.json'}")
    if outcome.interrupted:
        typer.echo(f"interrupted: kept {outcome.runs} finished runs in {outcome.run_dir}",
                   err=True)
        raise typer.Exit(EXIT_INTERRUPTED)
    raise typer.Exit(EXIT_FAILED_RUNS if outcome.failed else EXIT_OK)


@app.command()
def report(
    run_dir: Annotated[Path, typer.Argument(help="A run directory (or results/<name>/latest).",
                                            show_default=False)],
) -> None:
    """Rebuild summary.csv, plots, report.md and report.html from a run's runs.csv."""
    from runner.advise.section import reapply
    from runner.execution.pipeline import write_reports
    from runner.results.readers import check_run_dir

    try:
        check_run_dir(run_dir)  # before anything is written into a folder that is no run
        content = write_reports(run_dir)
        try:
            reapply(run_dir)  # an advise run's reports open with the advice again
        except OSError as error:
            raise WriteError(f"{run_dir}: cannot write the advice into the reports "
                             f"({error.strerror or error})") from None
    except RunexpError as error:
        raise _fail(error) from None
    typer.echo(f"wrote summary.csv, plots/, report.md and report.html in {run_dir}")
    _print_answer(content, run_dir)


@app.command()
def compare(
    run_a: Annotated[Path, typer.Argument(help="The baseline run directory.",
                                          show_default=False)],
    run_b: Annotated[Path, typer.Argument(help="The run to compare with it.",
                                          show_default=False)],
    alpha: Annotated[float, typer.Option(
        min=0.0001, max=0.5, help="False discovery rate: a verdict needs a "
                                  "Benjamini-Hochberg q-value below it.")] = 0.05,
    csv: Annotated[Path | None, typer.Option(help="Also write the table as CSV here.")] = None,
    markdown: Annotated[Path | None, typer.Option(
        help="Also write the table as Markdown here.")] = None,
    json_out: Annotated[bool, typer.Option(
        "--json", help="Print the rows as JSON (the CSV's fields) instead of the table.")
    ] = False,
    fail_if_slower: Annotated[float | None, typer.Option(
        min=0, help="Exit 1 if any cell is significantly slower in B by more than PCT "
                    "per cent, or cannot be judged (failed runs, too few runs, missing on "
                    "one side).", metavar="PCT")] = None,
    allow_unjudged: Annotated[bool, typer.Option(
        help="With --fail-if-slower: let cells that cannot be judged pass the gate.")
    ] = False,
) -> None:
    """Per cell: both medians, the ratio B/A with its interval, p and q, and a verdict."""
    import json

    from runner.report import compare as comparison
    from runner.results.readers import problems
    from runner.results.rundir import INPUT, METADATA, TASKS

    try:
        for option, path in (("--csv", csv), ("--markdown", markdown)):
            if path is not None:
                comparison.check_output(path, option)
        compared = comparison.compare(run_a, run_b, alpha)
        rows, load = compared.rows, comparison.load_warnings(compared)
        for run_dir in dict.fromkeys((run_a, run_b)):  # compare reads runs.csv alone
            for problem in problems(run_dir, (METADATA, INPUT, TASKS)):
                _warn(f"{problem} (not needed to compare)")
        if json_out:
            typer.echo(json.dumps(comparison.as_json(rows), indent=1))
            for warning in load:  # the table's closing words, where there is no table
                _warn(warning)
        else:
            typer.echo(comparison.as_text(rows, run_a, run_b, alpha, load))
        if csv is not None:
            comparison.write_csv(rows, csv)
        if markdown is not None:
            comparison.write_markdown(rows, markdown)
    except RunexpError as error:
        raise _fail(error) from None
    if fail_if_slower is not None:
        _gate(rows, fail_if_slower, allow_unjudged)


def _gate(rows: list[CellComparison], percent: float, allow_unjudged: bool) -> None:
    """compare --fail-if-slower: exit 1 on a regression, or on a cell it cannot judge."""
    from runner.report import compare as comparison

    failures = [f"{row.cell}: {row.ratio:.3f}x slower (q {row.q_value:.3g})"
                for row in comparison.regressions(rows, percent)]
    if not allow_unjudged:
        failures += [f"{row.cell}: cannot be judged: {comparison.reason(row)}"
                     for row in comparison.unjudged(rows)]
    if failures:
        typer.echo(f"compare: the gate fails (slower by more than {percent:g}%, or not "
                   f"judged{'' if allow_unjudged else '; --allow-unjudged lets those pass'}):",
                   err=True)
        for failure in failures:
            typer.echo(f"  {failure}", err=True)
        raise typer.Exit(EXIT_FAILED_RUNS)


@app.command()
def export(
    run_dir: Annotated[Path, typer.Argument(help="The run directory to export.",
                                            show_default=False)],
    format_: Annotated[str, typer.Option(
        "--format", help="pyperf: a pyperf benchmark suite (one benchmark per cell); "
                         "json: metadata, summary rows and runs rows in one document.")
    ] = "pyperf",
    output: Annotated[str, typer.Option(
        "--output", "-o", help="The file to write; - for standard output.",
        show_default=False)] = "-",
) -> None:
    """Write a run in another tool's format: pyperf's (stats, hist, compare_to) or JSON."""
    from runner.report.export import export_run

    try:
        target = None if output == "-" else Path(output)
        if target is not None:
            from runner.report.compare import check_output

            check_output(target, "--output")
        result = export_run(format_, run_dir)
        for problem in result.warnings:
            _warn(problem)
        if target is None:
            sys.stdout.write(result.text)
        else:
            try:
                target.write_text(result.text, encoding="utf-8")
            except OSError as error:
                raise UsageError(f"--output {target}: cannot write "
                                 f"({error.strerror or error})") from None
    except RunexpError as error:
        raise _fail(error) from None


@app.command()
def schema() -> None:
    """Print the JSON Schema of experiment files (for editors' YAML language servers)."""
    import json

    from runner.config.experiment import json_schema

    typer.echo(json.dumps(json_schema(), indent=2))


@app.command()
def serve(
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port on 127.0.0.1 (0: any).")
                    ] = 8000,
) -> None:
    """Run the embedded HTTP test server on 127.0.0.1 until Ctrl-C.

    The query sets the answer: http://127.0.0.1:8000/anything?latency_ms=100&size_bytes=2048
    answers 2048 bytes after 100 ms (a bare GET / answers 0 bytes at once).
    """
    from runner.execution.server import main as serve_main

    try:
        serve_main(["--port", str(port)])
    except RunexpError as error:
        raise _fail(error) from None


def _with_default_command(argv: list[str]) -> list[str]:
    """``runexp FILE ...`` -> ``runexp run FILE ...`` (typer has no default command)."""
    commands = {command.name or (command.callback.__name__ if command.callback else "")
                for command in app.registered_commands}
    if argv and not argv[0].startswith("-") and argv[0] not in commands:
        return ["run", *argv]
    return argv


def main() -> None:
    try:
        app(args=_with_default_command(sys.argv[1:]), prog_name="runexp")
    except RunexpError as error:  # raised while importing, e.g. a broken plugin
        _print_error(error)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)
