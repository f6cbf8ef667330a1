from __future__ import annotations

import itertools

from runner.execution.measure import measure


def test_wall_time_comes_from_the_injected_clock() -> None:
    ticks = itertools.count(start=10.0, step=1.5)
    result, measured = measure(lambda: 42, clock=lambda: next(ticks))
    assert result == 42
    assert measured.wall_s == 1.5


def touch(mib: int) -> None:
    blob = bytearray(mib * 2**20)
    for i in range(0, len(blob), 4096):
        blob[i] = 1


def test_cpu_time_is_measured() -> None:
    _, measured = measure(lambda: sum(range(2_000_000)))
    assert measured.cpu_s > 0


def test_memory_is_the_peak_of_the_call_alone() -> None:
    # An absolute bound would hold anyway in a test process that has grown past
    # it: compare with an idle call, after an earlier, larger peak.
    touch(128)
    _, idle = measure(lambda: None)
    _, busy = measure(lambda: touch(64))
    assert busy.max_rss_mb - idle.max_rss_mb >= 48


def test_cpu_time_of_reaped_children_counts() -> None:
    import subprocess
    import sys

    code = "sum(range(20_000_000))"
    _, measured = measure(lambda: subprocess.run([sys.executable, "-c", code], check=True))
    assert measured.cpu_s > 0.1
