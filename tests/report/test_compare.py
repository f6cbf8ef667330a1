"""compare on synthetic run directories whose differences are known."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from runner.report.compare import FASTER, ONLY_A, ONLY_B, SAME, SLOWER, TOO_FEW, compare_runs
from runner.report.stats import mann_whitney_u
from runner.results.rows import RunRecord, Status
from runner.results.rundir import RunsWriter
from tests.helpers import run_cli


def write_run(run_dir: Path, walls: dict[str, list[float]]) -> Path:
    run_dir.mkdir(parents=True)
    with RunsWriter(run_dir, ["tasks"]) as writer:
        for cell, values in walls.items():
            for repetition, wall in enumerate(values, start=1):
                writer.write(RunRecord(
                    run_id="r", experiment="e", cell=cell, workload=cell.split("/")[0],
                    params={"tasks": 1}, model=cell.split("/")[1], pool_size=1,
                    repetition=repetition, status=Status.OK, wall_s=wall, cpu_s=wall,
                    max_rss_mb=10.0, tasks=1, throughput_per_s=1 / wall, error="",
                    started_at="2026-01-01T00:00:00Z", host="h", python="cpython-3.11.7"))
    return run_dir


STEADY = [1.00, 1.02, 0.99, 1.01, 1.00, 0.98]


@pytest.fixture
def two_runs(tmp_path: Path) -> tuple[Path, Path]:
    a = write_run(tmp_path / "a", {"w/slow": STEADY, "w/same": STEADY, "w/fast": STEADY,
                                   "w/few": [1.0, 1.0, 1.0], "w/gone": STEADY})
    b = write_run(tmp_path / "b", {"w/slow": [1.30, 1.31, 1.29, 1.32, 1.30, 1.28],
                                   "w/same": [1.01, 0.99, 1.00, 1.02, 0.98, 1.00],
                                   "w/fast": [0.50, 0.51, 0.49, 0.50, 0.52, 0.48],
                                   "w/few": [2.0, 2.0, 2.0], "w/new": STEADY})
    return a, b


def test_verdicts(two_runs: tuple[Path, Path]) -> None:
    rows = {row.cell: row for row in compare_runs(*two_runs)}
    assert rows["w/slow"].verdict == SLOWER
    assert rows["w/slow"].ratio == pytest.approx(1.30, abs=0.01)
    assert rows["w/slow"].p_value is not None and rows["w/slow"].p_value < 0.05
    assert rows["w/same"].verdict == SAME
    assert rows["w/fast"].verdict == FASTER
    assert rows["w/few"].verdict == TOO_FEW  # 3 runs a side can never be significant
    assert rows["w/gone"].verdict == ONLY_A
    assert rows["w/new"].verdict == ONLY_B
    assert list(rows) == ["w/slow", "w/same", "w/fast", "w/few", "w/gone", "w/new"]


def test_the_command_and_fail_if_slower(two_runs: tuple[Path, Path], tmp_path: Path) -> None:
    a, b = two_runs
    done = run_cli("compare", a, b, "--csv", tmp_path / "c.csv", "--markdown",
                   tmp_path / "c.md")
    assert done.returncode == 0, done.stderr
    assert "w/slow" in done.stdout and "slower" in done.stdout
    assert "need ≥4 ok runs per side" in done.stdout
    with (tmp_path / "c.csv").open() as file:
        assert {row["cell"]: row["verdict"] for row in csv.DictReader(file)}["w/fast"] == FASTER
    assert "| w/slow |" in (tmp_path / "c.md").read_text()

    failing = run_cli("compare", a, b, "--fail-if-slower", "10")
    assert failing.returncode == 1
    assert "w/slow" in failing.stderr
    assert run_cli("compare", a, b, "--fail-if-slower", "50").returncode == 0  # 30% < 50%
    assert run_cli("compare", b, a, "--fail-if-slower", "10").returncode == 1  # w/fast reversed


def test_missing_run_dir_is_a_usage_error(tmp_path: Path) -> None:
    done = run_cli("compare", tmp_path / "x", tmp_path / "y")
    assert done.returncode == 2
    assert "runs.csv: missing" in done.stderr


def test_mann_whitney_u_exact_and_approximate() -> None:
    u, p = mann_whitney_u([1, 2, 3, 4], [5, 6, 7, 8])
    assert u == 0
    assert p == pytest.approx(2 / 70)  # the most extreme of C(8, 4) orderings, two-sided
    assert mann_whitney_u([1, 2, 3], [4, 5, 6])[1] == pytest.approx(0.1)
    _, p_ties = mann_whitney_u([1, 1, 2, 2, 3], [2, 3, 3, 4, 4, 5])
    assert p_ties == pytest.approx(0.0316, abs=1e-3)  # normal approximation, tie-corrected


HEADER = ("run_id,experiment,cell,workload,tasks,model,pool_size,repetition,status,wall_s,cpu_s,"
          "max_rss_mb,tasks,throughput_per_s,error,started_at,host,python,startup_s")


@pytest.mark.parametrize(("content", "expected"), [
    (b"name,score\nada,3\n", "runs.csv:1: not a runexp runs.csv: expected the columns run_id"),
    (b"run_id,experiment,cell,workload,model,pool_size,repetition,status,wall_s,cpu_s,"
     b"max_rss_mb,tasks,throughput_per_s,error,started_at,host,python\n",
     "runs.csv: a header but no runs"),
    (b"\x7fELF\x02\x01\x01\x00\x00\x00\xd0\xff\n\x00\x00", "runs.csv:1: a NUL byte"),
    (b"\xff\xfe\xd0garbage\n", "runs.csv:1: not UTF-8 text"),
    (b"run_id,experiment,cell,workload,model,pool_size,repetition,status,wall_s,cpu_s,"
     b"max_rss_mb,tasks,throughput_per_s,error,started_at,host,python\n"
     b"r,e,w/sync,w,sync,1,1,ok,slow,0.1,1,1,1,,2026-01-01T00:00:00Z,h,cpython-3.11.7\n",
     "runs.csv:2: wall_s: expected a number or nothing, found 'slow'"),
])
def test_a_folder_whose_runs_csv_is_not_runexps_exits_2(two_runs: tuple[Path, Path],
                                                         tmp_path: Path, content: bytes,
                                                         expected: str) -> None:
    a, _ = two_runs
    other = tmp_path / "other"
    other.mkdir()
    (other / "runs.csv").write_bytes(content)
    done = run_cli("compare", a, other)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().count("\n") == 0  # one line
    assert str(other / "runs.csv") in done.stderr and expected in done.stderr


@pytest.mark.parametrize("option", ["--csv", "--markdown"])
def test_unwritable_output_paths_are_refused_before_any_work(two_runs: tuple[Path, Path],
                                                             tmp_path: Path,
                                                             option: str) -> None:
    a, b = two_runs
    (tmp_path / "file").write_text("x")
    for target, reason in [(tmp_path / "no" / "dir" / "x.csv", "does not exist"),
                           (tmp_path / "file" / "x.csv", "is not a directory"),
                           (tmp_path, "is a directory")]:
        done = run_cli("compare", a, b, option, target)
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr
        assert f"{option} {target}" in done.stderr and reason in done.stderr
        assert done.stdout == ""  # refused before the table, not after
