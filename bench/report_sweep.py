"""How long ``runexp report`` takes on a large sweep, beside a one-set run (issue 27).

Two run directories are made up, without running any workload: a sweep of sleep
over tasks [2, 4, 8, ..., 32] x duration_ms [1, 2, 4, ..., 128] (40 parameter
sets) and one parameter set of it (tasks 8, duration_ms 16), each under sync,
threads (pools 4 and 16), asyncio (pool 16) and processes (pool 2): 200 cells
and 5 cells, ``--repetitions`` timed runs each. Their runs.csv rows are written
with ``RunsWriter`` from a model of what each would measure (waiting work in
rounds of the pool, processes paying a start-up) with seeded noise, beside an
experiment.yaml and a metadata.json as a real run writes them. Then ``runexp
report`` runs on each, in a fresh interpreter, the one that goes first turning each
round; the medians, the ratio sweep / one set, and report.html's size are printed.
``--before SRC`` times the sweep's report by another source tree too (an earlier
commit's), in the same rounds.

    python bench/report_sweep.py [--rounds 5] [--repetitions 5] [--keep DIR] [--before SRC]
"""

from __future__ import annotations

import argparse
import math
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from common import ROOT

from runner.config.loader import parse
from runner.execution.environment import environment
from runner.plan.grid import Cell, expand
from runner.results.metadata import OptionsRecord, RunMetadata, write_metadata
from runner.results.rows import RunRecord, Status
from runner.results.rundir import INPUT, METADATA, RunsWriter

MODELS = """models:
  sync: {}
  threads: {pool_sizes: [4, 16]}
  asyncio: {pool_sizes: [16]}
  processes: {pool_sizes: [2]}
"""
SWEEP = f"""name: sweep
description: sleep over task counts and durations (made up by bench/report_sweep.py)
repetitions: {{repetitions}}
workloads:
  - kind: sleep
    tasks: [2, 4, 8, 16, 32]
    duration_ms: [1, 2, 4, 8, 16, 32, 64, 128]
{MODELS}"""
ONE_SET = f"""name: one-set
description: one parameter set of the sweep (made up by bench/report_sweep.py)
repetitions: {{repetitions}}
workloads:
  - kind: sleep
    tasks: 8
    duration_ms: 16
{MODELS}"""
#: What a run costs beyond its waits, in seconds: a pool's start-up and each task's.
START = {"sync": 0.0, "threads": 0.0004, "asyncio": 0.0006, "processes": 0.035}
PER_TASK = {"sync": 0.00005, "threads": 0.0001, "asyncio": 0.00003, "processes": 0.0004}
#: The spread of made-up runs (log-normal sigma): a quiet machine's.
NOISE = 0.03


def modelled_wall(cell: Cell, rng: random.Random) -> float:
    """What a run of ``cell`` would take: its waits in rounds of the pool, plus costs."""
    tasks, duration = int(cell.params["tasks"]), float(cell.params["duration_ms"]) / 1000
    rounds = tasks if cell.model == "sync" else math.ceil(tasks / cell.pool_size)
    wall = rounds * duration + START[cell.model] + tasks * PER_TASK[cell.model]
    return wall * rng.lognormvariate(0, NOISE)


def make_run(folder: Path, text: str, repetitions: int, seed: int) -> Path:
    """A run directory of ``text``'s grid with made-up rows, as ``runexp run`` leaves it."""
    folder.mkdir(parents=True)
    path = folder / INPUT
    path.write_text(text)
    experiment = parse(text, path)
    cells = expand(experiment)
    rng = random.Random(seed)
    write_metadata(folder / METADATA, RunMetadata(
        run_id="bench", started_at="2026-12-07T00:00:00Z", ended_at="2026-12-07T00:10:00Z",
        command=f"runexp run {experiment.name}.yaml", experiment_file=f"{experiment.name}.yaml",
        experiment=experiment.model_dump(mode="json", by_alias=True), options=OptionsRecord(),
        seed=None, cells=len(cells), planned_runs=len(cells) * repetitions,
        load_average_at_start=None, environment=environment(ROOT)))  # no busy warning
    with RunsWriter(folder, experiment.param_columns()) as writer:
        for repetition in range(1, repetitions + 1):
            for cell in cells:  # interleaved, as runexp orders them
                wall = modelled_wall(cell, rng)
                tasks = int(cell.params["tasks"])
                writer.write(RunRecord(
                    run_id="bench", experiment=experiment.name, cell=cell.id,
                    workload=cell.workload.name, params=cell.params, model=cell.model,
                    pool_size=cell.pool_size, repetition=repetition, status=Status.OK,
                    wall_s=wall, cpu_s=wall * 0.05, max_rss_mb=40.0, tasks=tasks,
                    throughput_per_s=tasks / wall, error="",
                    started_at="2026-12-07T00:00:00Z", host="bench", python="cpython-3.11.7",
                    startup_s=START[cell.model], others_cores=0.0))
    return folder


def report_seconds(run_dir: Path, source: Path = ROOT) -> float:
    """Wall seconds of one ``runexp report RUN_DIR`` in a fresh interpreter, run by the
    runexp whose source tree is ``source`` (this one by default)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "runner", "report", str(run_dir)], cwd=source,
                   check=True, capture_output=True)
    return time.perf_counter() - start


def rotated(timers: list[Callable[[], float]], rounds: int) -> list[list[float]]:
    """``rounds`` values of each timer, the one that goes first turning each round."""
    values: list[list[float]] = [[] for _ in timers]
    for index in range(rounds):
        for turn in range(len(timers)):
            which = (index + turn) % len(timers)
            values[which].append(timers[which]())
    return values


def line(label: str, values: list[float], run_dir: Path) -> str:
    size = (run_dir / "report.html").stat().st_size
    return (f"  {label}: median {statistics.median(values):.2f} s (min {min(values):.2f}, "
            f"max {max(values):.2f}); report.html {size / 1e6:.2f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="make the run directories here and keep them")
    parser.add_argument("--before", type=Path, help="also time the sweep's report by the runexp "
                        "of this source tree (e.g. `git archive` of an earlier commit, "
                        "unpacked), on a copy of the run directory")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        base = args.keep or Path(scratch)
        sweep = make_run(base / "sweep", SWEEP.replace("{repetitions}", str(args.repetitions)),
                         args.repetitions, seed=27)
        one = make_run(base / "one-set", ONE_SET.replace("{repetitions}", str(args.repetitions)),
                       args.repetitions, seed=27)
        timers = [lambda: report_seconds(sweep), lambda: report_seconds(one)]
        if args.before:
            old = base / "sweep-before"
            shutil.copytree(sweep, old)
            timers.append(lambda: report_seconds(old, args.before.resolve()))
        for timer in timers:  # once each first: caches warm, files in place
            timer()
        values = rotated(timers, args.rounds)
        swept, single = values[0], values[1]
        ratios = [a / b for a, b in zip(swept, single, strict=True)]
        print(f"runexp report, {args.rounds} rounds (order turning), {args.repetitions} runs "
              "a cell")
        print(line("40 sets, 200 cells", swept, sweep))
        print(line("1 set, 5 cells    ", single, one))
        print(f"  ratio sweep / one set: median of rounds {statistics.median(ratios):.2f} "
              f"(rounds {', '.join(f'{r:.2f}' for r in ratios)})")
        if args.before:
            print(line(f"40 sets by {args.before}", values[2], old))
            gains = [b / a for a, b in zip(swept, values[2], strict=True)]
            print(f"  ratio before / now, the sweep: median of rounds "
                  f"{statistics.median(gains):.2f} (rounds {', '.join(f'{g:.2f}' for g in gains)})")


if __name__ == "__main__":
    main()
