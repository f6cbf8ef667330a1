"""http: GET one URL and read the whole body, the lesson's I/O-bound task.

Blocking clients use a ``requests.Session`` per worker; coroutines share one
``aiohttp.ClientSession``. Every body is read in full and its length checked.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from runner.errors import WorkloadError
from runner.workloads.task import Task

if TYPE_CHECKING:
    import aiohttp
    import requests


@dataclass(frozen=True)
class HttpTask(Task):
    count: int
    urls: tuple[str, ...]
    expected_bytes: int | None  # None: trust the server's Content-Length
    connector_limit: int = 0  # aiohttp's connections open at once; 0: no limit

    def url(self, index: int) -> str:
        return self.urls[index % len(self.urls)]

    def check(self, url: str, body: bytes, content_length: str | None) -> int:
        expected = self.expected_bytes
        if expected is None and content_length is not None:
            expected = int(content_length)
        if expected is not None and len(body) != expected:
            raise WorkloadError(f"GET {url}: read {len(body)} bytes, expected {expected}")
        return len(body)

    def preload(self) -> None:
        import aiohttp  # noqa: F401
        import requests  # noqa: F401

    def open(self) -> requests.Session:
        import requests

        return requests.Session()

    def close(self, resource: requests.Session) -> None:
        resource.close()

    def call(self, resource: requests.Session, index: int) -> int:
        url = self.url(index)
        with resource.get(url) as response:
            response.raise_for_status()
            return self.check(url, response.content, response.headers.get("Content-Length"))

    @asynccontextmanager
    async def async_resource(self, pool_size: int) -> AsyncIterator[aiohttp.ClientSession]:
        import aiohttp

        # By default no connector limit: the model's semaphore alone bounds requests
        # in flight (aiohttp's default of 100 would silently cap larger pools). A
        # workload's connector_limit puts a cap back, as a plain ClientSession has.
        connector = aiohttp.TCPConnector(limit=self.connector_limit)
        async with aiohttp.ClientSession(connector=connector) as session:
            yield session

    async def acall(self, resource: aiohttp.ClientSession, index: int) -> int:
        url = self.url(index)
        async with resource.get(url) as response:
            response.raise_for_status()
            body = await response.read()
            return self.check(url, body, response.headers.get("Content-Length"))
