"""What runexp itself adds to each run (issue 7, target 3; issue 16).

Inline, a grid of 2,000 cells of ``sleep`` with duration 0 must cost under
2 ms of runner overhead per run (the executor loop's time minus the time the
runs measured: scheduling, records, CSV rows with fsync); with process
isolation, under 150 ms per cell, Python start-up included.

Issue 16: the cost of isolation, a forked run's overhead minus an inline run's,
must be at most one bare ``python -c pass`` measured in the same run of this
script; the fresh-interpreter path (``isolation: spawn``) is measured beside it.

    python bench/fixed_cost.py [--cells 2000] [--isolated-cells 60]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import result

from runner.config.loader import parse
from runner.execution.local import Settings, execute
from runner.execution.pipeline import plan_jobs
from runner.results.rundir import RunsWriter


def overhead_per_run(cells: int, isolation: str) -> tuple[float, float]:
    """(overhead per run, measured seconds per run) of ``cells`` sleep-0 cells, one run each."""
    text = (f"name: cost\nrepetitions: 1\nisolation: {isolation}\n"
            f"workloads: [{{kind: sleep, duration_ms: 0.0, tasks: {list(range(1, cells + 1))}}}]"
            "\nmodels: [sync]\n")
    with tempfile.TemporaryDirectory() as folder:
        experiment = parse(text, Path(folder) / "cost.yaml")
        _, jobs = plan_jobs(experiment, {}, None)
        measured = []
        with RunsWriter(Path(folder), experiment.param_columns()) as writer:
            def sink(record, timings) -> None:  # noqa: ANN001
                writer.write(record, timings)
                if record.status != "ok":  # a failed run measures nothing: no figure
                    raise SystemExit(f"a {isolation} run failed: {record.error}")
                measured.append(record.wall_s or 0.0)

            start = time.perf_counter()
            execute(jobs, Settings("r", "cost", isolation=isolation), sink)
            elapsed = time.perf_counter() - start
    return (elapsed - sum(measured)) / len(jobs), sum(measured) / len(jobs)


def bare_python(times: int) -> float:
    """Seconds of one ``python -c pass``, the mean of ``times``."""
    start = time.perf_counter()
    for _ in range(times):
        subprocess.run([sys.executable, "-c", "pass"], check=True)
    return (time.perf_counter() - start) / times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cells", type=int, default=2000)
    parser.add_argument("--isolated-cells", type=int, default=60)
    args = parser.parse_args()
    inline, _ = overhead_per_run(args.cells, "inline")
    print(f"inline: {args.cells} cells, runner overhead {inline * 1000:.3f} ms per run",
          flush=True)
    result(f"3. inline overhead per run ({args.cells} sleep-0 cells) < 2 ms",
           f"{inline * 1000:.3f} ms", inline < 0.002)
    # Side by side, twice over, so that a burst of load hits both paths alike.
    forked = spawned = bare = 0.0
    for _ in range(2):
        forked += overhead_per_run(args.isolated_cells, "process")[0] / 2
        spawned += overhead_per_run(args.isolated_cells, "spawn")[0] / 2
        bare += bare_python(args.isolated_cells) / 2
    print(f"{args.isolated_cells} cells x 2 each: overhead per run: fork server "
          f"{forked * 1000:.1f} ms, fresh interpreter (spawn) {spawned * 1000:.1f} ms, "
          f"inline {inline * 1000:.2f} ms; bare python -c pass {bare * 1000:.1f} ms", flush=True)
    result("3. process-isolation overhead per cell < 150 ms", f"{forked * 1000:.1f} ms",
           forked < 0.150)
    cost = forked - inline
    result("16. isolation's cost per run (fork server minus inline) <= one python -c pass",
           f"{cost * 1000:.1f} ms vs {bare * 1000:.1f} ms: {cost / bare:.2f}x "
           f"(spawn: {(spawned - inline) / bare:.2f}x)", cost <= bare)


if __name__ == "__main__":
    main()
