"""The search's fixed orders: which model is cheaper on a tie, and which pool sizes a
climb tries. Whether one configuration beats another is ``runner.advise.paired``'s."""

from __future__ import annotations

#: The cheaper model wins a tie: fewer moving parts, less memory, no pickling.
#: Subinterpreters (3.14+) share one process: cheaper than a pool of processes.
COST = {"sync": 0, "asyncio": 1, "threads": 2, "interpreters": 3, "processes": 4}
UNKNOWN_COST = 5


def cost(model: str) -> int:
    return COST.get(model, UNKNOWN_COST)


def doubling(max_pool: int) -> list[int]:
    """1, 2, 4, ... up to ``max_pool``, which is always the last size."""
    sizes = [1]
    while sizes[-1] * 2 < max_pool:
        sizes.append(sizes[-1] * 2)
    return sizes if max_pool == 1 else [*sizes, max_pool]
