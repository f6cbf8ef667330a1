"""The kind of work a workload does, told from the sync run's CPU share and what
threads gained over it: waiting, CPU with the GIL held or released, or mixed.

    >>> work_kind(0.98, 0.95)
    'cpu-gil-held'
    >>> work_kind(0.03, None)
    'waiting'
"""

from __future__ import annotations

from typing import Literal

WorkKind = Literal["waiting", "cpu-gil-held", "cpu-gil-released", "mixed"]

#: Below this CPU share the sync run spends most of its time waiting (on sleep,
#: sockets, disks): more workers overlap the waits whatever the GIL does.
WAITING_BELOW = 0.5
#: From this CPU share up the sync run is computing nearly all the time; the rest
#: (interpreter start-up, page faults) does not change what a pool can gain.
CPU_FROM = 0.9
#: Threads must beat sync by this factor to show that CPU work runs in parallel:
#: run-to-run noise and a lucky core rarely give more than 10-20%, while work
#: that releases the GIL gains nearly the pool's size (up to the cores).
GIL_RELEASED_FROM = 1.3


def work_kind(cpu_share_of_sync: float, threads_speedup: float | None) -> WorkKind | None:
    """The kind of work, from the sync cell's cpu_share (median CPU / median wall
    time) and the best speedup of a threads cell over sync (None: no threads cell
    succeeded).

    CPU work without a threads speedup is None: nothing tells whether the GIL is
    held.
    """
    if cpu_share_of_sync < WAITING_BELOW:
        return "waiting"
    if cpu_share_of_sync < CPU_FROM:
        return "mixed"
    if threads_speedup is None:
        return None
    return "cpu-gil-released" if threads_speedup >= GIL_RELEASED_FROM else "cpu-gil-held"
