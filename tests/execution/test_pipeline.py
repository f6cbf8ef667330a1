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
