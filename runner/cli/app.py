"""The command line; the one place errors become exit codes.

Exit codes: 0 all runs ok; 1 some runs failed (results still written);
2 invalid input or usage; 3 the Dask scheduler or the connection to it was lost
mid-run (what finished is kept; ``--resume`` finishes the rest); 130 interrupted
(what finished is kept).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from runner.cli.conventions import CONTEXT_SETTINGS, App, with_default_command
from runner.errors import ConfigError, RunexpError, UsageError, WriteError

if TYPE_CHECKING:
    from runner.report.content import Content

EXIT_OK, EXIT_FAILED_RUNS, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
#: Above this many cells `plan` prints plain lines: a rich table of 100,000 rows
#: takes a minute to lay out.
PLAN_TABLE_ROWS = 500

app = App(
    name="runexp",
    help="Measure sequential, threaded, asyncio and multiprocess Python side by side.\n\n"
         "`runexp FILE` is short for `runexp run FILE`.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings=CONTEXT_SETTINGS,
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
             "results/<name>/<run_id>/.", metavar="DIR")] = None,
    repetitions: Annotated[int | None, typer.Option(
        min=1, max=1000, help="Timed runs per cell, overriding the file.", metavar="N")
    ] = None,
    only: Annotated[list[str] | None, typer.Option(
        help="Run only cells where KEY=VALUE (keys: cell, workload, model, pool_size or a "
             "parameter); repeat for several; one key repeated means either value.",
        metavar="KEY=VALUE")] = None,
    resume: Annotated[Path | None, typer.Option(
        help="Continue this earlier run of FILE: run only the (cell, repetition) pairs "
             "missing from its runs.csv.", metavar="RUN_DIR")] = None,
    inline: Annotated[bool, typer.Option(
        "--inline", help="Run in the runner's own process instead of a fresh one per run "
                         "(faster; timeouts cannot stop a run).")] = False,
    fail_fast: Annotated[bool, typer.Option(
        "--fail-fast", help="Stop at the first failed run (what finished is kept).")] = False,
    cluster: Annotated[str | None, typer.Option(
        help="Run on the Dask cluster whose scheduler is here, e.g. tcp://10.0.0.5:8786 "
             "(workers need --resources runexp=1); none: on this machine, whatever the file "
             "or the resumed run says.", metavar="ADDRESS")] = None,
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
    if outcome.stopped_early and outcome.content is None:  # else the report's warnings say it
        typer.echo("stopped at the first failed run (--fail-fast)", err=True)
    typer.echo(f"{outcome.runs} runs, {outcome.failed} failed: {outcome.run_dir}")
    _print_answer(outcome.content, outcome.run_dir)
    raise typer.Exit(EXIT_FAILED_RUNS if outcome.failed else EXIT_OK)


def _print_answer(content: Content | None, run_dir: Path) -> None:
    """Per comparison group its winner and verdict (as hyperfine closes with its
    summary), the report's warnings (a busy machine, cells measured under different
    load...), then where the reports are; nothing where no report was written."""
    from runner.report.markdown import terminal_summary
    from runner.report.tracebacks import terminal_lines
    from runner.results.failures import ERRORS
    from runner.results.rundir import REPORT_HTML, REPORT_MD

    if content is None:
        return
    typer.echo("")
    typer.echo(terminal_summary(content))
    for line in terminal_lines(content.tracebacks, str(run_dir / ERRORS), Path.cwd()):
        typer.echo(line)
    for warning in content.warnings:
        _warn(warning)
    typer.echo(f"report: {run_dir / REPORT_MD}")
    typer.echo(f"html: {run_dir / REPORT_HTML}")


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Experiment YAML files.",
                                                show_default=False, metavar="FILE")],
    json_out: Annotated[bool, typer.Option(
        "--json", help="Print one JSON document instead: per file, ok and its cell count, "
                       "or its problems (file, line, column, field, message).")] = False,
) -> None:
    """Check experiment files; print every problem with its line; exit 0 or 2."""
    from runner.cli.validate_cmd import as_json, check

    checked = check(files)
    if json_out:
        import json

        typer.echo(json.dumps(as_json(checked), indent=1))
    else:
        for item in checked:
            if item.error is None:
                typer.echo(item.line)
            else:
                _print_error(item.error)
    raise typer.Exit(EXIT_USAGE if any(item.error for item in checked) else EXIT_OK)


@app.command()
def plan(
    file: FileArg,
    repetitions: Annotated[int | None, typer.Option(min=1, max=1000, metavar="N",
                                                    help="Timed runs per cell.")] = None,
    only: Annotated[list[str] | None, typer.Option(help="As for `run`.",
                                                   metavar="KEY=VALUE")] = None,
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
        help="Seconds to spend at most; then the best answer so far.", metavar="SECONDS")
    ] = 300.0,
    precision: Annotated[float, typer.Option(
        help="Measure each configuration until its 95% CI half-width is at most this "
             "fraction of its median (or it is clearly beaten).", metavar="FRACTION")
    ] = 0.05,
    max_pool: Annotated[int | None, typer.Option(
        help="Largest pool size searched (default: the task count, at most 256).",
        metavar="N")] = None,
    out: Annotated[Path | None, typer.Option(
        help="Write the run here (an empty or new directory).", metavar="DIR")] = None,
    cluster: Annotated[str | None, typer.Option(
        help="Measure on the Dask cluster whose scheduler is here, e.g. "
             "tcp://10.0.0.5:8786 (each configuration's runs are one batch).",
        metavar="ADDRESS")] = None,
    cluster_tls: Annotated[str | None, typer.Option(
        help="As for `run`.", metavar="CA,CERT,KEY")] = None,
    async_target: Annotated[str | None, typer.Option(
        "--async", help="MODULE:FUNCTION: the coroutine function asyncio runs.",
        metavar="MODULE:FUNCTION")] = None,
    setup: Annotated[str | None, typer.Option(
        help="MODULE:FUNCTION called with args once per worker.",
        metavar="MODULE:FUNCTION")] = None,
    tasks: Annotated[int | None, typer.Option(
        help="Calls per run of the MODULE:FUNCTION form (default 20).", metavar="N")
    ] = None,
    args: Annotated[str | None, typer.Option(
        help="JSON object passed to every call, e.g. '{\"n\": 25}'.", metavar="JSON")
    ] = None,
    timeout: Annotated[float | None, typer.Option(
        help="Seconds one run may take before it is stopped (default: the file's "
             "timeout_s, else none); never more than what is left of --budget.",
        metavar="SECONDS")] = None,
) -> None:
    """Answer which model, with how many workers, for this work: measure only what the
    answer needs, within a time budget; write a run directory and advice.json."""
    from runner.advise.session import AdviseOptions
    from runner.advise.session import advise as search
    from runner.cli.advise_cmd import ProgressLines, answer_lines, source_for
    from runner.execution.connection import ClusterTls

    try:
        options = AdviseOptions(budget_s=budget, precision=precision, max_pool=max_pool,
                                out=out, cluster=cluster,
                                cluster_tls=ClusterTls.parse(cluster_tls), timeout_s=timeout)
        options.check()
        source = source_for(what, async_target=async_target, setup=setup, tasks=tasks,
                            args=args)
        outcome = search(source, options, ProgressLines())
    except RunexpError as error:
        raise _fail(error) from None
    for line in answer_lines(outcome):
        typer.echo(line)
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
                                          show_default=False, metavar="RUN_A")],
    run_b: Annotated[Path, typer.Argument(help="The run to compare with it.",
                                          show_default=False, metavar="RUN_B")],
    alpha: Annotated[float, typer.Option(
        min=0.0001, max=0.5, metavar="ALPHA", help="False discovery rate: a verdict needs a "
                                                   "Benjamini-Hochberg q-value below it.")
    ] = 0.05,
    csv: Annotated[Path | None, typer.Option(help="Also write the table as CSV here.",
                                             metavar="FILE")] = None,
    markdown: Annotated[Path | None, typer.Option(
        help="Also write the table as Markdown here.", metavar="FILE")] = None,
    json_out: Annotated[bool, typer.Option(
        "--json", help="Print one JSON document instead of the table: the rows (the CSV's "
                       "fields), the warnings and the gate's outcome.")] = False,
    fail_if_slower: Annotated[float | None, typer.Option(
        min=0, help="Exit 1 if any cell is significantly slower in B by more than PCT "
                    "per cent, or cannot be judged (failed runs, too few runs, missing in "
                    "one run).", metavar="PCT")] = None,
    allow_missing_cells: Annotated[bool, typer.Option(
        "--allow-missing-cells", help="With --fail-if-slower: let cells that one run lacks "
                                      "(added or removed) pass, unless their runs failed.")
    ] = False,
    allow_too_few_runs: Annotated[bool, typer.Option(
        "--allow-too-few-runs", help="With --fail-if-slower: let cells with too few ok runs "
                                     "for a U test pass, unless a side has none.")] = False,
    allow_unjudged: Annotated[bool, typer.Option(
        "--allow-unjudged", help="Both of the above. Failed runs, and ok runs on one side "
                                 "only, still fail the gate.")] = False,
) -> None:
    """Per cell: both medians, the ratio B/A with its interval, p and q, and a verdict."""
    from runner.cli.compare_cmd import CompareOptions, gate_lines
    from runner.cli.compare_cmd import compare as compare_runs
    from runner.report.gate import Allow

    allow = Allow(missing_cells=allow_missing_cells or allow_unjudged,
                  too_few_runs=allow_too_few_runs or allow_unjudged)
    try:
        compared = compare_runs(run_a, run_b, CompareOptions(
            alpha, csv, markdown, json_out, fail_if_slower, allow))
    except RunexpError as error:
        raise _fail(error) from None
    for warning in compared.warnings:
        _warn(warning)
    typer.echo(compared.output)
    if compared.gate is not None:
        for line in gate_lines(compared.gate):
            typer.echo(line, err=True)
        if not compared.gate.passed:
            raise typer.Exit(EXIT_FAILED_RUNS)


@app.command()
def export(
    run_dir: Annotated[Path, typer.Argument(help="The run directory to export.",
                                            show_default=False)],
    format_: Annotated[str, typer.Option(
        "--format", help="pyperf: a pyperf benchmark suite (one benchmark per cell); "
                         "json: metadata, summary rows and runs rows in one document.",
        metavar="FORMAT")] = "pyperf",
    output: Annotated[str, typer.Option(
        "--output", "-o", help="The file to write; - for standard output.",
        show_default=False, metavar="FILE")] = "-",
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
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port on 127.0.0.1 (0: any).",
                                      metavar="PORT")] = 8000,
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
    """``runexp FILE ...`` -> ``runexp run FILE ...``; a misspelt command is refused."""
    return with_default_command(argv, [
        command.name or (command.callback.__name__ if command.callback else "")
        for command in app.registered_commands])


def main() -> None:
    import warnings
    from typing import TextIO

    from runner.errors import ClusterWarning, PluginWarning

    shown = warnings.showwarning

    def show(message: Warning | str, category: type[Warning], filename: str, lineno: int,
             file: TextIO | None = None, line: str | None = None) -> None:
        if issubclass(category, PluginWarning | ClusterWarning):  # one line of its own
            _warn(str(message))
        else:
            shown(message, category, filename, lineno, file, line)

    warnings.showwarning = show
    try:
        app(args=_with_default_command(sys.argv[1:]), prog_name="runexp")
    except RunexpError as error:  # raised outside a command's own handling
        _print_error(error)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)
