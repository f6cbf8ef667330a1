"""Helpers the benchmark scripts share: interleaved pairs, medians, a RESULT line."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def handwritten(*args: str) -> float:
    """Wall seconds of one run of bench/handwritten.py in a fresh interpreter."""
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "handwritten.py"), *args],
                          capture_output=True, text=True, check=True)
    return float(done.stdout.strip())


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
