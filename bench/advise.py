"""Issue 15: `runexp advise` against the exhaustive grid it is meant to replace.

For each workload, in one run: the grid (sync, threads, asyncio, processes at pool
sizes 1, 2, 4, ... --max-pool, --repetitions runs a cell) through the real pipeline,
an experiment file in a temporary folder, process isolation; then `runexp advise`
on the same file through ``runner.advise.session.advise`` with the same --max-pool.
Both sides are timed whole (start-up, every run, the reports each writes).

Targets per workload:
- the answer: advise names the grid's best model (lowest median), or a tie with it:
  a configuration whose median is within 10% of the best's. The grid's best is the
  least of 22 five-run medians, so on a flat curve it is the luckiest of them, biased
  low; where advise named another configuration, the two are therefore measured
  again side by side (--referee interleaved rounds, in one run directory of their
  own, timed apart from both sides) and that comparison judges the 10%. The grid's
  own medians are printed as well (where advise chose a pool size the grid lacks,
  the nearer-to-best of the grid's pool sizes either side stands for it);
- the cost: advise's seconds / the grid's seconds <= 1/3.

Workloads: the lesson's two (http x160 at 50 ms from the embedded server, fib x20 with
n such that a sync run lasts about 0.3 s here) and three of our own with known
answers, each sized, like the lesson's fib, so that a sync run lasts 0.2 to 0.3 s
here (an answer that the machine's noise, up to 17% per run, cannot hide): waiting
(sleep: asyncio or threads, a pool as large as the task count), CPU holding the GIL
(four large fib tasks: processes, as many as the cores or the tasks, whichever is
fewer) and CPU releasing it (sha256 of 16 MiB buffers: threads or processes at about
the core count). `--only tiny` adds a fourth of our own, below the size advise is
for: 16 fib(20) tasks, a 20 ms run, where every model is within noise of sync.

    python bench/advise.py [--max-pool 64] [--repetitions 5] [--budget 300]
                           [--referee 10] [--only WORKLOAD ...] [--fib-n 25]
"""

from __future__ import annotations

import argparse
import csv
import statistics
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from common import result

from runner.advise.advice_file import Advice
from runner.advise.rules import doubling
from runner.advise.session import AdviseOptions, advise
from runner.config.loader import load
from runner.execution.pipeline import RunOptions, run
from runner.results.rundir import RUNS

MODELS = ["sync", "threads", "asyncio", "processes"]
TIE = 1.10  # within 10% of the grid's best: a tie
COST_TARGET = 1 / 3


def workloads(fib_n: int) -> dict[str, dict[str, Any]]:
    return {
        "http": {"kind": "http", "tasks": 160, "latency_ms": 50, "size_bytes": 2048},
        "fib": {"kind": "fib", "tasks": 20, "n": fib_n},
        "sleep": {"kind": "sleep", "tasks": 16, "duration_ms": 20},
        "gil": {"kind": "fib", "tasks": 4, "n": fib_n + 3},
        "hash": {"kind": "hash", "tasks": 16, "size_bytes": 16 * 2**20},
    }


#: Run only where named with --only.
EXTRA = {"tiny": {"kind": "fib", "tasks": 16, "n": 20}}


KNOWN = {"http": "waiting: asyncio or threads, large pool",
         "fib": "CPU under the GIL: processes at ~the core count",
         "sleep": "waiting: asyncio or threads, pool = tasks",
         "gil": "CPU under the GIL, 4 tasks: processes at min(cores, 4)",
         "hash": "CPU releasing the GIL: threads or processes at ~the core count",
         "tiny": "tiny CPU work under the GIL: any model, within noise of sync"}


@dataclass(frozen=True)
class Outcome:
    name: str
    grid_s: float
    advise_s: float
    best: tuple[str, int, float]
    advised: tuple[str | None, int | None, float | None]
    judged: str  # how advise's configuration was read in the grid
    side_by_side: float | None  # advise's median / the grid best's, re-measured together
    agrees: bool
    tie: bool


def experiment_text(name: str, workload: dict[str, Any], max_pool: int,
                    repetitions: int) -> str:
    return yaml.safe_dump({
        "name": f"bench-advise-{name}", "description": f"bench/advise.py: {name}",
        "repetitions": repetitions, "isolation": "process",
        "workloads": [workload], "models": MODELS, "pool_sizes": doubling(max_pool)},
        sort_keys=False)


def grid_medians(run_dir: Path) -> dict[tuple[str, int], float]:
    """Median wall of each (model, pool) from runs.csv, ok runs only."""
    walls: dict[tuple[str, int], list[float]] = defaultdict(list)
    with (run_dir / RUNS).open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["status"] == "ok" and row["wall_s"]:
                walls[row["model"], int(row["pool_size"])].append(float(row["wall_s"]))
    return {key: statistics.median(values) for key, values in walls.items()}


def print_failures(run_dir: Path) -> None:
    """Each run of runs.csv that did not end ok, with its error (the folder is temporary)."""
    with (run_dir / RUNS).open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["status"] != "ok":
                print(f"    {row['cell']} #{row['repetition']}: {row['status']}: "
                      f"{row['error']}", flush=True)


def judge(medians: dict[tuple[str, int], float], advice: Advice
          ) -> tuple[float | None, str]:
    """The grid's median standing for advise's configuration, and how it was found."""
    model, pool = advice.model, advice.pool_size
    if model is None or pool is None:
        return None, "advise named nothing"
    if model == "sync":
        pool = next((p for m, p in medians if m == "sync"), pool)
    if (model, pool) in medians:
        return medians[model, pool], f"grid {model}/p{pool}"
    sizes = sorted(p for m, p in medians if m == model)
    below = [p for p in sizes if p < pool]
    above = [p for p in sizes if p > pool]
    sides = [p for p in (below[-1] if below else None, above[0] if above else None)
             if p is not None]
    if not sides:
        return None, f"the grid has no {model} cell"
    chosen = min(sides, key=lambda p: medians[model, p])
    return medians[model, chosen], (f"{model}/p{pool} not in the grid: its neighbour "
                                    f"p{chosen}")


def referee(name: str, workload: dict[str, Any], configs: list[tuple[str, int]],
            rounds: int, root: Path) -> dict[tuple[str, int], float]:
    """Medians of ``configs`` measured together: ``rounds`` interleaved rounds, one run of
    each a round, process isolation, in a run directory of their own."""
    models: dict[str, dict[str, Any]] = {}
    for model, pool in configs:
        if model == "sync":
            models["sync"] = {}
        else:
            models.setdefault(model, {"pool_sizes": []})["pool_sizes"].append(pool)
    path = root / f"{name}-referee.yaml"
    path.write_text(yaml.safe_dump({
        "name": f"bench-advise-{name}-referee", "repetitions": rounds,
        "isolation": "process", "order": "interleaved", "workloads": [workload],
        "models": models}, sort_keys=False), encoding="utf-8")
    outcome = run(path, RunOptions(out=root / f"{name}-referee", results_root=root))
    medians = grid_medians(outcome.run_dir)
    return {key: medians[key[0], 1 if key[0] == "sync" else key[1]] for key in configs
            if (key[0], 1 if key[0] == "sync" else key[1]) in medians}


def one(name: str, workload: dict[str, Any], args: argparse.Namespace, root: Path
        ) -> Outcome:
    path = root / f"{name}.yaml"
    path.write_text(experiment_text(name, workload, args.max_pool, args.repetitions),
                    encoding="utf-8")
    start = time.perf_counter()
    outcome = run(path, RunOptions(out=root / f"{name}-grid", results_root=root))
    grid_s = time.perf_counter() - start
    if outcome.failed:
        print(f"  grid: {outcome.failed} of {outcome.runs} runs failed", flush=True)
        print_failures(outcome.run_dir)
    medians = grid_medians(outcome.run_dir)
    for model in MODELS:
        cells = sorted((p, m) for (mm, p), m in medians.items() if mm == model)
        print(f"  grid {model:<9} " + "  ".join(f"p{p} {m:.4f}" for p, m in cells), flush=True)

    start = time.perf_counter()
    advised = advise(load(path), AdviseOptions(budget_s=args.budget, max_pool=args.max_pool,
                                               out=root / f"{name}-advise",
                                               results_root=root))
    advise_s = time.perf_counter() - start
    if advised.failed:
        print(f"  advise: {advised.failed} of {advised.runs} runs failed", flush=True)
        print_failures(advised.run_dir)
    advice = advised.advice.advice[0]
    estimate = advised.searched[0].grid if advised.searched else None

    (best_model, best_pool), best = min(medians.items(), key=lambda item: item[1])
    standing, judged = judge(medians, advice)
    side_by_side: float | None = None
    if advice.model is None or advice.pool_size is None:
        pass
    elif (advice.model, advice.pool_size) == (best_model, best_pool) or (
            advice.model == best_model == "sync"):
        side_by_side = 1.0
    else:
        ours, theirs = (advice.model, advice.pool_size), (best_model, best_pool)
        again = referee(name, workload, [ours, theirs], args.referee, root)
        if ours not in again or theirs not in again:
            print("  side by side: a configuration had no ok run; judged as differing",
                  flush=True)
        else:
            side_by_side = again[ours] / again[theirs]
            print(f"  side by side, {args.referee} interleaved rounds: advise's "
                  f"{ours[0]}/p{ours[1]} {again[ours]:.4f} s, the grid's best "
                  f"{theirs[0]}/p{theirs[1]} {again[theirs]:.4f} s: {side_by_side:.2f}x",
                  flush=True)
    agrees = side_by_side is not None and side_by_side <= TIE
    ratio = advise_s / grid_s
    print(f"  grid:   best {best_model}/p{best_pool} {best:.4f} s; {outcome.runs} runs in "
          f"{grid_s:.1f} s", flush=True)
    print(f"  advise: {advice.model}/p{advice.pool_size} {advice.wall_median_s or 0:.4f} s"
          f"{' (tie)' if advice.tie else ''}; {advised.runs} runs in {advise_s:.1f} s"
          f"{'; BUDGET EXHAUSTED' if advised.advice.budget_exhausted else ''}"
          f"; work {advice.work}", flush=True)
    searched = advised.searched[0] if advised.searched else None
    if searched is not None:
        steps = ", ".join(f"{t.config} {t.runs}x{t.median or 0:.4f}" for t in searched.trials)
        print(f"  advise's path (runs x median): {steps}", flush=True)
    if estimate is not None:
        print(f"  advise's own estimate of the grid: {estimate.cells} cells, "
              f"{estimate.seconds:.1f} s of measured wall", flush=True)
    shown = f"{standing:.4f} s" if standing is not None else "-"
    print(f"  answer: {'same model' if advice.model == best_model else 'other model'}; "
          f"the grid's own medians: {judged} {shown} = "
          f"{standing / best if standing else 0:.2f}x the grid's best; side by side "
          f"{side_by_side or 0:.2f}x -> {'agrees' if agrees else 'DISAGREES'} (expected: "
          f"{KNOWN[name]})", flush=True)
    print(f"  cost: advise / grid = {advise_s:.1f} / {grid_s:.1f} = {ratio:.3f} "
          f"(target <= {COST_TARGET:.3f})", flush=True)
    result(f"issue 15 {name}: advise names the grid's best model or a tie (10%)",
           f"{advice.model}/p{advice.pool_size} vs {best_model}/p{best_pool}", agrees)
    result(f"issue 15 {name}: advise s / grid s <= 1/3", f"{ratio:.3f}",
           ratio <= COST_TARGET)
    return Outcome(name, grid_s, advise_s, (best_model, best_pool, best),
                   (advice.model, advice.pool_size, advice.wall_median_s), judged,
                   side_by_side, agrees, advice.tie)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-pool", type=int, default=64)
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--budget", type=float, default=300.0,
                        help="advise's --budget per workload (its default)")
    parser.add_argument("--fib-n", type=int, default=25)
    parser.add_argument("--referee", type=int, default=10, metavar="ROUNDS",
                        help="interleaved rounds that judge advise's answer against the "
                             "grid's best where the two differ")
    parser.add_argument("--only", action="append", default=[], metavar="WORKLOAD")
    args = parser.parse_args()
    chosen = {**workloads(args.fib_n), **EXTRA}
    unknown = set(args.only) - set(chosen)
    if unknown:
        parser.error(f"--only: no workload {', '.join(sorted(unknown))} "
                     f"(choose from {', '.join(chosen)})")
    if not args.only:
        args.only = [name for name in chosen if name not in EXTRA]
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="bench-advise-") as folder:
        for name, workload in chosen.items():
            if name not in args.only:
                continue
            print(f"{name}: {workload}, pools {doubling(args.max_pool)}, "
                  f"{args.repetitions} repetitions", flush=True)
            outcomes.append(one(name, workload, args, Path(folder)))
    print(f"\n{'workload':<8} {'grid best':<22} {'advise':<24} {'together':>8} "
          f"{'answer':<9} {'grid s':>7} {'advise s':>8} {'ratio':>6}")
    for o in outcomes:
        best = f"{o.best[0]}/p{o.best[1]} {o.best[2]:.4f}"
        advised = f"{o.advised[0]}/p{o.advised[1]} {o.advised[2] or 0:.4f}" + (
            " tie" if o.tie else "")
        together = f"{o.side_by_side:.2f}x" if o.side_by_side is not None else "-"
        print(f"{o.name:<8} {best:<22} {advised:<24} {together:>8} "
              f"{'agrees' if o.agrees else 'DIFFERS':<9} "
              f"{o.grid_s:7.1f} {o.advise_s:8.1f} {o.advise_s / o.grid_s:6.3f}")


if __name__ == "__main__":
    main()
