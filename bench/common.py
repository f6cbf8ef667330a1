"""Helpers the benchmark scripts share: interleaved pairs, pinning, medians, a RESULT line."""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def handwritten(*args: str) -> float:
    """Wall seconds of one run of bench/handwritten.py in a fresh interpreter."""
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "handwritten.py"), *args],
                          capture_output=True, text=True, check=True)
    return float(done.stdout.strip())


def last_cpu() -> int:
    """The highest-numbered CPU this process may run on (0 where that cannot be asked)."""
    return max(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0


@contextlib.contextmanager
def on_cpu(cpu: int | None) -> Iterator[str]:
    """Processes started inside run on ``cpu`` (affinity is inherited); None: anywhere.

    Yields a label for the output: " cpuN", or "" where nothing was pinned.
    """
    if cpu is None or not hasattr(os, "sched_setaffinity"):
        yield ""
        return
    allowed = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {cpu})
    try:
        yield f" cpu{cpu}"
    finally:
        os.sched_setaffinity(0, allowed)


def interleaved(a: Callable[[], float], b: Callable[[], float], rounds: int
                ) -> tuple[list[float], list[float]]:
    """``rounds`` values of each, alternating which goes first."""
    first, second = [], []
    for index in range(rounds):
        if index % 2:
            second.append(b())
            first.append(a())
        else:
            first.append(a())
            second.append(b())
    return first, second


def median(values: list[float]) -> float:
    return statistics.median(values)


def result(target: str, measured: str, passed: bool) -> None:
    """The line bench/run_all.py collects."""
    print("RESULT " + json.dumps({"target": target, "measured": measured, "pass": passed}),
          flush=True)
