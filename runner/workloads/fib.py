"""fib: naive recursive Fibonacci in pure Python, the lesson's CPU-bound task."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from runner.workloads.fib_task import FibTask
from runner.workloads.spec import (
    Axis,
    CpuBound,
    Params,
    StrictInt,
    TaskCount,
    WorkloadSpec,
)
from runner.workloads.task import Resources, Task

# fib(35) takes seconds in CPython; past it one task alone outlasts any sane run.
N = Annotated[StrictInt, Field(ge=0, le=35)]


class FibSpec(CpuBound, WorkloadSpec):
    """Compute fib(n) ``tasks`` times."""


    kind: Literal["fib"]
    tasks: Axis[TaskCount] = Field(default=(20,), description="Calls of fib(n) per run.")
    n: Axis[N] = Field(default=(27,), description="Argument of fib; fib(27) takes ~50 ms.")

    def make_task(self, params: Params, resources: Resources) -> Task:
        return FibTask(count=params["tasks"], n=params["n"])
