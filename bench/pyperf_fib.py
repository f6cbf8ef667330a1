"""pyperf's side of bench/cv_vs_pyperf.py: time the same run function pyperf's way.

Run by the benchmark, not by hand: ``python bench/pyperf_fib.py --tasks 10 --n 25 -o OUT``.
"""

from __future__ import annotations

import pyperf

from runner.models.sync import SyncModel
from runner.workloads.fib_task import FibTask


def add_arguments(cmd: list[str], args: object) -> None:
    cmd.extend(["--tasks", str(args.tasks), "--n", str(args.n)])  # type: ignore[attr-defined]


def main() -> None:
    runner = pyperf.Runner(add_cmdline_args=add_arguments)
    runner.argparser.add_argument("--tasks", type=int, required=True)
    runner.argparser.add_argument("--n", type=int, required=True)
    args = runner.parse_args()
    task, model = FibTask(count=args.tasks, n=args.n), SyncModel()
    # Exactly what a runexp sync cell times: one model.run of the whole task.
    runner.bench_func("fib", model.run, task, 1, {})


if __name__ == "__main__":
    main()
