"""Interference for benchmarks: a CPU hog on one core, and what other programs used.

``Hog`` starts a child interpreter (this file, run as a script) that spins in pure
Python, steadily or on and off (seeded random periods), pinned to one core where
at least two are usable. It is a context manager: the child is killed on leaving
it, by exception or Ctrl-C too, and it also dies with its parent (prctl's
parent-death signal on Linux, and a check of its parent each period elsewhere).

``OthersMeter`` reads /proc/stat's busy jiffies around a span and subtracts the
CPU of this process's waited-for children: what is left is the CPU of everything
else on the machine, the hog included, as cores kept busy on average.

    with Hog("onoff", seed=3) as hog:   # python bench/hog.py onoff 20  (a demo)
        ...
    print(hog.cpu_s, hog.lifetime_s)
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import random
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

MODES = ("off", "onoff", "steady")
DEFAULT_PERIOD_S = (0.5, 3.0)  # each on and each off period drawn from this range
_PR_SET_PDEATHSIG = 1


def usable_cores() -> set[int]:
    return os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else {0}


def _die_with_parent() -> None:
    """In the child before exec: SIGKILL it when the parent dies (Linux only)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


class Hog:
    """A child that keeps one core busy: ``steady``, ``onoff`` or not at all (``off``)."""

    def __init__(self, mode: str, seed: int = 0,
                 period_s: tuple[float, float] = DEFAULT_PERIOD_S,
                 cpu: int | None = None) -> None:
        if mode not in MODES:
            raise ValueError(f"hog mode {mode!r}: choose from {', '.join(MODES)}")
        self.mode, self.seed, self.period_s = mode, seed, period_s
        cores = usable_cores()
        # Pinned only where another core is left to the work measured.
        self.cpu = cpu if cpu is not None else (max(cores) if len(cores) >= 2 else None)
        self.process: subprocess.Popen[bytes] | None = None
        self.cpu_s: float | None = None  # the child's CPU, known once it is reaped
        self.lifetime_s: float | None = None
        self._started = 0.0

    def __enter__(self) -> Hog:
        if self.mode == "off":
            return self
        low, high = self.period_s
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--child", self.mode,
             str(self.seed), str(low), str(high), str(os.getpid())],
            stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)  # noqa: PLW1509
        self._started = time.perf_counter()
        if self.cpu is not None and hasattr(os, "sched_setaffinity"):
            with contextlib.suppress(OSError):
                os.sched_setaffinity(self.process.pid, {self.cpu})
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()

    def stop(self) -> None:
        """Kill the child by its pid and reap it (its CPU time comes from wait4)."""
        process, self.process = self.process, None
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        try:
            _, _, usage = os.wait4(process.pid, 0)
        except ChildProcessError:  # reaped already
            process.wait()
            return
        process.returncode = -signal.SIGKILL
        self.lifetime_s = time.perf_counter() - self._started
        self.cpu_s = usage.ru_utime + usage.ru_stime

    @property
    def duty(self) -> float | None:
        """The share of its lifetime the child spent on the CPU."""
        if self.cpu_s is None or not self.lifetime_s:
            return None
        return self.cpu_s / self.lifetime_s


def _busy_s() -> float | None:
    """Seconds of CPU the whole machine has spent busy since boot (/proc/stat)."""
    try:
        with open("/proc/stat", encoding="ascii") as handle:
            fields = [int(value) for value in handle.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    # user nice system idle iowait irq softirq steal: steal is the hypervisor's,
    # guest time is counted in user already.
    busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6]
    return busy / os.sysconf("SC_CLK_TCK")


def _own_children_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime + own.ru_utime + own.ru_stime


class OthersMeter:
    """Cores other programs kept busy over a span: machine busy minus this process and
    the children it waited for in the span (a child still running, such as the hog,
    counts as another program)."""

    def __init__(self) -> None:
        self.others_cores: float | None = None

    def __enter__(self) -> OthersMeter:
        self._busy, self._own = _busy_s(), _own_children_s()
        self._start = time.perf_counter()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        busy, wall = _busy_s(), time.perf_counter() - self._start
        if busy is None or self._busy is None or wall <= 0:
            return
        others = (busy - self._busy) - (_own_children_s() - self._own)
        self.others_cores = max(0.0, others / wall)


def _child(mode: str, seed: int, low: float, high: float, parent: int) -> None:
    draw = random.Random(seed)
    while os.getppid() == parent:
        on = float("inf") if mode == "steady" else draw.uniform(low, high)
        end = time.perf_counter() + min(on, high)
        while time.perf_counter() < end:
            for _ in range(10_000):
                pass
        if mode == "onoff":
            time.sleep(draw.uniform(low, high))


def _demo(mode: str, seconds: float) -> None:
    """Run a hog for ``seconds`` and print what it used and what the machine saw."""
    with Hog(mode, seed=1) as hog, OthersMeter() as meter:  # the hog reaped outside the span
        time.sleep(seconds)
    print(f"hog {mode}: cpu{hog.cpu} pinned, {hog.cpu_s or 0:.1f} s CPU in "
          f"{hog.lifetime_s or 0:.1f} s (duty {hog.duty or 0:.0%}); other programs "
          f"kept {meter.others_cores or 0:.2f} cores busy")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        _mode, _seed, _low, _high, _parent = sys.argv[2:7]
        with contextlib.suppress(KeyboardInterrupt):
            _child(_mode, int(_seed), float(_low), float(_high), int(_parent))
    else:
        _demo(sys.argv[1] if len(sys.argv) > 1 else "onoff",
              float(sys.argv[2]) if len(sys.argv) > 2 else 10.0)
