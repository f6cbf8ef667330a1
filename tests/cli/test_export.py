"""runexp export: pyperf's own commands read the pyperf suite, JSON round-trips through
json and pandas, and bad input exits 2."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.helpers import ROOT, run_cli

pyperf = pytest.importorskip("pyperf")

EXPERIMENT = """
name: exported
repetitions: 5
isolation: inline
workloads: [{kind: sleep, tasks: 2, duration_ms: 3}]
models: [sync, threads]
pool_sizes: [2]
"""


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("export")
    path = folder / "experiment.yaml"
    path.write_text(EXPERIMENT, encoding="utf-8")
    for name in ("a", "b"):
        assert run_cli("run", path, "--out", folder / name).returncode == 0
    return folder / "a", folder / "b"


def pyperf_command(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pyperf", *map(str, args)],
                          capture_output=True, text=True, timeout=60, check=False)


def test_pyperf_reads_the_suite_and_finds_summary_csvs_medians(
        two_runs: tuple[Path, Path], tmp_path: Path) -> None:
    a, b = two_runs
    for run_dir, name in ((a, "a.json"), (b, "b.json")):
        done = run_cli("export", run_dir, "--format", "pyperf", "-o", tmp_path / name)
        assert done.returncode == 0, done.stderr
    suite = pyperf.BenchmarkSuite.load(str(tmp_path / "a.json"))
    summary = pd.read_csv(a / "summary.csv").set_index("cell")
    assert sorted(suite.get_benchmark_names()) == sorted(summary.index)
    for benchmark in suite.get_benchmarks():
        assert benchmark.get_nrun() == summary.loc[benchmark.get_name(), "runs"]
        assert benchmark.median() == pytest.approx(
            summary.loc[benchmark.get_name(), "wall_median_s"], rel=1e-5)
        assert benchmark.get_metadata()["runexp_experiment"] == "exported"
    for command in (["stats"], ["show"], ["hist"]):
        done = pyperf_command(*command, tmp_path / "a.json")
        assert done.returncode == 0, done.stderr
        assert "sleep/threads/p2" in done.stdout
    stats = pyperf_command("stats", tmp_path / "a.json").stdout
    median = summary.loc["sleep/sync", "wall_median_s"] * 1000
    assert f"{median:.2f} ms (+" in stats or f"{median:.2f} ms (-" in stats  # 50th percentile
    done = pyperf_command("compare_to", tmp_path / "a.json", tmp_path / "b.json")
    assert done.returncode == 0, done.stderr


def test_json_round_trips_through_json_and_pandas(two_runs: tuple[Path, Path]) -> None:
    a, _ = two_runs
    done = run_cli("export", a, "--format", "json", "-o", "-")  # standard output
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["format"] == "runexp" and document["metadata"]["run_id"]
    runs = pd.DataFrame(document["runs"])
    on_disk = pd.read_csv(a / "runs.csv")
    pd.testing.assert_frame_equal(runs[on_disk.columns].fillna(float("nan")),
                                  on_disk, check_dtype=False)
    summary = pd.read_json(io.StringIO(json.dumps(document["summary"])))
    assert summary["wall_median_s"].tolist() == pytest.approx(
        pd.read_csv(a / "summary.csv")["wall_median_s"].tolist())
    assert any(value is None for row in document["runs"] for value in row.values())  # null


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "xml"], "--format xml: expected one of pyperf, json"),
    (["-o", "/nonexistent-folder/x.json"], "the folder /nonexistent-folder does not exist"),
])
def test_bad_options_exit_2(two_runs: tuple[Path, Path], args: list[str],
                            message: str) -> None:
    done = run_cli("export", two_runs[0], *args)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


def test_a_folder_that_is_no_run_directory_exits_2(tmp_path: Path) -> None:
    done = run_cli("export", tmp_path, "--format", "json")
    assert done.returncode == 2
    assert "missing" in done.stderr and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written into it


def test_version_and_completion() -> None:
    import runner

    done = run_cli("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"runexp {runner.__version__}"
    # What the script that --install-completion installs runs on each Tab (typer finds
    # the shell for --install-completion and --show-completion from the process tree).
    completion = subprocess.run(
        [sys.executable, "-m", "runner"], capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT), "_RUNEXP_COMPLETE": "complete_bash",
             "COMP_WORDS": "runexp ex", "COMP_CWORD": "1"}, check=False)
    assert completion.returncode == 0, completion.stderr
    assert completion.stdout.split() == ["export"]


def test_plan_json_has_the_tables_fields(two_runs: tuple[Path, Path]) -> None:
    path = two_runs[0].parent / "experiment.yaml"
    done = run_cli("plan", path, "--json")
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    assert plan["cell_count"] == 2 and plan["timed_runs_min"] == 10
    first = plan["cells"][0]
    assert first["cell"] == "sleep/sync" and first["params"] == {"tasks": 2, "duration_ms": 3}
    assert first["ideal_s"] == pytest.approx(0.006)
