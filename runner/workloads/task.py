"""The runtime side of a workload: a picklable task that models execute.

A task offers twin forms of one unit of work, as httpx offers
``handle_request`` / ``handle_async_request``: ``call`` (blocking) and ``acall``
(a coroutine). ``open`` makes the per-worker resource (e.g. one HTTP session
per thread or process); ``async_resource`` the one resource of an event loop.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol


class Resources(Protocol):
    """What the runner provides to workloads while an experiment runs."""

    def embedded_server(self) -> str:
        """Base URL of the embedded HTTP test server, started on first use."""
        ...


class Task(ABC):
    """``count`` units of work; instances must pickle (process pools ship them)."""

    count: int

    def preload(self) -> None:
        """Import what the task needs, before the clock starts.

        A script imports its libraries at the top, outside the timed region;
        without this the first run of a cell would also time the imports.
        """
        return

    def imports(self) -> tuple[str, ...]:
        """What ``preload`` imports beyond the task class's own module, by name, where
        that depends on the task's data (a user's module): tasks of one class that name
        the same share a fork server, whose children inherit exactly those imports."""
        return ()

    def open(self) -> Any:
        """The resource one worker (thread, process or the sync loop) reuses."""
        return None

    def close(self, resource: Any) -> None:
        """Release what ``open`` returned."""
        return

    def needs_close(self) -> bool:
        """Whether ``close`` does anything; models may skip calling it where not."""
        return type(self).close is not Task.close

    @abstractmethod
    def call(self, resource: Any, index: int) -> Any:
        """Do unit ``index`` and return its result (bytes read, a value)."""

    @asynccontextmanager
    async def async_resource(self, pool_size: int) -> AsyncIterator[Any]:
        """The resource the coroutines of one event loop share."""
        resource = self.open()
        try:
            yield resource
        finally:
            self.close(resource)

    async def acall(self, resource: Any, index: int) -> Any:
        """By default the blocking code inside a coroutine, as the lesson shows it.

        That blocks the event loop, which is exactly why asyncio cannot speed up
        work that has no asynchronous form; the results should show it.
        """
        return self.call(resource, index)
