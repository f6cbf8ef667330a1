"""Building blocks of the experiment schema shared by the workload modules.

A workload parameter that takes one value may also be given a list of values:
the list becomes a grid axis (DESIGN §1). ``Axis[T]`` accepts either form and
always yields a tuple, so code after validation never branches on it. A ``zip``
group pairs several parameters into one axis whose values move together.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    create_model,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

if TYPE_CHECKING:
    from runner.workloads.task import Resources, Task

#: Values of one workload parameter, in the order of the grid's columns.
Params = Mapping[str, Any]


class StrictModel(BaseModel):
    """Frozen, and unknown keys are errors: typos must not pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def invalid(problems: list[tuple[tuple[str | int, ...], str, Any]]) -> ValidationError:
    """A validation error at precise locations, for checks that span fields.

    Raised from a model validator, pydantic nests these locations under the
    model's own, so the message still points at the right YAML node.
    """
    details = [
        InitErrorDetails(
            type=PydanticCustomError("runexp", "{message}", {"message": message}),
            loc=loc,
            input=value,
        )
        for loc, message, value in problems
    ]
    return ValidationError.from_exception_data("Experiment", details)


def _as_tuple(value: Any) -> Any:
    return value if isinstance(value, list | tuple) else (value,)


def _distinct(values: tuple[Any, ...]) -> tuple[Any, ...]:
    seen = set()
    for value in values:
        if value in seen:
            raise ValueError(f"value {value!r} is listed twice (each value makes one cell)")
        seen.add(value)
    return values


class Axis:
    """``Axis[T]``: one value or a non-empty list of distinct values (a grid axis).

    Validates to a tuple; its JSON Schema accepts ``T`` or a list of ``T``, as
    the file does.
    """

    def __class_getitem__(cls, item: Any) -> Any:
        return Annotated[
            tuple[item, ...],
            BeforeValidator(_as_tuple, json_schema_input_type=Union[item, list[item]]),  # noqa: UP007
            Field(min_length=1),
            AfterValidator(_distinct),
        ]

# Scalars are strict so that `tasks: "20"` or `n: true` are errors, not guesses.
StrictInt = Annotated[int, Strict()]
StrictFloat = Annotated[float, Strict()]

Label = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+$", max_length=64)]
#: Work items per run, the one parameter every built-in workload has.
TaskCount = Annotated[StrictInt, Field(ge=1, le=1_000_000)]


def zip_model(params: type[StrictModel]) -> type[StrictModel]:
    """The model of a ``zip:`` group for a workload whose parameters are ``params``.

    Every parameter may appear, each as a plain list; validation of the values is
    the parameter's own, so errors point at ``zip.n.2`` exactly.
    """
    fields: dict[str, Any] = {}
    for name, info in params.model_fields.items():
        item = info.annotation.__args__[0]  # type: ignore[union-attr]  # tuple[X, ...] -> X
        fields[name] = (Annotated[list[item], Field(min_length=1)] | None, None)
    return create_model(f"{params.__name__}Zip", __base__=StrictModel, **fields)


ZIP_FIELD: Any = Field(
    default=None, alias="zip", description="Parameters whose values move together."
)


@dataclass(frozen=True)
class GridAxis:
    """One axis of a workload's grid: a single parameter, or a zip group."""

    names: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


class WorkloadSpec(StrictModel):
    """Base of every workload's experiment-file model.

    Subclasses mix in a model of their grid parameters (``params_model``) and
    declare ``kind`` as a Literal for the discriminated union, ``zip_`` with
    ``zip_model(params_model)``, and any non-grid options.
    """

    params_model: ClassVar[type[StrictModel]]
    #: Whether runs record every task's latency in tasks.csv unless the file says.
    records_tasks_by_default: ClassVar[bool] = False

    kind: str
    label: Label | None = None
    zip_: StrictModel | None = ZIP_FIELD
    record_tasks: bool | None = Field(
        default=None,
        description="Record every task's latency in tasks.csv (default: on for http only).",
    )

    @property
    def records_tasks(self) -> bool:
        if self.record_tasks is None:
            return self.records_tasks_by_default
        return self.record_tasks

    @property
    def name(self) -> str:
        """What the `workload` column and `exclude: {workload: ...}` refer to."""
        return self.label or self.kind

    @classmethod
    def param_names(cls) -> tuple[str, ...]:
        """Every grid parameter of this kind: its columns in runs.csv."""
        return tuple(cls.params_model.model_fields)

    def active_params(self) -> tuple[str, ...]:
        """The parameters that apply to this workload as configured."""
        return self.param_names()

    def zipped(self) -> dict[str, list[Any]]:
        if self.zip_ is None:
            return {}
        return {name: getattr(self.zip_, name) for name in sorted(self.zip_.model_fields_set)}

    @model_validator(mode="after")
    def _check_zip(self) -> WorkloadSpec:
        zipped = self.zipped()
        if self.zip_ is not None and not zipped:
            raise invalid([(("zip",), "needs at least one parameter", {})])
        both = sorted(set(zipped) & self.model_fields_set)
        if both:
            raise invalid([
                ((name,), "given both here and in zip (keep one)", getattr(self, name))
                for name in both
            ])
        lengths = {name: len(values) for name, values in zipped.items()}
        if len(set(lengths.values())) > 1:
            sizes = ", ".join(f"{name} has {n}" for name, n in lengths.items())
            raise invalid([(("zip",), f"lists must have the same length ({sizes})", zipped)])
        rows = list(zip(*zipped.values(), strict=True))
        if len(set(rows)) != len(rows):
            message = "two positions hold the same values (each position makes one cell)"
            raise invalid([(("zip",), message, zipped)])
        return self

    def axes(self) -> list[GridAxis]:
        """The axes in parameter order; a zip group stands where its first member would."""
        return list(self.grid_axes)

    @functools.cached_property
    def grid_axes(self) -> tuple[GridAxis, ...]:
        # Cached: a grid of 100,000 cells asks for every cell's id, and the axes
        # of a large workload are costly to rebuild each time.
        zipped = self.zipped()
        group = tuple(n for n in self.active_params() if n in zipped)
        axes: list[GridAxis] = []
        for name in self.active_params():
            if name not in zipped:
                axes.append(GridAxis((name,), tuple((v,) for v in getattr(self, name))))
            elif name == group[0]:
                rows = tuple(zip(*(zipped[n] for n in group), strict=True))
                axes.append(GridAxis(group, rows))
        return tuple(axes)

    def varying(self) -> frozenset[str]:
        """Parameters that take more than one value here: the ones a cell id names."""
        return self.varying_params

    @functools.cached_property
    def varying_params(self) -> frozenset[str]:
        return frozenset(
            name for axis in self.grid_axes if len(axis.rows) > 1 for name in axis.names
        )

    def param_sets(self) -> Iterator[dict[str, Any]]:
        """Every combination of parameter values, in the order of the axes."""
        axes = self.grid_axes
        names = [name for axis in axes for name in axis.names]
        active = list(self.active_params())
        chain = itertools.chain.from_iterable
        for combo in itertools.product(*(axis.rows for axis in axes)):
            values = dict(zip(names, chain(combo), strict=True))
            # A zip group gathers its members at the first one's place: restore the order.
            yield values if names == active else {name: values[name] for name in active}

    def make_task(self, params: Params, resources: Resources) -> Task:
        """The picklable work of one run of the cell with these parameter values."""
        raise NotImplementedError

    def ideal_s(self, params: Params, pool_size: int, cores: int, sequential_s: float | None
                ) -> float | None:
        """The physical lower bound of one run's wall time, or None where unknown.

        ``sequential_s`` is the median of the sync cell with the same parameters,
        where the experiment has one.
        """
        return None


def latency_bound_ideal(tasks: int, pool_size: int, latency_s: float) -> float:
    """Waiting work: ceil(tasks / pool_size) rounds of one latency each (DESIGN §3)."""
    return -(-tasks // pool_size) * latency_s


class CpuBound:
    """Mixin for CPU work: the ideal is the sequential time over the cores used."""

    def ideal_s(self, params: Params, pool_size: int, cores: int, sequential_s: float | None
                ) -> float | None:
        return cpu_bound_ideal(pool_size, cores, sequential_s)


def cpu_bound_ideal(pool_size: int, cores: int, sequential_s: float | None) -> float | None:
    """CPU work: the sequential time divided by min(pool_size, cores) (DESIGN §3).

    The same bound applies to every model, so that threads under the GIL and
    asyncio, which cannot use a second core, show the efficiency they lose.
    """
    if sequential_s is None:
        return None
    return sequential_s / min(pool_size, cores)
