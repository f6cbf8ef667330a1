"""What a run directory derives from runs.csv, rebuilt by the code `runexp report` uses."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from runner.errors import ResultsError
from runner.execution.outputs import write_reports
from runner.execution.pipeline import RunOptions, run
from tests.helpers import TINY


def test_a_report_of_runs_from_another_experiment_file_is_refused(
        write_yaml: Callable[[str], Path], tmp_path: Path) -> None:
    out = tmp_path / "run"
    run(write_yaml(TINY), RunOptions(out=out))
    (out / "experiment.yaml").write_text("name: tiny\nworkloads: [{kind: fib, n: 5}]\n")
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    with pytest.raises(ResultsError, match=r"runs.csv: no column for the parameter 'n'"):
        write_reports(out)
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
