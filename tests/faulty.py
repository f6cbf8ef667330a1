"""Tasks that misbehave on purpose, for the fault tests (run in real worker processes)."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from typing import Any

from runner.workloads.task import Task


@dataclass(frozen=True)
class RaisingTask(Task):
    count: int = 3

    def call(self, resource: Any, index: int) -> int:
        if index == 1:
            raise ValueError("task 1 is broken")
        return index


@dataclass(frozen=True)
class ExitingTask(Task):
    """Ends the process it runs in without a word (a crash, an os._exit in a library)."""

    count: int = 2

    def call(self, resource: Any, index: int) -> int:
        os._exit(3)


@dataclass(frozen=True)
class HangingTask(Task):
    count: int = 2

    def call(self, resource: Any, index: int) -> int:
        time.sleep(300)
        return 0


@dataclass(frozen=True)
class ChattyTask(Task):
    """Prints to stdout, which must not disturb the worker's protocol."""

    count: int = 2

    def call(self, resource: Any, index: int) -> int:
        print('{"event": "result", "status": "fake"}')
        sys.stdout.flush()
        return index


@dataclass(frozen=True)
class FailingOpenTask(Task):
    """Its per-worker resource cannot be made (a database that refuses the login)."""

    count: int = 4

    def open(self) -> Any:
        raise PermissionError("the database refused the login")

    def call(self, resource: Any, index: int) -> int:
        return index
