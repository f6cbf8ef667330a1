"""`runexp advise` end to end in real subprocesses: refusals, advice.json, a real search."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import ROOT, run_cli

#: Part of the end-to-end subset CI runs under every Python (.ci/pythons).
pytestmark = pytest.mark.e2e

TINY = """
name: tiny
isolation: inline
workloads:
  - kind: sleep
    tasks: 8
    duration_ms: 10
models: [sync, threads, asyncio]
"""

USERWORK = """
LIMIT = 3

def work(index, args):
    return index * args.get("n", 1)
"""


@pytest.mark.parametrize(("extra", "message"), [
    (["--budget", "0"], "--budget 0: must be more than 0"),
    (["--max-pool", "0"], "--max-pool 0: must be from 1 to 10,000"),
    (["--max-pool", "10001"], "--max-pool 10001"),
    (["--precision", "1.5"], "--precision 1.5: must lie between 0 and 1"),
    (["--tasks", "4"], "--tasks applies only to the MODULE:FUNCTION form"),
    (["--timeout", "0"], "--timeout 0: must be more than 0 seconds"),
])
def test_bad_options_exit_2_before_anything_runs(
        extra: list[str], message: str, write_yaml: Callable[[str], Path],
        tmp_path: Path) -> None:
    path = write_yaml(TINY)
    result = run_cli("advise", path, "--out", tmp_path / "out", *extra, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / "results").exists()


@pytest.mark.parametrize(("target", "extra", "message"), [
    ("userwork:missing", [], "MODULE:FUNCTION: cannot import 'userwork:missing'"),
    ("nosuchmodule:work", [], "cannot import 'nosuchmodule:work': ModuleNotFoundError"),
    ("userwork:LIMIT", [], "'userwork:LIMIT' is a int, not a function"),
    ("userwork:work", ["--args", "[1, 2]"], "--args '[1, 2]': must be a JSON object"),
    ("userwork:work", ["--args", "{n: 1}"], "--args '{n: 1}': not JSON"),
    ("userwork:work", ["--async", "userwork:work"], "--async: 'userwork:work' is not a "
                                                    "coroutine function"),
    ("userwork:work", ["--tasks", "0"], "--tasks 0: must be from 1 to 1,000,000"),
])
def test_the_function_form_is_validated_like_a_file(
        target: str, extra: list[str], message: str, tmp_path: Path) -> None:
    (tmp_path / "userwork.py").write_text(USERWORK, encoding="utf-8")
    result = run_cli("advise", target, *extra, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "results").exists()


def test_a_real_advise_run_answers_and_is_an_ordinary_run_directory(
        write_yaml: Callable[[str], Path], tmp_path: Path) -> None:
    path = write_yaml(TINY)
    out = tmp_path / "out"
    # 8 tasks: a pool larger than 8 is never tried, however large --max-pool is
    result = run_cli("advise", path, "--max-pool", "32", "--budget", "60", "--out", out)
    assert result.returncode == 0, result.stderr
    assert "sync:" in result.stderr and "/60 s" in result.stderr  # one line per configuration
    record = json.loads((out / "advice.json").read_text(encoding="utf-8"))
    check_contract(record)
    (advice,) = record["advice"]
    assert advice["model"] in ("threads", "asyncio")
    assert advice["params"] == {"tasks": 8, "duration_ms": 10}
    assert advice["work"] == "waiting"
    runs = (out / "runs.csv").read_text(encoding="utf-8").splitlines()
    assert len(runs) - 1 == record["runs_used"]
    pools = {int(row["pool_size"]) for row in csv.DictReader(runs)}
    assert max(pools) <= 8
    report = (out / "report.md").read_text(encoding="utf-8")
    assert report.startswith("<!-- runexp advise")
    assert ("No threads or asyncio pool above 8 workers was tried: the extra workers of a "
            "larger one would have nothing to do") in report
    assert "pool sizes 1, 2, 4, ... 32" in report  # the grid it replaced is --max-pool's
    rebuilt = run_cli("report", out)
    assert rebuilt.returncode == 0, rebuilt.stderr
    # the rebuilt reports open with the advice again
    assert (out / "report.md").read_text(encoding="utf-8").startswith("<!-- runexp advise")
    assert "advice" in (out / "report.html").read_text(encoding="utf-8").lower()
    summary = (out / "summary.csv").read_text(encoding="utf-8").splitlines()
    assert len(summary) - 1 == len({line.split(",")[2] for line in runs[1:]})


def check_contract(record: dict[str, object]) -> None:
    """advice.json's fields and their types."""
    assert list(record) == ["experiment", "budget_s", "seconds_used", "runs_used",
                            "budget_exhausted", "advice"]
    assert isinstance(record["experiment"], str)
    assert isinstance(record["budget_s"], float) and isinstance(record["seconds_used"], float)
    assert isinstance(record["runs_used"], int) and isinstance(record["budget_exhausted"], bool)
    assert isinstance(record["advice"], list)
    for advice in record["advice"]:
        assert list(advice) == ["workload", "params", "model", "pool_size", "wall_median_s",
                                "ci95_s", "speedup_vs_sync", "runner_up", "tie", "cpu_share",
                                "work", "reason", "ratio_vs_runner_up", "others_cores", "cell"]
        assert isinstance(advice["params"], dict) and isinstance(advice["model"], str)
        assert isinstance(advice["pool_size"], int)
        assert isinstance(advice["wall_median_s"], float)
        low, high = advice["ci95_s"]
        assert low <= advice["wall_median_s"] <= high or low < high
        assert isinstance(advice["speedup_vs_sync"], float)
        runner_up = advice["runner_up"]
        assert list(runner_up) == ["model", "pool_size", "wall_median_s", "p_value"]
        assert isinstance(runner_up["p_value"], float)
        assert isinstance(advice["tie"], bool) and isinstance(advice["cpu_share"], float)
        assert advice["work"] in ("waiting", "cpu-gil-held", "cpu-gil-released", "mixed", None)
        assert isinstance(advice["reason"], str) and advice["reason"]
        ratio = advice["ratio_vs_runner_up"]
        assert list(ratio) == ["median", "ci95", "pairs", "verdict"]
        assert isinstance(ratio["pairs"], int) and ratio["pairs"] >= 1
        assert ratio["verdict"] in ("faster", "level", "not told apart")
        if advice["tie"]:  # a tie needs its interval, within the precision
            assert ratio["verdict"] == "level" and ratio["ci95"] is not None
        assert advice["others_cores"] is None or advice["others_cores"] >= 0
        assert isinstance(advice["cell"], str) and f"/{advice['model']}" in advice["cell"]


def test_a_tiny_budget_gives_the_best_answer_so_far(
        write_yaml: Callable[[str], Path], tmp_path: Path) -> None:
    path = write_yaml(TINY)
    out = tmp_path / "out"
    result = run_cli("advise", path, "--budget", "0.3", "--out", out)
    assert result.returncode == 0, result.stderr
    record = json.loads((out / "advice.json").read_text(encoding="utf-8"))
    assert record["budget_exhausted"] is True
    assert record["advice"][0]["model"] is not None
    assert "best answer so far" in (out / "report.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_keeps_the_runs_and_writes_the_best_advice_so_far(
        stop: signal.Signals, write_yaml: Callable[[str], Path], tmp_path: Path) -> None:
    path = write_yaml(TINY.replace("duration_ms: 10", "duration_ms: 40"))
    assert "duration_ms: 40" in path.read_text()  # runs long enough to be stopped mid-search
    out = tmp_path / "out"
    process = subprocess.Popen([sys.executable, "-m", "runner", "advise", str(path), "--out",
                                str(out)], stderr=subprocess.PIPE, text=True,
                               stdout=subprocess.DEVNULL, env={"PYTHONPATH": str(ROOT)})
    assert process.stderr is not None
    with process.stderr:
        process.stderr.readline()  # the first configuration was measured
        process.send_signal(stop)
        assert process.wait(timeout=60) == 130
        assert "interrupted: kept" in process.stderr.read()
    record = json.loads((out / "advice.json").read_text(encoding="utf-8"))
    assert record["runs_used"] >= 1 and record["advice"][0]["model"] is not None


def test_the_function_form_runs_the_users_function(tmp_path: Path) -> None:
    (tmp_path / "userwork.py").write_text(USERWORK, encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("advise", "userwork:work", "--tasks", "4", "--args", '{"n": 2}',
                     "--max-pool", "2", "--budget", "20", "--out", out, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    record = json.loads((out / "advice.json").read_text(encoding="utf-8"))
    assert record["experiment"] == "advise-work"
    assert record["advice"][0]["params"] == {"tasks": 4}
    assert "target: userwork:work" in (out / "experiment.yaml").read_text(encoding="utf-8")
