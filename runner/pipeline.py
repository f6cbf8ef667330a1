"""The run pipeline: load -> expand -> execute -> write -> report.

Used by the CLI; it raises RunexpError subclasses and never prints or exits.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from runner import results
from runner.config import ExperimentFile, load
from runner.execute import Context, Job, execute, schedule
from runner.grid import Cell, expand, select
from runner.metadata import environment, load_average
from runner.records import RunRecord, Status


@dataclass(frozen=True)
class RunOptions:
    """What the command line adds to the experiment file."""

    out: Path | None = None
    results_root: Path = Path("results")
    repetitions: int | None = None
    only: Mapping[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class RunOutcome:
    run_dir: Path
    runs: int
    failed: int
    interrupted: bool


class Progress:
    """Hooks the CLI implements to show progress; the defaults do nothing."""

    def start(self, total: int, run_dir: Path) -> None:
        """``total`` runs (warmups included) are about to start."""

    def advance(self, job: Job, record: RunRecord) -> None:
        """One run ended (a warmup's record is not written anywhere)."""

    def finish(self) -> None:
        """The grid ended, was interrupted or failed."""


def plan_jobs(source: ExperimentFile, options: RunOptions) -> tuple[list[Cell], list[Job]]:
    """The cells and the runs, in order, that ``run`` would execute."""
    experiment = source.experiment
    cells = expand(experiment)
    if options.only:
        cells = select(cells, options.only, experiment.param_columns())
    repetitions = options.repetitions or experiment.repetitions
    return cells, list(schedule(cells, repetitions, experiment.warmups))


def run(path: Path, options: RunOptions, progress: Progress | None = None) -> RunOutcome:
    """Run an experiment file and write its run directory."""
    progress = progress or Progress()
    source = load(path)
    cells, jobs = plan_jobs(source, options)
    run_id, run_dir = results.create_run_dir(options.results_root, source.experiment.name,
                                             results.new_run_id(), options.out)
    (run_dir / results.INPUT).write_text(source.text, encoding="utf-8")
    metadata = _start_metadata(source, options, run_id, len(cells), len(jobs))
    results.write_json(run_dir / results.METADATA, metadata)
    if options.out is None:
        results.link_latest(run_dir)

    counts = {"runs": 0, "failed": 0}
    interrupted = False
    progress.start(len(jobs), run_dir)
    try:
        with results.RunsWriter(run_dir / results.RUNS, source.experiment.param_columns()) as out:
            def sink(record: RunRecord) -> None:
                out.write(record)
                counts["runs"] += 1
                counts["failed"] += record.status != Status.OK

            execute(jobs, Context(run_id, source.experiment.name), sink,
                    on_run=progress.advance)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        progress.finish()
        metadata.update(ended_at=_now(), interrupted=interrupted)
        results.write_json(run_dir / results.METADATA, metadata)
    if counts["runs"]:
        write_reports(run_dir)
    return RunOutcome(run_dir, counts["runs"], counts["failed"], interrupted)


def write_reports(run_dir: Path) -> None:
    """(Re)build summary.csv and report.md from runs.csv, experiment.yaml and metadata."""
    from runner import report
    from runner.summary import summarize_runs

    source = load(run_dir / results.INPUT)
    metadata = results.read_json(run_dir / results.METADATA)
    runs = results.read_runs(run_dir)
    cores = metadata.get("environment", {}).get("cpu", {}).get("usable_cores") or os.cpu_count()
    cells = {cell.id: cell for cell in expand(source.experiment)}
    summary = summarize_runs(runs, cells, source.experiment.param_columns(), int(cores or 1))
    summary.to_csv(run_dir / results.SUMMARY, index=False, float_format="%.6g")
    (run_dir / results.REPORT_MD).write_text(report.markdown(summary, runs, metadata),
                                            encoding="utf-8")


def _start_metadata(source: ExperimentFile, options: RunOptions, run_id: str, cells: int,
                    jobs: int) -> dict[str, Any]:
    return {
        "format": 1,
        "run_id": run_id,
        "started_at": _now(),
        "ended_at": None,
        "interrupted": False,
        "command": shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "experiment_file": str(source.path),
        "experiment": source.experiment.model_dump(mode="json", by_alias=True),
        "options": {"repetitions": options.repetitions, "only": dict(options.only)},
        "cells": cells,
        "planned_runs": jobs,
        "load_average_at_start": load_average(),
        "environment": environment(source.path.parent.resolve()),
    }


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")

