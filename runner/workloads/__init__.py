"""Workload kinds: one module each, registered here by their ``kind``.

Adding a workload is one new module with a ``WorkloadSpec`` subclass and one
entry below. Modules import their heavy libraries (requests, aiohttp) only
where a task runs, so validating a file stays fast.
"""

from __future__ import annotations

from runner.spec import WorkloadSpec
from runner.workloads.callable import CallableSpec
from runner.workloads.fib import FibSpec
from runner.workloads.file import FileSpec
from runner.workloads.hash import HashSpec
from runner.workloads.http import HttpSpec
from runner.workloads.mixed import MixedSpec
from runner.workloads.sleep import SleepSpec

WORKLOADS: dict[str, type[WorkloadSpec]] = {
    "http": HttpSpec,
    "fib": FibSpec,
    "sleep": SleepSpec,
    "hash": HashSpec,
    "file": FileSpec,
    "mixed": MixedSpec,
    "callable": CallableSpec,
}

__all__ = ["WORKLOADS"]
