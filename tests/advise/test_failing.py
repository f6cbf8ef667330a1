"""`runexp advise MODULE:FUNCTION` on a function that fails: the terminal shows the
exception and where in the user's code, the advice says the function failed, and the
search stops once two models failed alike."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from runner.advise.failing import STOP_AFTER_MODELS, Failing
from runner.results.failures import Failure, Frame
from runner.results.rows import Status
from tests.helpers import run_cli

MYWORK = '''
def parse(index, args):
    return check(index)


def check(index):
    raise ValueError("not a record")


def connect(args):
    raise PermissionError("the database refused the login")


def fine(index, args):
    return index


def two_args_only(i):
    return i


def not_in_pools(index, args):
    import multiprocessing
    if multiprocessing.parent_process() is not None:  # a pool process
        raise RuntimeError("no pool processes, please")
    return index
'''


@pytest.fixture
def mywork(tmp_path: Path) -> Path:
    (tmp_path / "mywork.py").write_text(MYWORK, encoding="utf-8")
    return tmp_path


def _advise(folder: Path, *args: str) -> tuple[int, str, str, dict[str, object]]:
    done = run_cli("advise", *args, "--tasks", "2", "--budget", "30", "--out", "out",
                   cwd=folder)
    record = json.loads((folder / "out" / "advice.json").read_text(encoding="utf-8"))
    return done.returncode, done.stdout, done.stderr, record


def test_a_function_that_raises_is_shown_with_its_place_once(mywork: Path) -> None:
    code, stdout, stderr, record = _advise(mywork, "mywork:parse")
    assert code == 1, stderr
    assert stdout.count("ValueError: not a record") == 2  # the reason, and the failure once
    assert " mywork.py:7 in check: raise ValueError(\"not a record\")" in stdout
    assert " mywork.py:3 in parse" in stdout
    assert "in callable/sync run 1, callable/asyncio/p1 run 1" in stdout
    (advice,) = record["advice"]  # type: ignore[misc]
    assert advice["model"] is None
    assert advice["reason"].startswith(
        f"the function failed: every run raised ValueError: not a record at "
        f"{mywork / 'mywork.py'}:7 in check; sync and asyncio failed alike, so the search "
        "stopped there")


def test_the_search_stops_once_two_models_failed_alike(mywork: Path) -> None:
    _, _, stderr, record = _advise(mywork, "mywork:parse")
    runs = (mywork / "out" / "runs.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(runs.splitlines()))
    assert [row["model"] for row in rows] == ["sync", "asyncio"]
    assert record["runs_used"] == STOP_AFTER_MODELS
    assert "threads" not in stderr and "processes" not in stderr  # never measured
    report = (mywork / "out" / "report.md").read_text(encoding="utf-8")
    advice = report.split("# runexp report")[0]
    assert "| asyncio/p1 | 1 |" in advice and "threads/p1" not in advice  # tried only


def test_a_failing_setup_is_shown_as_the_users_exception(mywork: Path) -> None:
    code, stdout, stderr, record = _advise(mywork, "mywork:fine", "--setup", "mywork:connect")
    assert code == 1, stderr
    assert "PermissionError: the database refused the login" in stdout
    assert " mywork.py:11 in connect" in stdout
    assert "the function failed" in record["advice"][0]["reason"]  # type: ignore[index]


def test_failures_of_some_models_are_shown_beside_the_answer(mywork: Path) -> None:
    code, stdout, stderr, record = _advise(mywork, "mywork:not_in_pools", "--max-pool", "1")
    assert code == 1, stderr  # some runs failed
    assert record["advice"][0]["model"] is not None  # type: ignore[index]
    assert stdout.count("RuntimeError: no pool processes, please") == 1
    assert "in callable/processes/p1 run 1" in stdout
    assert " mywork.py:25 in not_in_pools" in stdout


def test_a_function_that_takes_the_wrong_arguments_is_refused(mywork: Path) -> None:
    done = run_cli("advise", "mywork:two_args_only", cwd=mywork)
    assert done.returncode == 2, done.stderr
    assert ("MODULE:FUNCTION: 'mywork:two_args_only' takes (i), but runexp calls it as "
            "two_args_only(index, args)") in done.stderr
    assert not (mywork / "results").exists()


def _failure(line: int, message: str = "boom") -> Failure:
    return Failure("ValueError", message, (Frame("w.py", line, "work"),))


def test_the_rule_needs_two_models_no_success_and_one_exception() -> None:
    failing = Failing()
    failing.add("sync", Status.ERROR, _failure(3, "boom at 0"))
    failing.add("sync", Status.ERROR, _failure(3, "boom at 1"))
    assert failing.alike() is None  # one model: it may fail only there
    failing.add("asyncio", Status.ERROR, _failure(3, "boom at 2"))  # the message may differ
    assert failing.alike() == _failure(3, "boom at 0")
    failing.add("threads", Status.OK, None)
    assert failing.alike() is None  # a run succeeded

    elsewhere = Failing()
    elsewhere.add("sync", Status.ERROR, _failure(3))
    elsewhere.add("asyncio", Status.ERROR, _failure(4))
    assert elsewhere.alike() is None  # another place in the user's code

    slow = Failing()
    slow.add("sync", Status.TIMEOUT, None)
    slow.add("asyncio", Status.TIMEOUT, None)
    assert slow.alike() is None  # more workers may finish in time


def test_the_reason_says_what_failed() -> None:
    mixed = Failing()
    mixed.add("sync", Status.ERROR, _failure(3))
    mixed.add("asyncio", Status.ERROR, _failure(4))
    mixed.add("threads", Status.TIMEOUT, None)
    assert mixed.reason("function") == (
        "the function failed: no run succeeded: 2 runs raised 2 different exceptions, the "
        "first ValueError: boom at w.py:3 in work, 1 run timed out.")
    cut = Failing()
    cut.add("sync", Status.TIMEOUT, None, cut=True)
    assert cut.reason("workload").startswith(
        "no configuration finished a run before the budget ran out")
    fine = Failing()
    fine.add("sync", Status.OK, None)
    fine.add("threads", Status.ERROR, _failure(3))
    assert fine.reason("function") == ""  # the advice names an answer and says why
