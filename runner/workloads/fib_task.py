"""fib: naive recursive Fibonacci in pure Python, the lesson's CPU-bound task."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from runner.workloads.task import Task


def fib(n: int) -> int:
    return n if n < 2 else fib(n - 1) + fib(n - 2)


@dataclass(frozen=True)
class FibTask(Task):
    count: int
    n: int

    def call(self, resource: Any, index: int) -> int:
        return fib(self.n)
