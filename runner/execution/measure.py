"""One measured call: wall time, CPU time with children, peak memory, interference.

The clock and the machine's busy-time counter are injected so tests can pass fake
ones (pyperf's trick of a clock that steps by a fixed amount makes timing tests
exact).
"""

from __future__ import annotations

import contextlib
import os
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from runner.models.base import NOTHING_ELSEWHERE, Elsewhere

T = TypeVar("T")
Clock = Callable[[], float]
#: The CPU seconds the whole machine has spent busy so far (all cores), or None where
#: that cannot be read.
BusyCounter = Callable[[], float | None]

_CLEAR_REFS = Path("/proc/self/clear_refs")
_STATUS = Path("/proc/self/status")
_PROC_STAT = "/proc/stat"
#: The fields of /proc/stat's ``cpu`` line that are busy time: user, nice, system,
#: irq, softirq, steal. Not idle and iowait (waiting, no core busy), nor guest and
#: guest_nice, which the kernel already counts inside user and nice.
_BUSY_FIELDS = (0, 1, 2, 5, 6, 7)
#: The shortest run whose others_cores is worth recording. /proc/stat counts in clock
#: ticks (10 ms at the usual 100 Hz), so its busy time over a run is off by up to a
#: tick or two: over a 7 ms run that is more than a core either way (a quiet machine
#: read 0.4 to 1.9 cores), over 50 ms a few tenths at worst.
MIN_WALL_S = 0.05


@dataclass(frozen=True)
class Measurement:
    wall_s: float
    cpu_s: float
    max_rss_mb: float
    started: float  # the clock's reading when the call began
    #: Cores other programs kept busy, on average, during the call; None where unknown.
    others_cores: float | None = None


def machine_busy_s() -> float | None:
    """The machine's busy CPU seconds since boot, all cores together, from /proc/stat's
    first line; None where there is no such file (not Linux) or it reads oddly."""
    try:
        with open(_PROC_STAT, "rb") as stat:
            fields = stat.readline().split()
        ticks = os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        return None
    if fields[:1] != [b"cpu"] or len(fields) < 1 + max(_BUSY_FIELDS) or ticks <= 0:
        return None
    try:
        return sum(int(fields[1 + i]) for i in _BUSY_FIELDS) / ticks
    except ValueError:
        return None


def measure(call: Callable[[], T], clock: Clock = time.perf_counter,
            busy: BusyCounter = machine_busy_s,
            elsewhere: Callable[[], Elsewhere] = lambda: NOTHING_ELSEWHERE
            ) -> tuple[T, Measurement]:
    """Run ``call`` once and measure it.

    - wall_s: ``clock()`` around the whole call (pool start-up to shutdown);
    - cpu_s: user + system time of this process and of the children the call
      reaped (process-pool workers are reaped at pool shutdown, so they count),
      plus what ``elsewhere()`` reports after the call: the CPU of processes that
      are not this process's children (a fork server's pool workers);
    - max_rss_mb: the peak resident memory of this process during the call, or
      of a reaped child (or a process ``elsewhere`` reports) if one grew larger;
    - others_cores: what ``busy()`` (the machine's busy CPU time) grew by around
      the call, less cpu_s, over wall_s: the cores other programs kept busy
      (None for a call shorter than MIN_WALL_S).
    """
    _reset_peak_rss()
    busy_before = busy()
    before_self = resource.getrusage(resource.RUSAGE_SELF)
    before_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = clock()
    result = call()
    wall_s = clock() - start
    after_self = resource.getrusage(resource.RUSAGE_SELF)
    after_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy_after = busy()
    outside = elsewhere()
    cpu_s = (_cpu(after_self) - _cpu(before_self) + _cpu(after_children)
             - _cpu(before_children) + outside.cpu_s)
    peak_kb = max(_peak_rss_kb(after_self), outside.max_rss_kb)
    if after_children.ru_maxrss > before_children.ru_maxrss:
        peak_kb = max(peak_kb, after_children.ru_maxrss)
    return result, Measurement(wall_s=wall_s, cpu_s=cpu_s, max_rss_mb=peak_kb / 1024,
                               started=start,
                               others_cores=others_cores(busy_before, busy_after, cpu_s, wall_s))


def others_cores(busy_before: float | None, busy_after: float | None, own_cpu_s: float,
                 wall_s: float) -> float | None:
    """The mean cores other programs kept busy: the machine's busy time over the call
    less the call's own process tree's, per second of wall time.

    /proc/stat counts in clock ticks (10 ms per core at the usual 100 Hz) while
    getrusage counts finer, so a quiet machine can come out a little below zero:
    that is no load at all. None where either reading is missing (not Linux) or the
    call was too short for the ticks to tell (under MIN_WALL_S).
    """
    if busy_before is None or busy_after is None or wall_s < MIN_WALL_S:
        return None
    return max(0.0, (busy_after - busy_before - own_cpu_s) / wall_s)


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
