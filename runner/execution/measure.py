"""One measured call: wall time, CPU time with children, peak memory.

The clock is injected so tests can pass a fake one (pyperf's trick of a clock
that steps by a fixed amount makes timing tests exact).
"""

from __future__ import annotations

import contextlib
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
Clock = Callable[[], float]

_CLEAR_REFS = Path("/proc/self/clear_refs")
_STATUS = Path("/proc/self/status")


@dataclass(frozen=True)
class Measurement:
    wall_s: float
    cpu_s: float
    max_rss_mb: float
    started: float  # the clock's reading when the call began


def measure(call: Callable[[], T], clock: Clock = time.perf_counter) -> tuple[T, Measurement]:
    """Run ``call`` once and measure it.

    - wall_s: ``clock()`` around the whole call (pool start-up to shutdown);
    - cpu_s: user + system time of this process and of the children the call
      reaped (process-pool workers are reaped at pool shutdown, so they count);
    - max_rss_mb: the peak resident memory of this process during the call, or
      of a reaped child if one grew larger.
    """
    _reset_peak_rss()
    before_self = resource.getrusage(resource.RUSAGE_SELF)
    before_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = clock()
    result = call()
    wall_s = clock() - start
    after_self = resource.getrusage(resource.RUSAGE_SELF)
    after_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = (_cpu(after_self) - _cpu(before_self)) + (_cpu(after_children) - _cpu(before_children))
    peak_kb = _peak_rss_kb(after_self)
    if after_children.ru_maxrss > before_children.ru_maxrss:
        peak_kb = max(peak_kb, after_children.ru_maxrss)
    return result, Measurement(wall_s=wall_s, cpu_s=cpu_s, max_rss_mb=peak_kb / 1024,
                               started=start)


def _cpu(usage: resource.struct_rusage) -> float:
    return usage.ru_utime + usage.ru_stime


def _reset_peak_rss() -> None:
    # Linux >= 4.0: writing 5 resets VmHWM, so the peak is this call's own and
    # not the largest earlier run's. Elsewhere the process-lifetime peak stands.
    with contextlib.suppress(OSError):
        _CLEAR_REFS.write_text("5")


def _peak_rss_kb(usage: resource.struct_rusage) -> float:
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return float(line.split()[1])
    except OSError:
        pass
    return float(usage.ru_maxrss)  # kilobytes on Linux
