"""A run in flight ends with the budget, and `--timeout` bounds each run, in both forms."""

from __future__ import annotations

import csv
import json
import textwrap
import time
from dataclasses import replace
from pathlib import Path

from runner.advise.budget import Limit, cut, limit
from runner.results.rows import Status
from tests.helpers import run_cli, sample_record

HANGS = '''
import time


def work(index, args):
    time.sleep(60)
    return index
'''


def _rows(run_dir: Path) -> list[dict[str, str]]:
    return list(csv.DictReader((run_dir / "runs.csv").read_text(encoding="utf-8")
                               .splitlines()))


def test_a_hung_function_ends_with_the_budget(tmp_path: Path) -> None:
    (tmp_path / "hangs.py").write_text(HANGS, encoding="utf-8")
    started = time.monotonic()
    done = run_cli("advise", "hangs:work", "--budget", "3", "--tasks", "1", "--out", "out",
                   cwd=tmp_path, timeout=30)
    took = time.monotonic() - started
    # the budget's end is not a failure of the function: nothing else failed
    assert done.returncode == 0, done.stderr
    assert took < 15
    record = json.loads((tmp_path / "out" / "advice.json").read_text(encoding="utf-8"))
    assert record["budget_exhausted"] is True
    assert 2.5 < record["seconds_used"] < 10
    assert record["advice"][0]["reason"].startswith(
        "no configuration finished a run before the budget ran out")
    (row,) = _rows(tmp_path / "out")
    assert row["status"] == "timeout"
    assert row["error"].startswith("stopped when the --budget of 3 s ran out")


def test_timeout_stops_each_run_and_overrides_the_files(tmp_path: Path) -> None:
    (tmp_path / "hangs.py").write_text(HANGS, encoding="utf-8")
    (tmp_path / "e.yaml").write_text(textwrap.dedent("""
        name: hangs
        timeout_s: 60
        workloads: [{kind: callable, target: "hangs:work", tasks: 1}]
        models: [sync, threads]
    """), encoding="utf-8")
    done = run_cli("advise", "e.yaml", "--timeout", "0.5", "--budget", "30", "--out", "out",
                   cwd=tmp_path, timeout=30)
    assert done.returncode == 1, done.stderr  # a timeout of the user's own is a failure
    rows = _rows(tmp_path / "out")
    assert [row["status"] for row in rows] == ["timeout", "timeout"]
    assert {row["error"] for row in rows} == {"killed after the 0.5 s timeout"}
    record = json.loads((tmp_path / "out" / "advice.json").read_text(encoding="utf-8"))
    assert record["budget_exhausted"] is False
    assert record["advice"][0]["reason"] == (
        "the function failed: no run succeeded: 2 runs timed out.")


def test_a_run_gets_its_timeout_or_what_is_left_of_the_budget() -> None:
    assert limit(10.0, 4.0, "process") == Limit(4.0, by_budget=True)
    assert limit(2.0, 4.0, "process") == Limit(2.0)
    assert limit(None, 4.0, "spawn") == Limit(4.0, by_budget=True)
    assert limit(None, -0.1, "process") == Limit(0.0, by_budget=True)
    assert limit(None, 4.0, "inline") == Limit(None)  # cannot be stopped: not bounded


def test_only_a_run_the_budget_stopped_is_said_to_be_cut() -> None:
    timeout = replace(sample_record(1), status=Status.TIMEOUT, wall_s=None,
                      error="killed after the 4 s timeout")
    stopped = cut(timeout, Limit(4.0, by_budget=True), 30)
    assert stopped is not None and stopped.status == Status.TIMEOUT
    assert stopped.error == ("stopped when the --budget of 30 s ran out (4 s of it were "
                             "left for this run)")
    assert cut(timeout, Limit(4.0), 30) is None  # its own timeout
    assert cut(sample_record(1), Limit(4.0, by_budget=True), 30) is None  # it finished
