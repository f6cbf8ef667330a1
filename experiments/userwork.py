"""The user's own work, for experiments/callable.yaml: compress a buffer with zlib.

zlib releases the GIL while it compresses, so threads can use both cores here.
runexp calls setup(args) once per worker, then checksum(index, args) per task, and
teardown(args) once per worker at the end where a file names it.
"""

from __future__ import annotations

import asyncio
import threading
import zlib
from typing import Any

_local = threading.local()


def setup(args: dict[str, Any]) -> None:
    # One buffer per worker thread or process, made outside the timed tasks' work.
    _local.data = bytes(range(256)) * (args["size_kib"] * 4)


def checksum(index: int, args: dict[str, Any]) -> int:
    data = getattr(_local, "data", None)
    if data is None:  # a thread the pool started after setup ran elsewhere
        setup(args)
        data = _local.data
    return len(zlib.compress(data, args["level"]))


def teardown(args: dict[str, Any]) -> None:
    # Once per worker at the end, after its last task: let the buffer go.
    _local.__dict__.pop("data", None)


async def achecksum(index: int, args: dict[str, Any]) -> int:
    # The coroutine form hands the blocking call to a thread, as asyncio code would.
    return await asyncio.to_thread(checksum, index, args)
