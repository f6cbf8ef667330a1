from __future__ import annotations

import itertools

from runner.execution.measure import measure


def test_wall_time_comes_from_the_injected_clock() -> None:
    ticks = itertools.count(start=10.0, step=1.5)
    result, measured = measure(lambda: 42, clock=lambda: next(ticks))
    assert result == 42
    assert measured.wall_s == 1.5


def test_cpu_time_and_memory_are_measured() -> None:
    def work() -> int:
        blob = bytearray(64 * 2**20)  # 64 MiB touched
        for i in range(0, len(blob), 4096):
            blob[i] = 1
        return sum(range(2_000_000))

    _, measured = measure(work)
    assert measured.cpu_s > 0
    assert measured.max_rss_mb >= 64


def test_cpu_time_of_reaped_children_counts() -> None:
    import subprocess
    import sys

    code = "sum(range(20_000_000))"
    _, measured = measure(lambda: subprocess.run([sys.executable, "-c", code], check=True))
    assert measured.cpu_s > 0.1
