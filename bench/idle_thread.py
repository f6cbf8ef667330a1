"""Why the cell worker has no thread: one idle thread against a burst of connections.

The worker used to watch its standard input (its lifeline to the runner) from a
daemon thread that sat blocked in ``read``. On a 16-core machine that alone made
http x160 at 100 ms, asyncio pool 160, about a quarter slower than the
hand-written script. This compares, interleaved, in fresh processes against
one embedded server:

- hand: bench/handwritten.py;
- runexp: the real worker (``runner.execution.isolation.run_isolated``), no thread;
- runexp + idle thread: the same worker with the old watching thread back;
- runexp + ended thread: a thread started and joined before the run (is it
  having had a thread, or having one now?).

Each line gives the median wall time and the median of per-round ratios to
the hand-written script, with its distribution-free 95% interval.

    python bench/idle_thread.py [--rounds 12] [--pool 160]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from collections.abc import Callable

from common import handwritten
from fidelity import http_task, runexp_run

from runner.execution.isolation import encode
from runner.execution.server import EmbeddedServer
from runner.execution.worker import Visit
from runner.models import MODELS
from runner.report.stats import median_interval
from runner.workloads.http_task import HttpTask

IDLE_THREAD = ("import runner.execution.worker as w, threading; w._end_with_parent = lambda: "
               "threading.Thread(target=w._watch_parent, daemon=True).start(); w.main()")
ENDED_THREAD = ("import runner.execution.worker as w, threading; "
                "t = threading.Thread(target=lambda: None); t.start(); t.join(); w.main()")


def patched_worker(task: HttpTask, pool: int, code: str) -> float:
    """One timed run by ``python -c CODE``, speaking the worker's protocol."""
    process = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    assert process.stdin is not None
    assert process.stdout is not None
    process.stdin.write(encode(Visit(task, MODELS["asyncio"], pool, {}, 0), sys.path))
    process.stdin.flush()
    try:
        for line in process.stdout:
            event = json.loads(line)
            if event["event"] == "result":
                return float(event["wall_s"])
        raise RuntimeError("the worker ended without a result")
    finally:
        process.stdin.close()
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--pool", type=int, default=160)
    args = parser.parse_args()
    with EmbeddedServer() as server:
        task = http_task(server.url, 160, 100)
        variants: dict[str, Callable[[], float]] = {
            "hand": lambda: handwritten("asyncio", "http", "--tasks", "160", "--pool",
                                        str(args.pool), "--url", server.url,
                                        "--latency-ms", "100"),
            "runexp": lambda: runexp_run(task, "asyncio", args.pool),
            "runexp + idle thread": lambda: patched_worker(task, args.pool, IDLE_THREAD),
            "runexp + ended thread": lambda: patched_worker(task, args.pool, ENDED_THREAD),
        }
        values: dict[str, list[float]] = {name: [] for name in variants}
        names = list(variants)
        for round_no in range(args.rounds):
            for name in names if round_no % 2 == 0 else names[::-1]:
                values[name].append(variants[name]())
    print(f"http x160 100 ms, asyncio p{args.pool}, {args.rounds} interleaved rounds")
    for name, wall in values.items():
        ratios = [a / b for a, b in zip(wall, values["hand"], strict=True)]
        interval = median_interval(ratios)
        print(f"{name:<22} median {statistics.median(wall):.4f} s  per-round ratio to hand "
              f"{statistics.median(ratios):.3f} [{interval.low:.3f}, {interval.high:.3f}]",
              flush=True)


if __name__ == "__main__":
    main()
