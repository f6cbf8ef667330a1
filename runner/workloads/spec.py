"""Building blocks of every workload's experiment-file spec.

A workload parameter that takes one value may also be given a list of values:
the list becomes a grid axis. ``Axis[T]`` accepts either form and always yields
a tuple, so code after validation never branches on it. A ``zip`` group pairs
several parameters into one axis whose values move together.

A workload spec declares only what is its own::

    class SquareSpec(WorkloadSpec):
        kind: Literal["square"]
        tasks: Axis[int] = 10

        def make_task(self, params, resources) -> Task: ...

``WorkloadSpec`` finds the ``Axis`` fields (the grid parameters, in the order
declared), builds the model of the ``zip:`` group from them, validates defaults
and treats scalars strictly (``"20"`` or ``2.0`` for an int is an error).
"""

from __future__ import annotations

import functools
import itertools
import pickle
import typing
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, TypeAlias, TypeVar, Union

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

from runner.workloads.task import Task

if TYPE_CHECKING:
    from runner.workloads.task import Resources

#: Values of one workload parameter, in the order of the grid's columns.
Params = Mapping[str, Any]


class StrictModel(BaseModel):
    """Frozen, and unknown keys are errors: typos must not pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def invalid(problems: Sequence[tuple[tuple[str | int, ...], str, Any]]) -> ValidationError:
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
    return tuple(value) if isinstance(value, list | tuple) else (value,)


def _distinct(values: tuple[Any, ...]) -> tuple[Any, ...]:
    seen = set()
    for value in values:
        if value in seen:
            raise ValueError(f"value {value!r} is listed twice (each value makes one cell)")
        seen.add(value)
    return values


class _AxisMark:
    """Metadata that marks a field as a grid parameter (see ``Axis``)."""


_AXIS = _AxisMark()


_T = TypeVar("_T")

if TYPE_CHECKING:
    # What a validated axis is, for the type checker; defaults may be given as plain
    # values, which validation turns into one-value tuples.
    Axis: TypeAlias = tuple[_T, ...] | _T
else:

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
                _AXIS,
            ]

# Scalars are strict so that `tasks: "20"` or `n: true` are errors, not guesses.
StrictInt = Annotated[int, Strict()]
StrictFloat = Annotated[float, Strict()]

Label = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+$", max_length=64)]
#: Work items per run, the one parameter every built-in workload has.
TaskCount = Annotated[StrictInt, Field(ge=1, le=1_000_000)]

_ZIP_CONFIG = ConfigDict(extra="forbid", frozen=True, strict=True)


def _axis_item(hint: Any) -> Any | None:
    """``T`` of a field annotated ``Axis[T]``, else None."""
    if typing.get_origin(hint) is not Annotated:
        return None
    if not any(isinstance(meta, _AxisMark) for meta in hint.__metadata__):
        return None
    return typing.get_args(typing.get_args(hint)[0])[0]  # tuple[T, ...] -> T


@dataclass(frozen=True)
class GridAxis:
    """One axis of a workload's grid: a single parameter, or a zip group."""

    names: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


class _StubResources:
    """What ``make_task`` gets when a plugin's spec is checked at validation: no server runs."""

    def embedded_server(self) -> str:
        return "http://127.0.0.1:9"


class WorkloadSpec(StrictModel):
    """Base of every workload's experiment-file model.

    Subclasses declare ``kind`` as a one-value ``Literal`` (the discriminator),
    their grid parameters as ``Axis[...]`` fields and any other options as plain
    fields, and implement ``make_task`` (and ``ideal_s`` where the physical
    limit of a run is known).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, validate_default=True)

    #: The grid parameters, in the order declared: set for each subclass.
    grid_params: ClassVar[tuple[str, ...]] = ()
    #: The model of this kind's ``zip:`` group: set for each subclass.
    zip_model: ClassVar[type[BaseModel]]
    #: Whether runs record every task's latency in tasks.csv unless the file says.
    records_tasks_by_default: ClassVar[bool] = False

    kind: str
    label: Label | None = Field(
        default=None, description="The workload's name in cell ids, the CSVs and exclude "
                                  "(default: its kind); unique in a file.")
    zip_: Any = Field(default=None, alias="zip")
    record_tasks: bool | None = Field(
        default=None,
        description="Record every task's latency in tasks.csv (default: on for http only).",
    )

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Find the grid parameters and give the class its ``zip:`` field.

        Runs while pydantic builds the class, before it collects the fields, so
        the ``zip_`` annotation set here is the one validated.
        """
        super().__init_subclass__(**kwargs)
        hints = typing.get_type_hints(cls, include_extras=True)
        items = {name: item for name, hint in hints.items()
                 if (item := _axis_item(hint)) is not None}
        # Each member of a zip group is a plain list of the parameter's own values.
        fields: dict[str, Any] = {
            name: (Annotated[list[item], Field(min_length=1)] | None, None)  # type: ignore[valid-type]  # a type built at run time
            for name, item in items.items()}
        zip_model = create_model(f"{cls.__name__}Zip", __config__=_ZIP_CONFIG, **fields)
        cls.grid_params = tuple(items)
        cls.zip_model = zip_model
        if "__annotations__" not in cls.__dict__:  # else it would be a base class's dict
            cls.__annotations__ = {}
        cls.__annotations__["zip_"] = zip_model | None
        cls.zip_ = Field(default=None, alias="zip",
                         description="Parameters whose values move together.")

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
        return cls.grid_params

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

    @model_validator(mode="after")
    def _check_plugin_task(self) -> WorkloadSpec:
        """A plugin's ``make_task`` must give a picklable Task with an integer ``count``.

        Checked at validation, on the first parameter set, so that what a plugin
        forgets is an error with its line before any run directory exists;
        runexp's own workloads are tested instead.
        """
        if type(self).__module__.startswith("runner."):
            return self
        where = f"plugin workload {self.kind!r} ({type(self).__module__}:{type(self).__name__})"
        params = next(self.param_sets(), {})
        try:
            task = self.make_task(params, _StubResources())
        except Exception as error:
            raise invalid([(("kind",), f"{where}: make_task(params, resources) raised "
                                       f"{type(error).__name__}: {error}", self.kind)]) from None
        problem = _task_problem(task)
        if problem:
            raise invalid([(("kind",), f"{where}: make_task returned {problem}", self.kind)])
        return self

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


def _task_problem(task: object) -> str:
    """What is wrong with what a plugin's ``make_task`` returned, or nothing."""
    name = type(task).__name__
    if not isinstance(task, Task):
        return f"a {name}, not a runner.workloads.task.Task"
    count = getattr(task, "count", None)
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        return (f"a {name} without an integer `count` (the number of units a run does; "
                "declare `count: int` in the task)")
    try:
        pickle.dumps(task)
    except Exception as error:
        return f"a {name} that cannot be pickled ({type(error).__name__}: {error})"
    return ""


def latency_bound_ideal(tasks: int, pool_size: int, latency_s: float) -> float:
    """Waiting work: ceil(tasks / pool_size) rounds of one latency each."""
    return -(-tasks // pool_size) * latency_s


class CpuBound:
    """Mixin for CPU work: the ideal is the sequential time over the cores used."""

    def ideal_s(self, params: Params, pool_size: int, cores: int, sequential_s: float | None
                ) -> float | None:
        return cpu_bound_ideal(pool_size, cores, sequential_s)


def cpu_bound_ideal(pool_size: int, cores: int, sequential_s: float | None) -> float | None:
    """CPU work: the sequential time divided by min(pool_size, cores).

    The same bound applies to every model, so that threads under the GIL and
    asyncio, which cannot use a second core, show the efficiency they lose.
    """
    if sequential_s is None:
        return None
    return sequential_s / min(pool_size, cores)
