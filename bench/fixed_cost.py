"""Target 3 of issue 7: what runexp itself adds to each run.

Inline, a grid of 2,000 cells of ``sleep`` with duration 0 must cost under
2 ms of runner overhead per run (the executor loop's time minus the time the
runs measured: scheduling, records, CSV rows with fsync); with process
isolation, under 150 ms per cell, Python start-up included.

    python bench/fixed_cost.py [--cells 2000] [--isolated-cells 60]
"""

from __future__ import annotations

import argparse
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
                measured.append(record.wall_s or 0.0)

            start = time.perf_counter()
            execute(jobs, Settings("r", "cost", isolation=isolation), sink)
            elapsed = time.perf_counter() - start
    return (elapsed - sum(measured)) / len(jobs), sum(measured) / len(jobs)


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
    isolated, _ = overhead_per_run(args.isolated_cells, "process")
    print(f"process isolation: {args.isolated_cells} cells, overhead {isolated * 1000:.1f} ms "
          "per cell (a fresh interpreter each)", flush=True)
    result("3. process-isolation overhead per cell < 150 ms", f"{isolated * 1000:.1f} ms",
           isolated < 0.150)


if __name__ == "__main__":
    main()
