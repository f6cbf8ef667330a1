"""The options each model accepts in the experiment file (pydantic models).

Kept apart from the models themselves so that the cell worker, which only
runs a model, never imports pydantic.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from runner.workloads.spec import StrictInt, StrictModel

PoolSize = Annotated[StrictInt, Field(ge=1, le=10_000)]


class ModelOptions(StrictModel):
    """Options of a model without a pool (sync): none."""


class PoolOptions(ModelOptions):
    pool_sizes: Annotated[list[PoolSize], Field(min_length=1)] | None = Field(
        default=None, description="Pool sizes of this model; default: the top-level pool_sizes."
    )


class ProcessOptions(PoolOptions):
    start_method: Literal["fork", "spawn", "forkserver"] | None = Field(
        default=None, description="How workers start; default: the platform's default."
    )
    chunksize: Annotated[StrictInt, Field(ge=1, le=1_000_000)] = Field(
        default=1, description="Tasks sent to a worker at a time (ProcessPoolExecutor.map)."
    )


class AsyncioOptions(PoolOptions):
    loop: Literal["asyncio", "uvloop"] = Field(
        default="asyncio", description="Event loop implementation (uvloop must be installed)."
    )
