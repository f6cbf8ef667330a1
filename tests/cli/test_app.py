"""The command line, run as a user runs it: a real subprocess, real server, real pools."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from runner.report.summary import STAT_COLUMNS
from runner.results.rows import columns
from tests.helpers import ROOT, run_cli

WriteYaml = Callable[..., Path]

TINY = """
    name: tiny
    repetitions: 2
    warmups: 1
    workloads:
      - kind: http
        tasks: 6
        latency_ms: [2, 4]
        size_bytes: 100
      - kind: fib
        tasks: 3
        n: 12
      - kind: sleep
        tasks: 3
        duration_ms: 1
    models: [sync, threads, asyncio, processes]
    pool_sizes: [2]
"""
PARAMS = ["tasks", "latency_ms", "size_bytes", "n", "duration_ms"]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("tiny")
    (folder / "tiny.yaml").write_text(__import__("textwrap").dedent(TINY))
    done = run_cli("tiny.yaml", cwd=folder)  # the default command: runexp FILE
    assert done.returncode == 0, done.stderr
    return folder, done.stdout + done.stderr


def test_a_run_writes_the_five_files(tiny_run: tuple[Path, str]) -> None:
    folder, _ = tiny_run
    latest = folder / "results" / "tiny" / "latest"
    assert latest.is_symlink()
    names = {p.name for p in latest.iterdir()}
    assert {"runs.csv", "summary.csv", "report.md", "metadata.json",
            "experiment.yaml"} <= names
    assert (latest / "experiment.yaml").read_text() == (folder / "tiny.yaml").read_text()


def test_runs_csv_is_tidy(tiny_run: tuple[Path, str]) -> None:
    runs = pd.read_csv(tiny_run[0] / "results/tiny/latest/runs.csv")
    assert list(runs.columns) == columns(PARAMS)
    # 2 http param sets x (sync + 3 pooled) + fib 4 + sleep 4 = 16 cells, 2 reps, no warmups
    assert len(runs) == 16 * 2
    assert not runs.duplicated(["cell", "repetition"]).any()
    assert set(runs["status"]) == {"ok"}
    for column in ["pool_size", "repetition", "tasks"]:
        assert runs[column].dtype == "int64", column
    for column in ["wall_s", "cpu_s", "max_rss_mb", "throughput_per_s", "latency_ms", "n"]:
        assert runs[column].dtype == "float64", column
    assert (runs["wall_s"] > 0).all()
    assert set(runs["python"]) == {runs["python"][0]}
    assert runs["python"][0].startswith("c")
    assert "http[latency_ms=2]/threads/p2" in set(runs["cell"])


def test_summary_csv(tiny_run: tuple[Path, str]) -> None:
    summary = pd.read_csv(tiny_run[0] / "results/tiny/latest/summary.csv")
    assert list(summary.columns) == ["experiment", "cell", "workload", *PARAMS, "model",
                                     "pool_size", *STAT_COLUMNS]
    assert len(summary) == 16
    for column in STAT_COLUMNS:
        assert pd.api.types.is_numeric_dtype(summary[column]), column
    sync = summary[summary["model"] == "sync"]
    assert (sync["speedup_vs_sync"] == 1).all()
    sleep = summary.set_index("cell").loc["sleep/threads/p2"]
    assert sleep["ideal_s"] == pytest.approx(0.002)  # ceil(3 / 2) x 1 ms
    assert sleep["efficiency"] == pytest.approx(sleep["ideal_s"] / sleep["wall_median_s"], rel=1e-5)


def test_report_names_a_winner_per_workload(tiny_run: tuple[Path, str]) -> None:
    report = (tiny_run[0] / "results/tiny/latest/report.md").read_text()
    for heading in ["## http[latency_ms=2]", "## http[latency_ms=4]", "## fib", "## sleep"]:
        assert heading in report
    assert report.count("**Fastest:") == 4
    assert "## Environment" in report


def test_report_command_rebuilds_from_runs_csv(tiny_run: tuple[Path, str]) -> None:
    run_dir = tiny_run[0] / "results/tiny/latest"
    before = (run_dir / "summary.csv").read_text()
    (run_dir / "summary.csv").unlink()
    (run_dir / "report.md").unlink()
    done = run_cli("report", run_dir)
    assert done.returncode == 0, done.stderr
    assert (run_dir / "summary.csv").read_text() == before
    assert (run_dir / "report.md").exists()


def test_only_and_repetitions_and_out(write_yaml: WriteYaml, tmp_path: Path) -> None:
    path = write_yaml(TINY)
    out = tmp_path / "chosen"
    done = run_cli("run", path, "--out", out, "--repetitions", "1", "--only", "model=threads",
                   "--only", "workload=fib")
    assert done.returncode == 0, done.stderr
    runs = pd.read_csv(out / "runs.csv")
    assert list(runs["cell"]) == ["fib/threads/p2"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_failed_runs_are_recorded_and_exit_1(write_yaml: WriteYaml, tmp_path: Path) -> None:
    path = write_yaml(f"""
        name: refused
        repetitions: 2
        workloads:
          - kind: http
            tasks: 2
            urls: ["http://127.0.0.1:{free_port()}/"]
          - kind: sleep
            tasks: 1
            duration_ms: 1
        models: [sync, threads]
        pool_sizes: [2]
    """)
    done = run_cli("run", path, "--out", tmp_path / "out")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    runs = pd.read_csv(tmp_path / "out" / "runs.csv")
    failed = runs[runs["status"] == "error"]
    assert len(failed) == 4
    assert failed["error"].str.contains("ConnectionError").all()
    assert (runs.loc[runs["workload"] == "sleep", "status"] == "ok").all()
    assert "## Failed and skipped runs" in (tmp_path / "out" / "report.md").read_text()


@pytest.mark.parametrize(("body", "line", "fragment"), [
    ("name: x\nworkloads:\n  - kind: fib\n    colour: red\n", 4, "workloads.0.colour: unknown key"),
    ("name: x\nworkloads:\n  - kind: fib\n    n: twenty\n", 4,
     "workloads.0.n: Input should be a valid integer (got 'twenty')"),
    ("name: x\nrepetitions: -3\nworkloads: [{kind: fib}]\n", 2, "repetitions: Input should be"),
    ("name: x\nworkloads: [{kind: fib}]\nmodels: [sync, fibers]\n", 3,
     "models.1: unknown model 'fibers'"),
])
def test_validate_rejects_bad_files(write_yaml: WriteYaml, body: str, line: int,
                                    fragment: str) -> None:
    path = write_yaml(body)
    for command in (["validate"], ["run"], []):
        done = run_cli(*command, path)
        assert done.returncode == 2
        assert f"{path}:{line}:" in done.stderr, done.stderr
        assert fragment in done.stderr, done.stderr
        assert "Traceback" not in done.stderr


def test_validate_accepts_the_examples() -> None:
    root = ROOT
    done = run_cli("validate", *sorted((root / "experiments").glob("*.yaml")))
    assert done.returncode == 0, done.stderr
    assert done.stdout.count(": ok (") == len(list((root / "experiments").glob("*.yaml")))


def test_plan_lists_cells_runs_and_estimate(write_yaml: WriteYaml) -> None:
    done = run_cli("plan", write_yaml(TINY))
    assert done.returncode == 0, done.stderr
    assert "http[latency_ms=4]/asyncio/p2" in done.stdout
    assert "tiny: 16 cells, 32 timed runs (+ 32 warmups), order interleaved" in done.stdout
    assert "estimated time: at least" in done.stdout


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run_cli("run", tmp_path / "missing.yaml").returncode == 2
    assert run_cli("run", "x.yaml", "--repetitions", "0").returncode == 2
    assert run_cli("report", tmp_path).returncode == 2


def test_ctrl_c_keeps_finished_runs_and_exits_130(write_yaml: WriteYaml, tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    path = write_yaml("""
        name: long
        repetitions: 50
        workloads: [{kind: sleep, tasks: 2, duration_ms: 100}]
        models: [sync]
    """)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "runner", "run", str(path), "--out",
                                str(out)], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    runs = out / "runs.csv"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not runs.exists() or
                                           runs.read_text().count("\n") < 3):
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    kept = pd.read_csv(runs)
    assert 2 <= len(kept) < 50
    assert (kept["status"] == "ok").all()
    assert len(pd.read_csv(out / "summary.csv")) == 1
    assert "interrupted" in (out / "report.md").read_text()
