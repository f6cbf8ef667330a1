"""compare on synthetic run directories whose differences are known."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest

from runner.report.compare import (
    FAILED,
    FASTER,
    ONLY_A,
    ONLY_B,
    SAME,
    SLOWER,
    TOO_FEW,
    CellComparison,
    compare_runs,
)
from runner.report.gate import Allow, Why, judge
from runner.report.stats import mann_whitney_u
from runner.results.rows import RunRecord, Status
from runner.results.rundir import RunsWriter
from tests.helpers import run_cli


def write_run(run_dir: Path, walls: dict[str, list[float | None]], *, tasks: int = 1,
              experiment: str = "e", others: float | None = None) -> Path:
    """A runs.csv of the given walls per cell ``workload/model``; None: a timed-out run;
    ``others``: the cores other programs kept busy during each run."""
    run_dir.mkdir(parents=True)
    with RunsWriter(run_dir, ["tasks"]) as writer:
        for cell, values in walls.items():
            for repetition, wall in enumerate(values, start=1):
                writer.write(RunRecord(
                    run_id="r", experiment=experiment, cell=cell,
                    workload=cell.split("/")[0], params={"tasks": tasks},
                    model=cell.split("/")[1], pool_size=1, repetition=repetition,
                    status=Status.OK if wall is not None else Status.TIMEOUT, wall_s=wall,
                    cpu_s=wall, max_rss_mb=10.0, tasks=tasks,
                    throughput_per_s=1 / wall if wall else None, error="",
                    started_at="2026-01-01T00:00:00Z", host="h", python="cpython-3.11.7",
                    others_cores=others))
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
    assert rows["w/slow"].q_value is not None and rows["w/slow"].q_value >= rows[
        "w/slow"].p_value  # adjusted for the three cells tested
    low, high = rows["w/slow"].ratio_low, rows["w/slow"].ratio_high
    assert low is not None and high is not None and 1.2 < low < 1.30 < high < 1.4
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
    assert "too few ok runs (3 and 3; a U test needs 4 a side)" in done.stdout
    with (tmp_path / "c.csv").open() as file:
        assert {row["cell"]: row["verdict"] for row in csv.DictReader(file)}["w/fast"] == FASTER
    assert "| w/slow |" in (tmp_path / "c.md").read_text()

    failing = run_cli("compare", a, b, "--fail-if-slower", "10")
    assert failing.returncode == 1
    assert "w/slow: 1.300x slower" in failing.stderr
    # Cells it cannot judge fail the gate, each with its reason, unless let through.
    assert "w/few: cannot be judged: too few ok runs (3 and 3" in failing.stderr
    assert "w/gone: cannot be judged: only in A" in failing.stderr
    assert "w/new: cannot be judged: only in B" in failing.stderr
    assert run_cli("compare", a, b, "--fail-if-slower", "50").returncode == 1  # unjudged
    assert run_cli("compare", a, b, "--fail-if-slower", "50",
                   "--allow-unjudged").returncode == 0  # 30% < 50%
    assert run_cli("compare", b, a, "--fail-if-slower", "10",
                   "--allow-unjudged").returncode == 1  # w/fast reversed

    as_json = run_cli("compare", a, b, "--json")
    assert as_json.returncode == 0, as_json.stderr
    document = json.loads(as_json.stdout)
    assert document["gate"] is None  # no --fail-if-slower, no gate
    rows = {row["cell"]: row for row in document["rows"]}
    assert rows["w/slow"]["verdict"] == SLOWER and rows["w/slow"]["runs_b"] == 6
    assert rows["w/gone"]["median_b_s"] is None
    with (tmp_path / "c.csv").open() as file:
        assert set(next(csv.DictReader(file))) == set(rows["w/slow"])  # the CSV's fields


def test_a_b_whose_runs_all_timed_out_fails_the_gate(tmp_path: Path) -> None:
    a = write_run(tmp_path / "a", {"w/sync": STEADY})
    b = write_run(tmp_path / "b", {"w/sync": [None] * 6})
    rows = compare_runs(a, b)
    assert [row.verdict for row in rows] == [FAILED]
    done = run_cli("compare", a, b, "--fail-if-slower", "5")
    assert done.returncode == 1
    assert "w/sync: cannot be judged: failed runs (6 in B)" in done.stderr


def test_three_runs_a_side_cannot_pass_a_59_percent_slowdown(tmp_path: Path) -> None:
    a = write_run(tmp_path / "a", {"w/sync": [1.0, 1.01, 0.99]})
    b = write_run(tmp_path / "b", {"w/sync": [1.59, 1.6, 1.58]})
    done = run_cli("compare", a, b, "--fail-if-slower", "5")
    assert done.returncode == 1
    assert "too few ok runs (3 and 3" in done.stderr


@pytest.mark.parametrize("allow", [["--allow-unjudged"],
                                   ["--allow-missing-cells", "--allow-too-few-runs"]])
def test_no_allowance_lets_failed_runs_pass(tmp_path: Path, allow: list[str]) -> None:
    """Letting unjudged cells through is for cells added or measured too few times, never
    for a B whose runs all failed, nor for a new cell whose runs all failed."""
    a = write_run(tmp_path / "a", {"w/sync": STEADY})
    b = write_run(tmp_path / "b", {"w/sync": [None] * 6, "w/new": [None] * 4})
    done = run_cli("compare", a, b, "--fail-if-slower", "5", *allow)
    assert done.returncode == 1, done.stderr
    assert "w/sync: cannot be judged: failed runs (6 in B): no ok run in B" in done.stderr
    assert "w/new: cannot be judged: only in B, failed runs (4 in B)" in done.stderr
    assert "failed runs, and ok runs on one side only, always fail the gate" in done.stderr


def test_each_allowance_lets_its_own_kind_through(two_runs: tuple[Path, Path]) -> None:
    a, b = two_runs  # at 50%, only w/few (3 runs a side), w/gone and w/new fail
    missing = run_cli("compare", a, b, "--fail-if-slower", "50", "--allow-missing-cells")
    assert missing.returncode == 1
    assert "w/few: cannot be judged" in missing.stderr and "w/new" not in missing.stderr
    assert "--allow-too-few-runs lets cells with too few ok runs pass" in missing.stderr
    few = run_cli("compare", a, b, "--fail-if-slower", "50", "--allow-too-few-runs")
    assert few.returncode == 1
    assert "w/gone: cannot be judged: only in A" in few.stderr and "w/few" not in few.stderr
    both = run_cli("compare", a, b, "--fail-if-slower", "50", "--allow-missing-cells",
                   "--allow-too-few-runs")
    assert both.returncode == 0, both.stderr
    assert "the gate passes, letting through 3 cells that cannot be judged" in both.stderr


def rows_of(**cells: tuple[str, int, int, int, int]) -> list[CellComparison]:
    """Comparison rows: per cell its verdict, ok runs A and B, failed runs A and B."""
    return [CellComparison(cell, ok_a, ok_b, failed_a, failed_b, None, None, 1.3, None,
                           None, None, 0.01, verdict)
            for cell, (verdict, ok_a, ok_b, failed_a, failed_b) in cells.items()]


def test_the_gate_sorts_cells_by_why_and_what_may_pass() -> None:
    rows = rows_of(slow=(SLOWER, 6, 6, 0, 0), same=(SAME, 6, 6, 0, 0),
                   few=(TOO_FEW, 3, 3, 0, 0), skipped=(TOO_FEW, 0, 0, 0, 0),
                   one_sided=(TOO_FEW, 6, 0, 0, 0), broke=(FAILED, 5, 6, 1, 0),
                   new=(ONLY_B, 0, 6, 0, 0), new_broke=(ONLY_B, 0, 0, 0, 3))
    why = {cell.cell: cell.why for cell in judge(rows, 10).failed}
    assert why == {"slow": Why.SLOWER, "few": Why.TOO_FEW_RUNS, "skipped": Why.TOO_FEW_RUNS,
                   "one_sided": Why.NO_OK_RUN, "broke": Why.FAILED_RUNS,
                   "new": Why.MISSING, "new_broke": Why.FAILED_RUNS}
    assert "slow" not in {cell.cell for cell in judge(rows, 40).failed}  # 1.3x < 1.4x
    everything = judge(rows, 10, Allow(missing_cells=True, too_few_runs=True))
    assert [cell.cell for cell in everything.failed] == ["slow", "one_sided", "broke",
                                                          "new_broke"]
    assert [cell.cell for cell in everything.let_through] == ["few", "skipped", "new"]
    assert not everything.passed


def test_json_carries_the_gates_outcome(two_runs: tuple[Path, Path]) -> None:
    a, b = two_runs
    done = run_cli("compare", a, b, "--json", "--fail-if-slower", "10",
                   "--allow-too-few-runs")
    assert done.returncode == 1
    document = json.loads(done.stdout)
    assert set(document) == {"a", "b", "alpha", "rows", "warnings", "gate"}
    gate = document["gate"]
    assert gate["threshold"] == 10 and gate["passed"] is False
    assert gate["allow"] == {"missing_cells": False, "too_few_runs": True}
    failed = {cell["cell"]: cell for cell in gate["failed"]}
    assert list(failed) == ["w/slow", "w/gone", "w/new"]
    assert failed["w/slow"]["why"] == "slower"
    assert failed["w/slow"]["ratio"] == pytest.approx(1.30, abs=0.01)
    assert failed["w/slow"]["q_value"] < 0.05 and failed["w/slow"]["load_differs"] is False
    assert failed["w/new"]["why"] == "missing cell" and failed["w/new"]["reason"] == ONLY_B
    assert [cell["cell"] for cell in gate["let_through"]] == ["w/few"]
    assert gate["let_through"][0]["reason"].startswith("too few ok runs (3 and 3")
    passing = json.loads(run_cli("compare", a, b, "--json", "--fail-if-slower", "50",
                                 "--allow-unjudged").stdout)
    assert passing["gate"]["passed"] is True and passing["gate"]["failed"] == []


def test_a_slowdown_beside_a_busier_machine_says_so(tmp_path: Path) -> None:
    """A quiet baseline against a candidate measured beside a core of other work: the
    gate still fails (it cannot know), but every place that names the cell says the
    load differed."""
    a = write_run(tmp_path / "a", {"w/sync": STEADY}, others=0.0)
    b = write_run(tmp_path / "b", {"w/sync": [wall * 1.85 for wall in STEADY]}, others=1.0)
    done = run_cli("compare", a, b, "--fail-if-slower", "5")
    assert done.returncode == 1
    assert "slower (B ran beside 1.0 more busy core)" in done.stdout
    assert "w/sync: 1.850x slower (q " in done.stderr
    assert "); B ran beside 1.0 more busy core" in done.stderr
    assert "1 of these cells ran under different load in A and B" in done.stderr
    gate = json.loads(run_cli("compare", a, b, "--fail-if-slower", "5", "--json").stdout)[
        "gate"]
    assert gate["failed"][0]["load_differs"] is True
    assert (gate["failed"][0]["others_cores_a"], gate["failed"][0]["others_cores_b"]) == (
        0.0, 1.0)
    quieter = run_cli("compare", b, a)  # B quieter than A: said the other way round
    assert "faster (B ran beside 1.0 fewer busy core)" in quieter.stdout


def test_cells_with_other_single_valued_parameters_are_other_work(tmp_path: Path) -> None:
    a = write_run(tmp_path / "a", {"w/sync": STEADY}, tasks=160)
    b = write_run(tmp_path / "b", {"w/sync": STEADY}, tasks=80)
    done = run_cli("compare", a, b)
    assert done.returncode == 2
    assert "measured no cell alike: tasks [160] in A, [80] in B" in done.stderr
    c = write_run(tmp_path / "c", {"w/sync": STEADY}, experiment="other")
    done = run_cli("compare", a, c)
    assert done.returncode == 2
    assert "is experiment 'e'" in done.stderr and "'other'" in done.stderr


def test_an_aa_comparison_of_25_cells_flags_no_more_than_the_stated_rate(
        tmp_path: Path) -> None:
    """Both runs draw every cell's walls from one distribution: whatever compare calls
    slower or faster is a false call. With q-values, trials with any call stay near
    alpha (5%); per-cell p-values below 5% call some cell in most trials."""
    rng = random.Random(3)
    trials, flagged, raw = 30, 0, 0
    for trial in range(trials):
        def draw() -> dict[str, list[float | None]]:
            return {f"w{cell}/sync": [rng.lognormvariate(0, 0.05) for _ in range(6)]
                    for cell in range(25)}

        rows = compare_runs(write_run(tmp_path / f"a{trial}", draw()),
                            write_run(tmp_path / f"b{trial}", draw()))
        flagged += any(row.verdict in (SLOWER, FASTER) for row in rows)
        raw += any(row.p_value is not None and row.p_value < 0.05 for row in rows)
    assert raw / trials > 0.3  # 1 - (1 - 0.041)**25 = 0.65 expected, exact p at 6 a side
    assert flagged / trials <= 0.1


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


AA = """
name: aa
repetitions: 6
isolation: inline
workloads: [{kind: sleep, tasks: 2, duration_ms: 20}]
models: [sync, threads, asyncio]
pool_sizes: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
exclude: [{model: asyncio, pool_size: 11}]
"""


def test_two_real_runs_of_the_same_work_pass_the_gate(tmp_path: Path) -> None:
    """An A/A comparison of 22 cells measured twice, one after the other, passes a 10% gate
    with every cell judged.

    The rate of false calls is tested above, where the two runs' values come from one
    distribution. Two real runs are not that: on a shared machine the load during run B
    is not the load during run A, and 20 ms cells then differ by a few per cent for real;
    q-values may call that (and should), which is why the gate's threshold carries CI."""
    path = tmp_path / "aa.yaml"
    path.write_text(AA, encoding="utf-8")
    for name in ("a", "b"):
        assert run_cli("run", path, "--out", tmp_path / name).returncode == 0
    gate = run_cli("compare", tmp_path / "a", tmp_path / "b", "--fail-if-slower", "10",
                   "--json")
    assert gate.returncode == 0, gate.stdout + gate.stderr
    document = json.loads(gate.stdout)
    rows = document["rows"]
    assert len(rows) == 22 and all(row["q_value"] is not None for row in rows)
    assert document["gate"]["passed"] and document["gate"]["failed"] == []
