"""Target 4 of issue 7: large grids.

``runexp plan`` on a grid of 100,000 cells must answer in under 2 s with under
500 MB peak memory (the whole command, interpreter start included); writing
runs.csv must cost the same per row at 1,000 rows as at 100,000 (appends, never
a rewrite): the median time per row of the rows around each mark is printed.

    python bench/scale.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, result

from runner.results.rows import RunRecord, Status
from runner.results.rundir import RunsWriter

GRID = ("name: big\nworkloads:\n  - kind: sleep\n    tasks: {tasks}\n    duration_ms: {durations}\n"
        "models: [sync]\n")


def plan_100k(folder: Path) -> tuple[float, float]:
    path = folder / "big.yaml"
    path.write_text(GRID.format(tasks=list(range(1, 101)),
                                durations=[float(d) for d in range(1000)]))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "runner", "plan", str(path)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    assert os.waitstatus_to_exitcode(status) == 0, process.stderr.read()  # type: ignore[union-attr]
    process.stderr.close()  # type: ignore[union-attr]
    return elapsed, usage.ru_maxrss / 1024


def row_costs(folder: Path, rows: int, window: int = 500) -> tuple[float, float]:
    """Median seconds per row of the rows around row 1,000 and of the last ``window`` rows.

    Each row is timed on its own and the median taken: every row is fsynced, and
    a few fsyncs that wait on the shared disk would otherwise decide the ratio.
    """
    record = RunRecord(run_id="r", experiment="e", cell="sleep/sync", workload="sleep",
                       params={"tasks": 1, "duration_ms": 0.0}, model="sync", pool_size=1,
                       repetition=1, status=Status.OK, wall_s=0.001, cpu_s=0.001,
                       max_rss_mb=20.0, tasks=1, throughput_per_s=1000.0, error="",
                       started_at="2026-01-01T00:00:00.000Z", host="h", python="cpython-3.11")
    early = range(1000 - window // 2, 1000 + window // 2)
    late = range(rows - window, rows)
    costs: dict[int, float] = {}
    clock = time.perf_counter
    with RunsWriter(folder, ["tasks", "duration_ms"]) as writer:
        for index in range(rows):
            if index in early or index in late:
                start = clock()
                writer.write(record)
                costs[index] = clock() - start
            else:
                writer.write(record)
    return (statistics.median(costs[i] for i in early),
            statistics.median(costs[i] for i in late))


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        elapsed, peak_mb = plan_100k(Path(folder))
        print(f"runexp plan, 100,000 cells: {elapsed:.2f} s, peak {peak_mb:.0f} MB", flush=True)
        result("4. plan 100,000 cells < 2 s and < 500 MB", f"{elapsed:.2f} s, {peak_mb:.0f} MB",
               elapsed < 2 and peak_mb < 500)
        early, late = row_costs(Path(folder), 100_000)
        print(f"runs.csv: {early * 1e6:.0f} us per row near row 1,000, {late * 1e6:.0f} us per "
              f"row near row 100,000 (medians of 500 rows; each row flushed and fsynced)",
              flush=True)
        result("4. runs.csv cost per row at 100,000 rows / at 1,000 rows (O(1): about 1)",
               f"{late / early:.2f}", late / early < 1.5)


if __name__ == "__main__":
    main()
