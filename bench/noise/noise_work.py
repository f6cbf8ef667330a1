"""Work for bench/advise_noise.py whose answer the machine's physics fixes.

``locked_sleep`` waits ~``hold_ms`` inside a lock that belongs to the process
(a module-level ``threading.Lock``): threads and asyncio (which calls it on
the loop's thread) serialise on it, and only separate processes, each with a
lock of its own, overlap their waits. The answer is therefore processes, with
a pool larger than the core count (the work is waiting, not computing).
"""

from __future__ import annotations

import threading
import time
from typing import Any

_LOCK = threading.Lock()


def locked_sleep(index: int, args: dict[str, Any]) -> int:
    with _LOCK:
        time.sleep(args.get("hold_ms", 10.0) / 1000)
    return index
