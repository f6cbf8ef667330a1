"""Lanes of tasks that share one thread (asyncio's): each task takes the lowest lane free
when it starts, a lane freeing as its task ends, so that the lanes in use at a moment
are the tasks in flight then, as a timing diagram draws them. tasks.csv's ``task-N``
workers are these lanes; a report packs an older tasks.csv's tasks the same way.

Standard library only: the cell worker imports this.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence


def lowest_free_lanes(starts: Sequence[float], seconds: Sequence[float],
                      touching_s: float = 0.0) -> list[int]:
    """Per task (in the given order), its lane from 1. A lane is free again for a task
    that starts within ``touching_s`` after its last task ended (times rounded in a
    file may make a task start a hair before its predecessor ends)."""
    lanes = [0] * len(starts)
    busy: list[tuple[float, int]] = []  # (end, lane) of the tasks in flight
    free: list[int] = []
    for at in sorted(range(len(starts)), key=lambda i: (starts[i], i)):
        while busy and busy[0][0] <= starts[at] + touching_s:
            heapq.heappush(free, heapq.heappop(busy)[1])
        lane = heapq.heappop(free) if free else len(busy) + 1
        heapq.heappush(busy, (starts[at] + seconds[at], lane))
        lanes[at] = lane
    return lanes
