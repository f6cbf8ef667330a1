"""The pipeline end to end, in process: what metadata.json records of a run and its resumes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from runner.execution.pipeline import RunOptions, run
from runner.results.metadata import read_metadata
from tests.helpers import TINY


def test_a_resume_with_more_repetitions_is_recorded(write_yaml: Callable[[str], Path],
                                                     tmp_path: Path) -> None:
    path = write_yaml(TINY)
    out = tmp_path / "run"
    run(path, RunOptions(out=out))
    outcome = run(path, RunOptions(resume=out, repetitions=3))
    assert outcome.runs == 2  # repetition 3 of each of the two cells
    assert (pd.read_csv(out / "runs.csv").groupby("cell").size() == 3).all()
    metadata = read_metadata(out / "metadata.json")
    assert metadata.options.repetitions == 3  # what the run now holds, not the file's 2
    [resume] = metadata.resumes
    assert resume.repetitions == 3
    assert resume.runs == 2
    assert metadata.results is not None
    assert metadata.results.runs == 6
    report = (out / "report.md").read_text()
    assert "resumed" in report
    assert "--repetitions 3" in report


def test_resume_reruns_the_run_whose_row_was_not_written_without_doubling_its_tasks(
        write_yaml: Callable[[str], Path], tmp_path: Path) -> None:
    path = write_yaml(TINY.replace("duration_ms: 1}", "duration_ms: 1, record_tasks: true}"))
    out = tmp_path / "run"
    run(path, RunOptions(out=out))
    runs = out / "runs.csv"
    lines = runs.read_text().splitlines(keepends=True)
    runs.write_text("".join(lines[:-1]))  # the disk filled between its tasks and its row
    outcome = run(path, RunOptions(resume=out))
    assert outcome.runs == 1
    tasks = pd.read_csv(out / "tasks.csv")
    assert len(tasks) == 8 and not tasks.duplicated(["cell", "repetition", "task"]).any()
    assert runs.read_text().splitlines(keepends=True)[:-1] == lines[:-1]
