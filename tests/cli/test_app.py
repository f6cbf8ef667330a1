"""The command line, run as a user runs it: a real subprocess, real server, real pools."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from runner.cli.app import app
from runner.cli.conventions import with_default_command
from runner.report.summary import STAT_COLUMNS
from runner.results.rows import columns
from tests.helpers import ROOT, free_port, run_cli
from tests.helpers import TINY as HELPERS_TINY

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


@pytest.mark.e2e
def test_a_run_writes_the_five_files(tiny_run: tuple[Path, str]) -> None:
    folder, _ = tiny_run
    latest = folder / "results" / "tiny" / "latest"
    assert latest.is_symlink()
    names = {p.name for p in latest.iterdir()}
    assert {"runs.csv", "summary.csv", "report.md", "metadata.json",
            "experiment.yaml"} <= names
    assert (latest / "experiment.yaml").read_text() == (folder / "tiny.yaml").read_text()


@pytest.mark.e2e
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


@pytest.mark.e2e
def test_summary_csv(tiny_run: tuple[Path, str]) -> None:
    summary = pd.read_csv(tiny_run[0] / "results/tiny/latest/summary.csv")
    assert list(summary.columns) == ["experiment", "cell", "workload", *PARAMS, "model",
                                     "pool_size", *STAT_COLUMNS]
    assert len(summary) == 16
    for column in STAT_COLUMNS:
        if column != "host":  # the machine's name, text
            assert pd.api.types.is_numeric_dtype(summary[column]), column
    assert set(summary["host"]) == {socket.gethostname()}
    sync = summary[summary["model"] == "sync"]
    assert (sync["speedup_vs_sync"] == 1).all()
    sleep = summary.set_index("cell").loc["sleep/threads/p2"]
    assert sleep["ideal_s"] == pytest.approx(0.002)  # ceil(3 / 2) x 1 ms
    assert sleep["efficiency"] == pytest.approx(sleep["ideal_s"] / sleep["wall_median_s"], rel=1e-5)


def test_report_names_a_winner_per_workload(tiny_run: tuple[Path, str]) -> None:
    report = (tiny_run[0] / "results/tiny/latest/report.md").read_text()
    for heading in ["## http[latency_ms=2]", "## http[latency_ms=4]", "## fib", "## sleep"]:
        assert heading in report
    # each group opens with its leader, crowned only where told apart (with two runs a
    # cell: by a step of 1.5x run for run)
    assert len(re.findall(r"^\*\*(Fastest|Level|Not told apart): ", report, re.M)) == 4
    assert "## Environment" in report


@pytest.mark.e2e
def test_the_start_method_of_process_pools_is_recorded_and_reported(
        tiny_run: tuple[Path, str]) -> None:
    """fork on Linux up to 3.13, forkserver from 3.14: it changes what processes cost."""
    import multiprocessing

    run_dir = tiny_run[0] / "results/tiny/latest"
    default = multiprocessing.get_context().get_start_method()
    metadata = json.loads((run_dir / "metadata.json").read_text())
    assert metadata["environment"]["python"]["start_method"] == default
    assert f"process pools start workers by {default}" in (run_dir / "report.md").read_text()


@pytest.mark.e2e
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


@pytest.mark.e2e
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
    report = (tmp_path / "out" / "report.md").read_text()
    # every http run failed: its own section says so and lists the failures first
    http = report.split("## http", 1)[1].split("\n## ", 1)[0]
    assert "No run succeeded" in http
    assert "ConnectionError" in http


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


@pytest.mark.e2e
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


def test_an_unwritable_results_folder_exits_2(write_yaml: WriteYaml, tmp_path: Path) -> None:
    path = write_yaml("""
        name: nowhere
        workloads: [{kind: sleep, tasks: 1, duration_ms: 1}]
        models: [sync]
    """)
    (tmp_path / "some_file").write_text("x")
    done = run_cli("run", path, "--out", tmp_path / "some_file" / "run", "--inline")
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert f"{tmp_path / 'some_file' / 'run'}: cannot create the run directory" in done.stderr
    (tmp_path / "results").write_text("x")  # the default results folder is a file
    done = run_cli("run", path, "--inline", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "results/nowhere: cannot create the run directory" in done.stderr


def _spoil_copy(source: Path, target: Path) -> Path:
    import shutil

    shutil.copytree(source, target, symlinks=True)
    return target


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else b"<dir>"
            for p in sorted(folder.rglob("*"))}


@pytest.mark.parametrize(("spoil", "expected"), [
    (lambda d: (d / "runs.csv").unlink(), "runs.csv: missing; is this a runexp run directory?"),
    (lambda d: (d / "experiment.yaml").unlink(),
     "experiment.yaml: missing; is this a runexp run directory?"),
    (lambda d: (d / "metadata.json").unlink(),
     "metadata.json: missing; is this a runexp run directory?"),
    (lambda d: (d / "metadata.json").write_text("[1, 2]\n"), "metadata.json: "),
    (lambda d: (d / "runs.csv").write_text("name,score\nada,3\n"),
     "runs.csv:1: not a runexp runs.csv: expected the columns"),
    (lambda d: (d / "runs.csv").write_text((d / "runs.csv").read_text().replace(
        ",model,", ",modell,")), "runs.csv:1: not a runexp runs.csv: missing columns model"),
    (lambda d: (d / "runs.csv").write_text((d / "runs.csv").read_text().splitlines()[0] + "\n"),
     "runs.csv: a header but no runs"),
    (lambda d: (d / "runs.csv").write_bytes(b"\x89PNG\r\n\x1a\n\xd0\xff"),
     "runs.csv:1: not UTF-8 text"),
    (lambda d: (d / "runs.csv").write_text((d / "runs.csv").read_text().replace(",ok,", ",??,",
                                                                                 1)),
     "runs.csv:2: status: expected one of ok, error, timeout, skipped, found '??'"),
])
def test_report_on_what_is_not_a_run_directory_exits_2_and_writes_nothing(
        tiny_run: tuple[Path, str], tmp_path: Path, spoil: Callable[[Path], object],
        expected: str) -> None:
    folder = _spoil_copy((tiny_run[0] / "results/tiny/latest").resolve(), tmp_path / "run")
    for name in ("summary.csv", "report.md", "report.html"):
        (folder / name).unlink()
    spoil(folder)
    before = _snapshot(folder)
    done = run_cli("report", folder)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().count("\n") == 0
    assert str(folder) in done.stderr and expected in done.stderr
    assert _snapshot(folder) == before


def test_report_on_a_file_or_nothing_exits_2(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    for target, reason in [(tmp_path / "file", "not a directory"), (tmp_path / "gone", "missing")]:
        done = run_cli("report", target)
        assert done.returncode == 2
        assert f"{target}: {reason}" in done.stderr and "Traceback" not in done.stderr


def test_validate_says_one_cell_in_the_singular(write_yaml: WriteYaml) -> None:
    path = write_yaml("""
        name: one
        workloads: [{kind: fib, tasks: 1, n: 5}]
        models: [sync]
    """)
    done = run_cli("validate", path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{path}: ok (1 cell)"


def test_an_exclude_that_removes_every_cell_is_refused_by_every_command(
        write_yaml: WriteYaml, tmp_path: Path) -> None:
    path = write_yaml("""
        name: nothing-left
        workloads: [{kind: fib, tasks: 1, n: 5}]
        models: [sync, threads]
        pool_sizes: [2]
        exclude:
          - {model: [sync, threads]}
    """)
    for args in (["validate", path], ["plan", path], ["run", path, "--out", tmp_path / "out"]):
        done = run_cli(*args)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert done.stderr.startswith(f"{path}:5:1: exclude: "), done.stderr
        assert "removes every cell" in done.stderr and "Traceback" not in done.stderr
        assert "ok" not in done.stdout and "0 runs" not in done.stdout
    assert not (tmp_path / "out").exists()


def test_whole_number_parameters_are_written_as_integers(write_yaml: WriteYaml,
                                                         tmp_path: Path) -> None:
    path = write_yaml("""
        name: whole
        repetitions: 1
        workloads:
          - {kind: sleep, tasks: 1, duration_ms: 10}
          - {kind: http, tasks: 1, latency_ms: [1, 1.5], size_bytes: 10}
          - {kind: mixed, tasks: 1, cpu_ms: 1, io_ms: 2}
        models: [sync]
    """)
    done = run_cli("run", path, "--out", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    import csv  # only this test reads runs.csv as raw text

    with (tmp_path / "out" / "runs.csv").open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    written = {column: sorted(row[column] for row in rows if row[column])
               for column in ("duration_ms", "latency_ms", "cpu_ms", "io_ms")}
    assert written == {"duration_ms": ["10"], "latency_ms": ["1", "1.5"], "cpu_ms": ["1"],
                       "io_ms": ["2"]}
    runs = pd.read_csv(tmp_path / "out" / "runs.csv")
    assert all(pd.api.types.is_numeric_dtype(runs[column]) for column in written)


def test_plan_speaks_of_one_cell_in_the_singular(write_yaml: WriteYaml) -> None:
    path = write_yaml("name: one\nrepetitions: 1\nworkloads: [{kind: fib, n: 5}]\n"
                      "models: [sync]\n")
    done = run_cli("plan", path)
    assert done.returncode == 0, done.stderr
    assert "one: 1 cell, 1 timed run, order interleaved" in done.stdout
    assert "1 cell has no estimate" in done.stdout


# --- command-line conventions -------------------------------------------------------

COMMANDS = [command.name or (command.callback.__name__ if command.callback else "")
            for command in app.registered_commands]
#: What typer writes where a name belongs: a required argument in braces, a type.
PLACEHOLDER = re.compile(r"[{}<>]")


def help_of(*args: str) -> str:
    done = CliRunner().invoke(app, [*args, "-h"], prog_name="runexp")
    assert done.exit_code == 0, done.output
    return done.output


def names_in(text: str, section: str) -> list[str]:
    """The left column of a help text's section: ``FILE``, ``--out DIR``..."""
    if f"\n{section}:\n" not in text:
        return []
    body = text.split(f"\n{section}:\n", 1)[1].split("\n\n", 1)[0]
    return [re.split(r"\s{2,}", line.strip())[0] for line in body.splitlines()
            if re.match(r"  \S", line)]


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_every_command_takes_h_and_names_its_arguments_as_users_read_them(
        command: str) -> None:
    words = [command] if command else []
    text = help_of(*words)
    usage = text.splitlines()[0]
    assert usage.startswith(" ".join(["Usage: runexp", *words, "[OPTIONS]"])), usage
    for word in usage.split()[3 + len(words):]:  # FILE, FILE..., RUN_A, COMMAND [ARGS]...
        assert re.fullmatch(r"\[?[A-Z][A-Z_]*\]?(\.\.\.)?", word), usage
    arguments, options = names_in(text, "Arguments"), names_in(text, "Options")
    assert all(re.fullmatch(r"[A-Z][A-Z_]*(\.\.\.)?", name) for name in arguments), text
    assert "-h, --help" in options
    assert not [name for name in [usage, *options] if PLACEHOLDER.search(name)], text


def test_h_reaches_a_command_from_the_command_line() -> None:
    done = run_cli("compare", "-h")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Usage: runexp compare [OPTIONS] RUN_A RUN_B\n")


def test_a_misspelt_command_gets_the_nearest_and_a_file_of_that_name_runs(
        tmp_path: Path) -> None:
    done = run_cli("compre", "a", "b", cwd=tmp_path)
    assert done.returncode == 2
    assert "runexp: error: no such command 'compre'; did you mean 'compare'?\n" in done.stderr
    done = run_cli("bogus", cwd=tmp_path)
    assert done.returncode == 2
    assert "runexp: error: no such command 'bogus', and no file of that name; the " \
           "commands: advise, compare, export" in done.stderr
    (tmp_path / "bogus").write_text(HELPERS_TINY, encoding="utf-8")
    done = run_cli("bogus", "--out", tmp_path / "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "runs.csv").exists()


@pytest.mark.parametrize(("argv", "expected"), [
    ([], []), (["-h"], ["-h"]), (["compare", "a", "b"], ["compare", "a", "b"]),
    (["x.yaml"], ["run", "x.yaml"]), (["X.YML", "--inline"], ["run", "X.YML", "--inline"]),
    (["experiments/x"], ["run", "experiments/x"]),
])
def test_the_default_command_is_run_for_what_looks_like_a_file(argv: list[str],
                                                               expected: list[str]) -> None:
    assert with_default_command(argv, COMMANDS) == expected


def test_validate_json_for_scripts_and_editors(write_yaml: WriteYaml) -> None:
    good = write_yaml("name: one\nworkloads: [{kind: fib, tasks: 1, n: 5}]\nmodels: [sync]\n",
                      "good.yaml")
    bad = write_yaml("name: x\nworkloads:\n  - kind: fib\n    colour: red\n", "bad.yaml")
    done = run_cli("validate", "--json", good)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"files": [{"file": str(good), "ok": True, "cells": 1}]}
    done = run_cli("validate", "--json", good, bad, bad.with_name("gone.yaml"))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    files = json.loads(done.stdout)["files"]
    assert [item["ok"] for item in files] == [True, False, False]
    (problem,) = files[1]["problems"]
    assert {key: problem[key] for key in ("file", "line", "column", "field")} == {
        "file": str(bad), "line": 4, "column": 5, "field": "workloads.0.colour"}
    assert problem["message"].startswith("unknown key 'colour'")
    assert files[2]["problems"][0]["line"] is None


def test_validate_json_imports_no_heavy_library(write_yaml: WriteYaml) -> None:
    import os
    import subprocess
    import sys

    path = write_yaml("name: one\nworkloads: [{kind: fib, tasks: 1, n: 5}]\nmodels: [sync]\n")
    code = ("import sys\nfrom runner.cli import main\n"
            f"sys.argv = ['runexp', 'validate', '--json', {str(path)!r}]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted({'pandas', 'numpy', 'matplotlib'} & set(sys.modules)))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    assert done.stdout.startswith("{") and '"ok": true' in done.stdout, done.stderr
    assert done.stdout.rstrip().splitlines()[-1] == "[]", done.stdout + done.stderr


def test_integer_parameters_stay_integers_in_summary_when_kinds_are_mixed(
        write_yaml: WriteYaml, tmp_path: Path) -> None:
    """fib's n is empty in sleep's rows: still written 12, not 12.0."""
    path = write_yaml("""
        name: mixed-kinds
        repetitions: 1
        isolation: inline
        workloads:
          - {kind: fib, tasks: 2, n: [12, 14]}
          - {kind: sleep, tasks: 2, duration_ms: 1}
        models: [sync]
    """)
    done = run_cli("run", path, "--out", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    import csv

    with (tmp_path / "out" / "summary.csv").open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [(row["n"], row["duration_ms"]) for row in rows] == [("12", ""), ("14", ""),
                                                                ("", "1")]
