"""Calls through a semaphore of 6, for experiments/caps.yaml: a stand-in for a
connection pool or a database pool that lets only 6 calls proceed at once.

However many threads or coroutines wait on it, only 6 calls sleep at a time, so
every pool larger than 6 gains nothing; the verdict names the 6.
"""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from typing import Any

SLOTS = 6
SEM = threading.Semaphore(SLOTS)
# An asyncio.Semaphore belongs to the event loop that first waits on it, and each
# run has a loop of its own: one semaphore per loop, made on first use.
_ASYNC: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary())


def work(index: int, args: dict[str, Any]) -> None:
    with SEM:
        time.sleep(args["ms"] / 1000)


async def awork(index: int, args: dict[str, Any]) -> None:
    loop = asyncio.get_running_loop()
    sem = _ASYNC.get(loop)
    if sem is None:
        sem = _ASYNC[loop] = asyncio.Semaphore(SLOTS)
    async with sem:
        await asyncio.sleep(args["ms"] / 1000)
