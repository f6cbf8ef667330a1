"""The search's fixed orders: which model is cheaper on a tie, and which pool sizes a
climb tries. Whether one configuration beats another is ``runner.advise.paired``'s."""

from __future__ import annotations

#: The cheaper model wins a tie: fewer moving parts, less memory, no pickling.
COST = {"sync": 0, "asyncio": 1, "threads": 2, "processes": 3}
UNKNOWN_COST = 4


def cost(model: str) -> int:
    return COST.get(model, UNKNOWN_COST)


def doubling(max_pool: int) -> list[int]:
    """1, 2, 4, ... up to ``max_pool``, which is always the last size."""
    sizes = [1]
    while sizes[-1] * 2 < max_pool:
        sizes.append(sizes[-1] * 2)
    return sizes if max_pool == 1 else [*sizes, max_pool]
