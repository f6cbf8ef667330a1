from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from runner.execution import measure as measure_module
from runner.execution.measure import MIN_WALL_S, measure, others_cores


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
    code = "sum(range(20_000_000))"
    _, measured = measure(lambda: subprocess.run([sys.executable, "-c", code], check=True))
    assert measured.cpu_s > 0.1


def test_others_cores_is_the_machines_busy_time_less_the_calls_own_over_its_wall_time(
        ) -> None:
    clock = itertools.count(start=0.0, step=2.0)  # the call takes 2 s
    busy = iter([100.0, 103.0])  # the machine was busy 3 CPU seconds meanwhile
    _, measured = measure(lambda: None, clock=lambda: next(clock), busy=lambda: next(busy))
    # the call itself used next to no CPU: 3 s over 2 s is 1.5 cores of other programs
    assert measured.others_cores == pytest.approx((3.0 - measured.cpu_s) / 2.0)
    assert measured.others_cores == pytest.approx(1.5, abs=0.01)


def test_others_cores_leaves_out_the_calls_own_cpu_time_and_is_never_below_zero() -> None:
    assert others_cores(10.0, 14.0, own_cpu_s=1.0, wall_s=2.0) == 1.5
    assert others_cores(10.0, 10.5, own_cpu_s=1.0, wall_s=2.0) == 0.0  # a tick's rounding


def test_others_cores_is_unknown_without_a_busy_counter_or_a_wall_time() -> None:
    assert others_cores(None, 1.0, own_cpu_s=0.0, wall_s=1.0) is None
    assert others_cores(1.0, None, own_cpu_s=0.0, wall_s=1.0) is None
    assert others_cores(1.0, 2.0, own_cpu_s=0.0, wall_s=0.0) is None
    # too short for /proc/stat's clock ticks to tell
    assert others_cores(1.0, 1.01, own_cpu_s=0.0, wall_s=MIN_WALL_S / 2) is None
    assert others_cores(1.0, 1.0 + MIN_WALL_S, own_cpu_s=0.0, wall_s=MIN_WALL_S) == pytest.approx(1)
    ticks = itertools.count(start=0.0, step=1.0)
    _, measured = measure(lambda: None, clock=lambda: next(ticks), busy=lambda: None)
    assert measured.others_cores is None


def test_machine_busy_s_reads_the_first_line_of_proc_stat(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    # user nice system idle iowait irq softirq steal guest guest_nice, in ticks
    stat = tmp_path / "stat"
    stat.write_text("cpu  100 20 30 5000 400 6 7 8 90 10\ncpu0 1 2 3 4 5 6 7 8 9 10\n")
    monkeypatch.setattr(measure_module, "_PROC_STAT", str(stat))
    ticks = os.sysconf("SC_CLK_TCK")
    # idle and iowait are no busy time; guest is inside user already
    assert measure_module.machine_busy_s() == pytest.approx((100 + 20 + 30 + 6 + 7 + 8) / ticks)
    monkeypatch.setattr(measure_module, "_PROC_STAT", str(tmp_path / "missing"))
    assert measure_module.machine_busy_s() is None  # not Linux


def cpu_seconds_of(pid: int) -> float:
    """A process's user + system time so far, from /proc (in clock ticks there)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.skipif(measure_module.machine_busy_s() is None, reason="no /proc/stat")
def test_others_cores_counts_a_program_spinning_beside_the_call() -> None:
    """A real spinner beside a sleeping call: others_cores holds the CPU time the spinner
    got, and is at least 0.6 cores (the spinner's core, or, on a machine so busy that
    it got less, the programs that took it). Neither "about 0 when quiet" nor "quiet
    plus one" is asserted: on a busy 2-core machine, the quiet value is already near 2
    and a spinner cannot add a core that is not free."""
    with subprocess.Popen([sys.executable, "-c", "print(flush=True)\nwhile True: pass"],
                          stdout=subprocess.PIPE) as spinner:
        try:
            assert spinner.stdout is not None
            spinner.stdout.readline()  # started: from here on it spins
            before = cpu_seconds_of(spinner.pid)
            _, beside = measure(lambda: time.sleep(0.3))
            spun = (cpu_seconds_of(spinner.pid) - before) / beside.wall_s
        finally:
            spinner.kill()
    assert beside.others_cores is not None
    assert spun > 0.1, spun  # it did spin (on a crowded machine, for a share of a core)
    # both counts go in clock ticks (10 ms at 100 Hz): a few ticks' leeway
    assert beside.others_cores >= spun - 0.15, (beside, spun)
    assert beside.others_cores >= 0.6, (beside, spun)
