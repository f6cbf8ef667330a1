"""What a concurrency model is: a way to execute a task's ``count`` units."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from runner.workloads.task import Task

if TYPE_CHECKING:
    from runner.models.options import ModelOptions

#: A model's validated options as plain data (``ModelOptions.model_dump()``).
Options = Mapping[str, Any]


class Elsewhere(NamedTuple):
    """CPU seconds and peak resident memory (kB) of a run's processes outside this
    process's tree of children."""

    cpu_s: float = 0.0
    max_rss_kb: float = 0.0


NOTHING_ELSEWHERE = Elsewhere()


class Model(ABC):
    """Executes all units of a task and returns their results in order."""

    name: ClassVar[str]
    pooled: ClassVar[bool] = True

    @classmethod
    def options_model(cls) -> type[ModelOptions]:
        """The pydantic model of this model's options in the experiment file."""
        from runner.models.options import ModelOptions, PoolOptions

        return PoolOptions if cls.pooled else ModelOptions

    def unsupported(self, task: Task, options: Options) -> str | None:
        """Why this model cannot run ``task`` in this interpreter, or None."""
        return None

    def elsewhere(self) -> Elsewhere:
        """What the last ``run`` spent in processes that are not this process's children,
        which getrusage cannot see (pool workers a fork server started)."""
        return NOTHING_ELSEWHERE

    def most_in_flight(self, count: int, options: Options) -> int | None:
        """The most of ``count`` units a pool of this model can run at once, however
        large the pool: a larger pool cannot run faster, only cost more to start. None
        where unknown (a plugin's pool need not run one unit per worker)."""
        return None

    @abstractmethod
    def run(self, task: Task, pool_size: int, options: Options) -> list[Any]:
        """Run every unit, from pool start-up to the last result and pool shutdown."""
