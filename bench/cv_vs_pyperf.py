"""Noise of runexp's repetitions versus pyperf's values, for the same function.

Both time one run of the sync model over fib tasks (``SyncModel.run`` of a
``FibTask``): runexp as a one-cell experiment with process isolation, pyperf
with ``bench_func`` and its default worker processes. Rounds alternate which
tool goes first so slow drift of a shared machine hits both alike; the
coefficients of variation are printed per round and pooled over all rounds,
with a bootstrap 95% interval of the pooled ratio (runexp's CV / pyperf's):
where it holds 1, this run cannot tell the two tools' noise apart.

    python bench/cv_vs_pyperf.py [--rounds 4] [--tasks 20] [--n 25] [--repetitions 60]

Needs pyperf: pip install -e '.[bench]'.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def runexp_values(tasks: int, n: int, repetitions: int, warmups: int, workdir: Path
                  ) -> list[float]:
    experiment = workdir / "cv.yaml"
    experiment.write_text(textwrap.dedent(f"""
        name: cv
        repetitions: {repetitions}
        warmups: {warmups}
        isolation: process
        workloads: [{{kind: fib, tasks: {tasks}, n: {n}}}]
        models: [sync]
    """))
    out = Path(tempfile.mkdtemp(dir=workdir))
    subprocess.run([sys.executable, "-m", "runner", "run", str(experiment), "--out",
                    str(out / "run")], check=True, cwd=ROOT, capture_output=True)
    import csv

    with (out / "run" / "runs.csv").open() as file:
        return [float(row["wall_s"]) for row in csv.DictReader(file) if row["status"] == "ok"]


def pyperf_values(tasks: int, n: int, workdir: Path) -> list[float]:
    output = Path(tempfile.mkdtemp(dir=workdir)) / "pyperf.json"
    subprocess.run([sys.executable, str(ROOT / "bench" / "pyperf_fib.py"), "--quiet",
                    "--tasks", str(tasks), "--n", str(n), "-o", str(output)],
                   check=True, cwd=ROOT, capture_output=True)
    data = json.loads(output.read_text())
    values: list[float] = []
    for benchmark in data["benchmarks"]:
        for run in benchmark["runs"]:
            values += run.get("values", [])  # warmup runs carry no values
    return values


def cv(values: list[float]) -> float:
    return statistics.stdev(values) / statistics.fmean(values)


def robust_cv(values: list[float]) -> float:
    """1.4826 x MAD / median: the CV a normal distribution would have, minus the spikes."""
    median = statistics.median(values)
    return 1.4826 * statistics.median(abs(v - median) for v in values) / median


def ratio_interval(ours: list[float], theirs: list[float], resamples: int = 2000,
                   seed: int = 1) -> tuple[float, float]:
    """Percentile bootstrap 95% interval of cv(ours) / cv(theirs), each side resampled alone."""
    rng = random.Random(seed)
    ratios = sorted(cv(rng.choices(ours, k=len(ours))) / cv(rng.choices(theirs, k=len(theirs)))
                    for _ in range(resamples))
    return ratios[int(0.025 * resamples)], ratios[int(0.975 * resamples) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--tasks", type=int, default=20)
    parser.add_argument("--n", type=int, default=25)
    parser.add_argument("--repetitions", type=int, default=60)
    parser.add_argument("--warmups", type=int, default=1)
    args = parser.parse_args()

    pooled: dict[str, list[float]] = {"runexp": [], "pyperf": []}
    print(f"function: SyncModel.run(FibTask(count={args.tasks}, n={args.n}))")
    print(f"{'round':>5}  {'tool':<7} {'values':>6} {'median (s)':>10} {'CV':>7} "
          f"{'robust CV':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for round_no in range(1, args.rounds + 1):
            order = ["runexp", "pyperf"] if round_no % 2 else ["pyperf", "runexp"]
            for tool in order:
                values = (runexp_values(args.tasks, args.n, args.repetitions, args.warmups,
                                        workdir)
                          if tool == "runexp" else pyperf_values(args.tasks, args.n, workdir))
                pooled[tool] += values
                print(f"{round_no:>5}  {tool:<7} {len(values):>6} "
                      f"{statistics.median(values):>10.4f} {cv(values):>7.2%} "
                      f"{robust_cv(values):>9.2%}", flush=True)
    ours, theirs = cv(pooled["runexp"]), cv(pooled["pyperf"])
    print()
    print(f"pooled CV: runexp {ours:.2%} ({len(pooled['runexp'])} values), "
          f"pyperf {theirs:.2%} ({len(pooled['pyperf'])} values)")
    low, high = ratio_interval(pooled["runexp"], pooled["pyperf"])
    print(f"ratio runexp/pyperf: {ours / theirs:.2f}, bootstrap 95% interval [{low:.2f}, "
          f"{high:.2f}] (target: <= 1, no worse than pyperf)")
    print(f"pooled robust CV (1.4826 MAD / median): runexp {robust_cv(pooled['runexp']):.2%}, "
          f"pyperf {robust_cv(pooled['pyperf']):.2%}")
    print("RESULT " + json.dumps({"target": "issue 3: CV of runexp's repetitions <= pyperf's",
                                  "measured": f"{ours:.2%} vs {theirs:.2%}",
                                  "pass": ours <= theirs}), flush=True)


if __name__ == "__main__":
    main()
