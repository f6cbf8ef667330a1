"""Nothing lost: SIGKILL then --resume, SIGTERM, --fail-fast, and refusing a changed grid."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from tests.helpers import ROOT, free_port, run_cli

#: Part of the end-to-end subset CI runs under every Python (.ci/pythons).
pytestmark = pytest.mark.e2e

WriteYaml = Callable[..., Path]

LONG = """
    name: long
    repetitions: 6
    workloads: [{kind: sleep, tasks: 2, duration_ms: [40, 60]}]
    models: [sync, threads]
    pool_sizes: [2]
"""
CELLS = 4


def start(*args: str | Path, tmpdir: Path) -> subprocess.Popen[str]:
    """The CLI in the background; a runner killed outright cannot remove the temporary
    folder of its run in flight, so that folder goes under the test's own."""
    tmpdir.mkdir(exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmpdir)}
    return subprocess.Popen([sys.executable, "-m", "runner", *map(str, args)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_rows(path: Path, rows: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().count("\n") > rows:
            return
        time.sleep(0.02)
    raise AssertionError(f"{path} never reached {rows} rows")


def test_sigkill_then_resume_gives_exactly_one_row_per_cell_and_repetition(
        write_yaml: WriteYaml, tmp_path: Path) -> None:
    path = write_yaml(LONG)
    out = tmp_path / "run"
    process = start("run", path, "--out", out, tmpdir=tmp_path / "tmp")
    wait_for_rows(out / "runs.csv", 5)
    process.kill()  # SIGKILL: no handler runs, no summary is written
    process.communicate(timeout=30)
    before = (out / "runs.csv").read_text()
    complete = before[: before.rfind("\n") + 1]
    assert not (out / "summary.csv").exists()

    done = run_cli("run", path, "--resume", out)
    assert done.returncode == 0, done.stderr
    after = (out / "runs.csv").read_text()
    assert after.startswith(complete)  # the earlier rows, byte for byte
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == CELLS * 6
    assert not runs.duplicated(["cell", "repetition"]).any()
    assert (runs["status"] == "ok").all()
    assert runs["run_id"].nunique() == 1
    assert len(pd.read_csv(out / "summary.csv")) == CELLS

    again = run_cli("run", path, "--resume", out)  # nothing left to do
    assert again.returncode == 0, again.stderr
    assert (out / "runs.csv").read_text() == after


def test_resume_refuses_a_changed_grid_but_not_a_changed_description(
        write_yaml: WriteYaml, tmp_path: Path) -> None:
    path = write_yaml(LONG.replace("repetitions: 6", "repetitions: 1"))
    out = tmp_path / "run"
    assert run_cli("run", path, "--out", out).returncode == 0
    write_yaml(LONG.replace("repetitions: 6", "repetitions: 2")
               .replace("name: long", "name: long\n    description: more"))
    done = run_cli("run", path, "--resume", out)
    assert done.returncode == 0, done.stderr
    assert len(pd.read_csv(out / "runs.csv")) == CELLS * 2

    for changed in (LONG.replace("pool_sizes: [2]", "pool_sizes: [2, 3]"),
                    LONG.replace("tasks: 2", "tasks: 3")):
        write_yaml(changed)
        refused = run_cli("run", path, "--resume", out)
        assert refused.returncode == 2
        assert "alters the grid" in refused.stderr
        assert "Traceback" not in refused.stderr
    assert len(pd.read_csv(out / "runs.csv")) == CELLS * 2


def test_sigterm_stops_cleanly_with_130(write_yaml: WriteYaml, tmp_path: Path) -> None:
    path = write_yaml(LONG.replace("repetitions: 6", "repetitions: 50"))
    out = tmp_path / "run"
    process = start("run", path, "--out", out, tmpdir=tmp_path / "tmp")
    wait_for_rows(out / "runs.csv", 3)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    kept = pd.read_csv(out / "runs.csv")
    assert 3 <= len(kept) < CELLS * 50
    assert (out / "summary.csv").exists()
    assert "interrupted" in (out / "report.md").read_text()


def test_fail_fast_stops_at_the_first_failure(write_yaml: WriteYaml, tmp_path: Path) -> None:
    port = free_port()
    path = write_yaml(f"""
        name: failing
        repetitions: 3
        order: sequential
        workloads:
          - kind: sleep
            tasks: 1
            duration_ms: 1
          - kind: http
            tasks: 2
            urls: ["http://127.0.0.1:{port}/"]
        models: [sync]
    """)
    done = run_cli("run", path, "--out", tmp_path / "ff", "--fail-fast")
    assert done.returncode == 1
    assert done.stderr.count("stopped at the first failed run (--fail-fast)") == 1  # once
    runs = pd.read_csv(tmp_path / "ff" / "runs.csv")
    assert list(runs["status"]) == ["ok", "ok", "ok", "error"]
    assert "stopped at the first failed run" in (tmp_path / "ff" / "report.md").read_text()

    done = run_cli("run", path, "--out", tmp_path / "all")
    assert done.returncode == 1
    assert "6 runs, 3 failed" in done.stdout


def test_a_run_of_an_older_runexp_reads_resumes_and_reports(write_yaml: WriteYaml,
                                                            tmp_path: Path) -> None:
    """A runs.csv from before startup_s and others_cores: --resume appends rows of its
    own columns (not a longer row under a shorter header), and the report and summary
    leave the newer columns empty."""
    path = write_yaml(LONG.replace("repetitions: 6", "repetitions: 2")
                      .replace("duration_ms: [40, 60]", "duration_ms: [5, 10]"))
    out = tmp_path / "run"
    assert run_cli("run", path, "--out", out).returncode == 0
    lines = (out / "runs.csv").read_text().splitlines()
    assert lines[0].endswith(",python,startup_s,others_cores")
    # as an older runexp wrote it, killed before its last run: two columns fewer, one row
    older = [line.rsplit(",", 2)[0] for line in lines[:-1]]
    (out / "runs.csv").write_text("\n".join(older) + "\n")

    done = run_cli("run", path, "--resume", out)
    assert done.returncode == 0, done.stderr
    text = (out / "runs.csv").read_text()
    assert text.startswith("\n".join(older) + "\n")  # the earlier rows, byte for byte
    runs = pd.read_csv(out / "runs.csv")
    assert list(runs.columns) == older[0].split(",")
    assert len(runs) == CELLS * 2 and (runs["status"] == "ok").all()
    summary = pd.read_csv(out / "summary.csv")
    assert summary["others_cores_median"].isna().all()
    assert summary["others_cores_median"].dtype == "float64"
    assert "others_cores" not in (out / "report.md").read_text()  # no load to speak of
    assert run_cli("report", out).returncode == 0
