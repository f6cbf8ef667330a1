"""http: GET one URL and read the whole body, the lesson's I/O-bound task.

Without ``urls`` the embedded test server (runner.execution.server) answers every request
with ``size_bytes`` bytes after ``latency_ms`` of non-blocking delay, so the
experiment needs no network.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, model_validator

from runner.workloads.http_task import HttpTask
from runner.workloads.spec import (
    Axis,
    Params,
    StrictFloat,
    StrictInt,
    TaskCount,
    WorkloadSpec,
    invalid,
    latency_bound_ideal,
)
from runner.workloads.task import Resources, Task

LatencyMs = Annotated[StrictFloat, Field(ge=0, le=600_000)]
SizeBytes = Annotated[StrictInt, Field(ge=0, le=256 * 2**20)]
Url = Annotated[str, Field(pattern=r"^https?://\S+$", max_length=2048)]
#: aiohttp's connector limit: 0 means none (aiohttp's own default is 100).
ConnectorLimit = Annotated[StrictInt, Field(ge=0, le=1_000_000)]

SERVER_ONLY = ("latency_ms", "size_bytes")


class HttpSpec(WorkloadSpec):
    """GET ``tasks`` URLs; the embedded server's unless ``urls`` are given."""

    records_tasks_by_default: ClassVar[bool] = True

    kind: Literal["http"]
    tasks: Axis[TaskCount] = Field(default=(160,), description="GET requests per run.")
    latency_ms: Axis[LatencyMs] = Field(
        default=(100.0,), description="Embedded server: delay before each answer."
    )
    size_bytes: Axis[SizeBytes] = Field(
        default=(1024,), description="Embedded server: length of each body."
    )
    urls: Annotated[list[Url], Field(min_length=1)] | None = Field(
        default=None,
        description="Real servers to GET, in turn; without it the embedded server answers.",
    )
    connector_limit: ConnectorLimit = Field(
        default=0,
        description="asyncio: the most connections aiohttp's connector opens at once; 0 "
                    "(runexp's default) sets none, so the model's pool alone bounds requests "
                    "in flight. aiohttp's own default, which scripts that build a plain "
                    "ClientSession get, is 100.",
    )

    @model_validator(mode="after")
    def _server_options_need_server(self) -> HttpSpec:
        if self.urls is None:
            return self
        message = "configures the embedded server and does not apply with urls (remove one)"
        problems: list[tuple[tuple[str | int, ...], str, Any]] = [
            ((name,), message, getattr(self, name))
            for name in SERVER_ONLY if name in self.model_fields_set]
        problems += [(("zip", name), message, values)
                     for name, values in self.zipped().items() if name in SERVER_ONLY]
        if problems:
            raise invalid(problems)
        return self

    def active_params(self) -> tuple[str, ...]:
        if self.urls is not None:
            return tuple(n for n in self.param_names() if n not in SERVER_ONLY)
        return self.param_names()

    def make_task(self, params: Params, resources: Resources) -> Task:
        count = params["tasks"]
        if self.urls is not None:
            return HttpTask(count=count, urls=tuple(self.urls), expected_bytes=None,
                            connector_limit=self.connector_limit)
        base = resources.embedded_server()
        query = f"latency_ms={params['latency_ms']:g}&size_bytes={params['size_bytes']}"
        urls = tuple(f"{base}/pages/{i}?{query}" for i in range(count))
        return HttpTask(count=count, urls=urls, expected_bytes=params["size_bytes"],
                        connector_limit=self.connector_limit)

    def ideal_s(self, params: Params, pool_size: int, cores: int, sequential_s: float | None
                ) -> float | None:
        if self.urls is not None:
            return None
        return latency_bound_ideal(params["tasks"], pool_size, params["latency_ms"] / 1000)
