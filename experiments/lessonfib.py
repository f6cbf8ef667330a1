"""The lesson's CPU work under asyncio, written as its cpu_asyncio.py writes it.

The lesson's coroutine awaits at every step of the recursion,
``await fib(n - 2) + await fib(n - 1)``, so each call of fib(29) makes about 1.7
million coroutines. runexp's own ``fib`` workload runs plain fib inside one
coroutine per task. experiments/lesson_asyncio.yaml measures both.
"""

from __future__ import annotations

from typing import Any


def fib(n: int) -> int:
    return n if n < 2 else fib(n - 2) + fib(n - 1)


def compute(index: int, args: dict[str, Any]) -> int:
    return fib(args["n"])


async def afib(n: int) -> int:
    return n if n < 2 else await afib(n - 2) + await afib(n - 1)


async def acompute(index: int, args: dict[str, Any]) -> int:
    return await afib(args["n"])
