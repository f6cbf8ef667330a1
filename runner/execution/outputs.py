"""The last stage of the pipeline: everything a run directory derives from runs.csv.

summary.csv, scaling.csv, the plots, report.md, report.html and metadata's
result counts are rebuilt from runs.csv (and tasks.csv), experiment.yaml and
metadata.json by the same code whether a run just ended or ``runexp report``
asks again.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from runner.config.experiment import Experiment, Precision
from runner.config.loader import ExperimentFile, load
from runner.errors import ResultsError
from runner.execution.environment import usable_cores
from runner.plan.grid import expand
from runner.results import readers
from runner.results import rundir as results
from runner.results.metadata import ResultCounts, RunMetadata, read_metadata, write_metadata

if TYPE_CHECKING:
    from runner.report.content import Content


def write_reports(run_dir: Path) -> Content:
    """(Re)build summary.csv, the plots, report.md, report.html and metadata's results.

    Everything comes from runs.csv (and tasks.csv), experiment.yaml and metadata, each
    checked, with the outputs' places, before the first file is written.
    """
    from runner.report import content as report
    from runner.report import html, markdown, plots
    from runner.report.advised import read_advice
    from runner.report.scaling import scaling_table
    from runner.report.summary import result_counts, summarize_runs, with_whole_params

    readers.check_outputs(run_dir)
    source = load(run_dir / results.INPUT, imports=False)
    metadata = read_metadata(run_dir / results.METADATA)
    runs = readers.read_runs(run_dir, source.experiment.name)
    _refuse_other_parameters(run_dir, source.experiment, runs.columns)
    done = set(zip(runs["cell"].tolist(), runs["repetition"].tolist(), strict=True))
    tasks = readers.read_tasks(run_dir, done)
    cores = metadata.usable_cores or os.cpu_count() or 1
    cells = {cell.id: cell for cell in expand(source.experiment)}
    params = source.experiment.param_columns()
    summary = summarize_runs(runs, cells, params, cores, repetitions=_policy(source, metadata),
                             hosts=metadata.hosts,
                             placement=source.experiment.executor.placement, tasks=tasks)
    results.write_table(run_dir / results.SUMMARY, with_whole_params(summary, cells, params))
    scaling = scaling_table(summary, runs, params)
    results.write_table(run_dir / results.SCALING, scaling)
    metadata = replace(metadata, results=ResultCounts(**result_counts(runs, summary)))
    write_metadata(run_dir / results.METADATA, metadata)
    content = report.build(summary, runs, metadata, scaling=scaling, advice=read_advice(run_dir),
                           raised=readers.read_raised(run_dir, runs), tasks=tasks)
    drawn = plots.draw_all(run_dir, summary, runs, tasks, scaling=scaling, capped=content.caps,
                           processes=usable_cores() or 1)
    results.write_text(run_dir / results.REPORT_MD, markdown.render(content, drawn))
    results.write_text(run_dir / results.REPORT_HTML, html.render(content, drawn))
    drawn.check()  # a plot that could not be drawn: said in the report, and now an error
    return content


def _policy(source: ExperimentFile, metadata: RunMetadata) -> int | Precision:
    """How many runs each cell was to get: --repetitions where given, else the file's."""
    return metadata.options.repetitions or source.experiment.repetitions


def _refuse_other_parameters(run_dir: Path, experiment: Experiment,
                             present: Iterable[str]) -> None:
    """runs.csv must hold a column for each parameter of its experiment.yaml."""
    absent = [name for name in experiment.param_columns() if name not in set(present)]
    if absent:
        raise ResultsError(f"{run_dir / results.RUNS}: no column for the parameter "
                           f"{absent[0]!r} of {run_dir / results.INPUT}; the two files are "
                           "not of one run")


