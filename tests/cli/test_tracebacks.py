"""A run that raises keeps its traceback: errors.jsonl, the end of the run, the report."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from tests.helpers import run_cli

#: Part of the end-to-end subset CI runs under every Python (.ci/pythons).
pytestmark = pytest.mark.e2e

MODULE = '''
def parse(index, args):
    return check(index)


def check(index):
    if index == 1:
        raise ValueError(f"boom at {index}")
    return index


def refuse(args):
    raise PermissionError("the database refused the login")


def fine(index, args):
    return index
'''


@pytest.fixture(scope="module")
def failed_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A run of a function that raises and of one whose setup raises, under every model
    that ships work to other threads or processes."""
    folder = tmp_path_factory.mktemp("failing")
    (folder / "mywork.py").write_text(MODULE, encoding="utf-8")
    (folder / "e.yaml").write_text(textwrap.dedent("""
        name: failing
        repetitions: 2
        workloads:
          - {kind: callable, target: "mywork:parse", tasks: 3}
          - {kind: callable, label: setup, target: "mywork:fine", setup: "mywork:refuse",
             tasks: 2}
        models: [sync, threads, processes]
        pool_sizes: [2]
    """), encoding="utf-8")
    done = run_cli("run", "e.yaml", "--out", "out", cwd=folder)
    assert done.returncode == 1, done.stderr
    return folder / "out", done.stdout


def test_every_failed_run_keeps_its_traceback_in_errors_jsonl(
        failed_run: tuple[Path, str]) -> None:
    out, _ = failed_run
    lines = [json.loads(line) for line in (out / "errors.jsonl").read_text().splitlines()]
    assert len(lines) == 12  # 2 workloads x 3 models x 2 repetitions
    parse = next(line for line in lines if line["cell"] == "callable/processes/p2")
    assert (parse["type"], parse["message"]) == ("ValueError", "boom at 1")
    mywork = str(out.parent / "mywork.py")
    assert [(f["file"], f["line"], f["function"]) for f in parse["frames"]] == [
        (mywork, 3, "parse"), (mywork, 8, "check")]
    assert "Traceback (most recent call last)" in parse["traceback"]
    # the setup's exception, not BrokenProcessPool, from the pool's processes too
    setup = [line for line in lines if line["cell"].startswith("setup/")]
    assert {(s["type"], s["frames"][-1]["line"]) for s in setup} == {("PermissionError", 13)}


def test_the_end_of_the_run_shows_each_failure_once_with_its_place(
        failed_run: tuple[Path, str]) -> None:
    _, stdout = failed_run
    assert stdout.count("ValueError: boom at 1") == 1
    assert "mywork.py:8 in check: raise ValueError(f\"boom at {index}\")" in stdout
    assert "in callable/sync run 1, callable/threads/p2 run 1, callable/processes/p2 run 1" in (
        stdout)
    assert "PermissionError: the database refused the login" in stdout
    assert "mywork.py:13 in refuse" in stdout
    assert "BrokenProcessPool" not in stdout


def test_the_report_shows_and_links_the_tracebacks(failed_run: tuple[Path, str]) -> None:
    out, _ = failed_run
    markdown = (out / "report.md").read_text()
    tracebacks = markdown.split("## Tracebacks", 1)[1]
    assert "[errors.jsonl](errors.jsonl)" in tracebacks
    assert "mywork.py:8 in check" in tracebacks
    assert "mywork.py:8 |" in markdown.split("## Tracebacks", 1)[0]  # the where column
    html = (out / "report.html").read_text()
    assert '<a href="errors.jsonl">errors.jsonl</a>' in html
    assert "<summary>the whole traceback</summary>" in html


def test_report_rebuilds_them_from_the_run_directory(failed_run: tuple[Path, str]) -> None:
    out, _ = failed_run
    done = run_cli("report", out, cwd=out.parent.parent)
    assert done.returncode == 0, done.stderr
    assert "mywork.py:8 in check" in done.stdout
    assert "## Tracebacks" in (out / "report.md").read_text()
