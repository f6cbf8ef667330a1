"""A disk that fills mid-run: a clear message and exit 1, every finished row kept, and
--resume completes the grid with no row lost or duplicated, tasks.csv included.

A real file-size limit (RLIMIT_FSIZE, as ``ulimit -f`` sets) on a real subprocess
makes the writes fail with EFBIG where and when a full disk would fail them.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from tests.helpers import ROOT, run_cli

WriteYaml = Callable[..., Path]
GOOD = ROOT / "tests" / "bad_rundirs" / "good"

#: 8 runs of 20 tasks each: tasks.csv gains about 1.3 kB a run, runs.csv 0.2 kB.
GRID = """
    name: full
    repetitions: 4
    isolation: inline
    workloads: [{kind: sleep, tasks: 20, duration_ms: 1, record_tasks: true}]
    models: [sync, threads]
    pool_sizes: [2]
"""


def run_limited(limit_bytes: int, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """``python -m runner ARGS`` unable to write a file past ``limit_bytes``."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-m", "runner", *map(str, args)],
                          capture_output=True, text=True, timeout=120, env=env,
                          preexec_fn=limit, check=False)


def test_a_file_size_limit_mid_run_stops_and_resume_completes_the_grid(
        write_yaml: WriteYaml, tmp_path: Path) -> None:
    path = write_yaml(GRID)
    out = tmp_path / "run"
    done = run_limited(4096, "run", path, "--out", out)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert f"{out}/tasks.csv: cannot write (File too large)" in done.stderr
    assert f"--resume {out}" in done.stderr
    kept = pd.read_csv(out / "runs.csv")  # whole rows only: no torn line is left behind
    tasks = pd.read_csv(out / "tasks.csv")
    assert 1 <= len(kept) < 8
    assert len(tasks) == 20 * len(kept)  # the run in flight wrote no half of its tasks
    before = (out / "runs.csv").read_text()

    done = run_cli("run", path, "--resume", out)
    assert done.returncode == 0, done.stderr
    assert (out / "runs.csv").read_text().startswith(before)
    runs = pd.read_csv(out / "runs.csv")
    tasks = pd.read_csv(out / "tasks.csv")
    assert len(runs) == 8 and not runs.duplicated(["cell", "repetition"]).any()
    assert len(tasks) == 160 and not tasks.duplicated(["cell", "repetition", "task"]).any()
    per_run = tasks.groupby(["cell", "repetition"]).size()
    assert len(per_run) == 8 and (per_run == 20).all()
    assert len(pd.read_csv(out / "summary.csv")) == 2


def test_a_report_that_cannot_be_written_exits_1_with_the_file_and_reason(
        tmp_path: Path) -> None:
    folder = shutil.copytree(GOOD, tmp_path / "run")
    (folder / "summary.csv").unlink()
    done = run_limited(300, "report", folder)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.strip() == (f"runexp: error: {folder}/summary.csv: cannot write "
                                   "(File too large)")
    assert pd.read_csv(folder / "runs.csv").shape[0] == 4  # what was there is untouched


def test_a_run_whose_first_files_cannot_be_written_says_so(write_yaml: WriteYaml,
                                                            tmp_path: Path) -> None:
    path = write_yaml(GRID)
    done = run_limited(1000, "run", path, "--out", tmp_path / "run")  # metadata.json: ~2 kB
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert f"{tmp_path / 'run'}/metadata.json: cannot write (File too large)" in done.stderr
