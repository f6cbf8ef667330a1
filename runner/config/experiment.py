"""The experiment file as pydantic models.

Built once from YAML at the edge (runner.config.loader); after that only these frozen,
typed objects travel through the runner.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias, Union

from pydantic import (
    BeforeValidator,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    create_model,
    field_validator,
    model_validator,
)

from runner.config.pythons import executable_of, labels
from runner.config.values import format_value
from runner.models import BROKEN as BROKEN_MODELS
from runner.models import DEFAULT_MODELS, MODELS
from runner.models.options import ModelOptions, PoolSize
from runner.workloads import WORKLOADS
from runner.workloads.spec import StrictFloat, StrictInt, StrictModel, WorkloadSpec, invalid

DEFAULT_REPETITIONS = 3
DEFAULT_POOL_SIZES = (1, 2, 4, 8)
#: ``runexp run`` asks for --yes above this many cells: a typo in an axis can
#: otherwise start a run of days.
MAX_CELLS_WITHOUT_YES = 10_000

#: Keys an ``exclude`` entry may use besides the workloads' parameter names.
CELL_KEYS = ("workload", "model", "pool_size", "python")

if TYPE_CHECKING:
    # Every member of the union is a WorkloadSpec: that is all the type checker needs.
    Workload: TypeAlias = WorkloadSpec
else:
    Workload = Annotated[
        Union[tuple(WORKLOADS.values())],  # noqa: UP007 (a Union built from the registry)
        Field(discriminator="kind"),
    ]

Scalar = StrictInt | StrictFloat | str
InterpreterName = Annotated[str, Field(pattern=r"^[\w./+~-]+$", max_length=1024)]
ExcludeEntry = Annotated[dict[str, Scalar | list[Scalar]], Field(min_length=1)]
Problems = list[tuple[tuple[str | int, ...], str, Any]]


def _one_or_many(value: Any) -> Any:
    """``pool_sizes: 4`` is ``[4]``, as one value of a workload parameter is."""
    return value if value is None or isinstance(value, list) else [value]


PoolSizes = Annotated[
    list[PoolSize],
    BeforeValidator(_one_or_many, json_schema_input_type=Union[  # noqa: UP007
        PoolSize, Annotated[list[PoolSize], Field(min_length=1)]]),
    Field(min_length=1),
]


def excluded(entry: Mapping[str, Any], value_of: Callable[[str], Any]) -> bool:
    """True when a cell matches every key of an exclude entry (a list matches any of its
    values); ``value_of`` gives the cell's value of a key, KeyError where it has none."""
    for key, wanted in entry.items():
        try:
            value = value_of(key)
        except KeyError:
            return False
        if value not in (wanted if isinstance(wanted, list) else [wanted]):
            return False
    return True


def suggest(name: str, valid: list[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest valid name, or nothing."""
    close = difflib.get_close_matches(name, valid, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _unknown(kind: str, name: object, valid: list[str]) -> str:
    return f"unknown {kind} {name!r}{suggest(str(name), valid)}; expected one of: " + ", ".join(
        valid
    )


def _unknown_model(name: object, valid: list[str]) -> str:
    """Why a model name cannot be used: a plugin set aside says its own reason."""
    broken = BROKEN_MODELS.get(name) if isinstance(name, str) else None
    return str(broken) if broken is not None else _unknown("model", name, valid)


class _ModelsBase(StrictModel):
    """``models:`` as a mapping name -> options; a list of names means no options."""

    @model_validator(mode="before")
    @classmethod
    def _names_to_mapping(cls, data: Any) -> Any:
        valid = list(MODELS)
        if isinstance(data, list):
            problems = [((i,), f"expected a model name, got a {type(name).__name__}", name)
                        for i, name in enumerate(data) if not isinstance(name, str)]
            if problems:
                raise invalid(problems)
            problems = [((i,), _unknown_model(name, valid), name)
                        for i, name in enumerate(data) if name not in MODELS]
            problems += [((i,), f"model {name!r} is listed twice", name)
                         for i, name in enumerate(data) if name in data[:i]]
            if problems:
                raise invalid(problems)
            return {name: {} for name in data}
        if isinstance(data, dict):
            problems = [((name,), _unknown_model(name, valid), name)
                        for name in data if name not in MODELS]
            if problems:
                raise invalid(problems)
            return {name: _model_options(options) for name, options in data.items()}
        raise invalid([((), "expected a list of model names or a mapping of name: options "
                            f"(got {data!r})", data)])

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> Any:
        """The mapping form, or the list form that the before-validator accepts."""
        mapping = handler(core_schema)
        names = {"type": "array", "items": {"enum": list(MODELS)}, "uniqueItems": True}
        return {"anyOf": [names, mapping]}

    def selected(self) -> dict[str, ModelOptions]:
        """The chosen models with their options, in the registry's order."""
        return {name: getattr(self, name) for name in MODELS if getattr(self, name) is not None}


def _model_options(options: Any) -> Any:
    if options is None:
        return {}
    if isinstance(options, dict) and "pool_sizes" in options:
        return {**options, "pool_sizes": _one_or_many(options["pool_sizes"])}
    return options


if TYPE_CHECKING:
    # One optional field per registered model, known only at run time.
    Models: TypeAlias = _ModelsBase
else:
    Models = create_model(
        "Models",
        __base__=_ModelsBase,
        **{name: (model.options_model() | None, None) for name, model in MODELS.items()},
    )


class Executor(StrictModel):
    """Where the runs execute: here, or on a Dask cluster (``--cluster`` wins)."""

    kind: Literal["local", "dask"] = Field(
        default="local",
        description="local: the runs execute on this machine; dask: on the Dask cluster at "
                    "address.")
    address: Annotated[str, Field(pattern=r"^(tcp|tls|inproc)://\S+$")] | None = Field(
        default=None, description="The Dask scheduler, e.g. tcp://10.0.0.5:8786.")
    placement: Literal["group", "run"] = Field(
        default="group",
        description="On a cluster, group (default): every run of one workload and parameter "
                    "set on one worker host, so speedups compare runs of one machine; run: "
                    "any run on any worker, for identical hosts.")

    @model_validator(mode="after")
    def _dask_needs_an_address(self) -> Executor:
        if self.kind == "dask" and self.address is None:
            raise invalid([(("address",), "kind: dask needs the scheduler's address "
                                          "(e.g. tcp://127.0.0.1:8786)", None)])
        return self


#: Most timed runs one cell may take, fixed or adaptive.
MAX_REPETITIONS = 1000


class Precision(StrictModel):
    """``repetitions: {min, max, precision}``: measure each cell until it is precise.

    A cell is precise when the 95% confidence interval of its mean wall time (the
    one summary.csv reports) has a half-width of at most ``precision`` times its
    median; it stops at ``max`` repetitions otherwise.
    """

    min: Annotated[StrictInt, Field(ge=1, le=MAX_REPETITIONS)] = Field(
        default=3, description="Timed runs every cell gets.")
    max: Annotated[StrictInt, Field(ge=1, le=MAX_REPETITIONS)] = Field(
        default=30, description="Timed runs at most, precise or not.")
    precision: Annotated[StrictFloat, Field(gt=0, lt=1)] = Field(
        default=0.03, description="Largest half-width of the 95% CI, relative to the median.")

    @model_validator(mode="after")
    def _max_not_below_min(self) -> Precision:
        if self.max < self.min:
            raise invalid([(("max",), f"must be at least min ({self.min})", self.max)])
        return self


def _auto_repetitions(value: Any) -> Any:
    """``repetitions: auto`` is the adaptive default, ``{min: 3, max: 30, precision: 0.03}``."""
    return {} if value == "auto" else value


def _repetitions_form(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return "count"
    if isinstance(value, dict | Precision):
        return "precision"
    return None


Repetitions = Annotated[
    Annotated[Annotated[StrictInt, Field(ge=1, le=MAX_REPETITIONS)], Tag("count")]
    | Annotated[Precision, Tag("precision")],
    Discriminator(_repetitions_form, custom_error_type="repetitions_type",
                  custom_error_message="expected a whole number of runs, `auto`, or "
                                       "{min, max, precision}"),
    BeforeValidator(_auto_repetitions,
                    json_schema_input_type=Union[int, Literal["auto"], Precision]),  # noqa: UP007
]


class Experiment(StrictModel):
    """One experiment file."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9_-]+$", max_length=64)] = Field(
        description="Names the results folder: results/<name>/."
    )
    description: str = Field(default="", description="Free text: the report shows it "
                                                     "under its title.")
    repetitions: Repetitions = Field(default=DEFAULT_REPETITIONS,
              description="Timed runs per cell, or `auto` / {min, max, precision}: as many "
                          "as make each cell precise.")
    warmups: Annotated[StrictInt, Field(ge=0, le=100)] = Field(
        default=0, description="Untimed runs before each timed run, in the same process."
    )
    timeout_s: Annotated[StrictFloat, Field(gt=0, le=86_400)] | None = Field(
        default=None, description="Limit of one run, in seconds; a run past it is killed."
    )
    isolation: Literal["process", "spawn", "inline"] = Field(
        default="process",
        description="process: each timed run in a fresh process, forked from a fork server "
                    "that imported what the runs need (a fresh interpreter where the "
                    "platform cannot fork safely); spawn: a fresh interpreter per run; "
                    "inline: in the runner.",
    )
    order: Literal["interleaved", "sequential", "random"] = Field(
        default="interleaved",
        description="interleaved: repetition 1 of every cell, then 2, ...; sequential: "
                    "each cell's repetitions together; random: shuffled (see seed).",
    )
    seed: StrictInt | None = Field(
        default=None, description="Seed of order: random (default: a fresh one, recorded)."
    )
    workloads: Annotated[list[Workload], Field(min_length=1)] = Field(
        description="What to measure: one or more workloads, each a kind and its "
                    "parameters.")
    models: Models = Field(
        default_factory=lambda: Models.model_validate(list(DEFAULT_MODELS)),
        description="Models to compare: a list of names, or a mapping name -> options "
                    "(default: sync, threads, asyncio, processes).",
    )
    pool_sizes: PoolSizes = Field(
        default=list(DEFAULT_POOL_SIZES), description="Pool sizes of every pooled model."
    )
    exclude: list[ExcludeEntry] = Field(
        default_factory=list, description="Drop the cells that match all keys of an entry."
    )
    executor: Executor = Field(default_factory=Executor,
                               description="local (default), or kind: dask with an address.")
    python: Annotated[list[InterpreterName], Field(min_length=1)] | None = Field(
        default=None,
        description="Interpreters to run every cell under (commands or paths): a grid axis.",
    )
    # name -> label of each interpreter; set by validation, which may probe them
    _python_labels: dict[str, str] = PrivateAttr(default_factory=dict)

    @field_validator("pool_sizes")
    @classmethod
    def _distinct_pool_sizes(cls, sizes: list[int]) -> list[int]:
        twice = sorted({size for i, size in enumerate(sizes) if size in sizes[:i]})
        if twice:
            raise ValueError(f"pool size {twice[0]} is listed twice")
        return sizes

    @model_validator(mode="after")
    def _check_cross_references(self) -> Experiment:
        problems: Problems = []
        if self.seed is not None and self.order != "random":
            problems.append((("seed",), "applies only with order: random", self.seed))
        if self.python is not None:
            if self.isolation == "inline":
                problems.append((("python",), "other interpreters need isolation: process or spawn",
                                 self.python))
            problems += _same_interpreter_twice(self.python)
            self._python_labels = dict(zip(self.python, labels(self.python), strict=True))
        problems += self._workload_problems() + self._exclude_problems()
        if not problems and self.exclude and not self._keeps_a_cell():
            count = self._cell_count()
            problems.append((("exclude",), f"removes every cell of the grid ({count:,} "
                             f"{_plural(count, 'cell')}): nothing would run; narrow or remove "
                             "an entry", self.exclude))
        if problems:
            raise invalid(problems)
        return self

    def _workload_problems(self) -> Problems:
        problems: Problems = []
        seen: dict[str, int] = {}
        for i, workload in enumerate(self.workloads):
            if workload.name in seen:
                message = (f"workload label {workload.name!r} is used twice "
                           f"(also workloads.{seen[workload.name]}); give each a unique label")
                problems.append((("workloads", i, "label"), message, workload.name))
            seen.setdefault(workload.name, i)
        return problems

    def _exclude_problems(self) -> Problems:
        problems: Problems = []
        choices = self.exclude_choices()
        for i, entry in enumerate(self.exclude):
            for key, value in entry.items():
                if key not in choices:
                    problems.append((("exclude", i, key), _unknown("key", key, list(choices)),
                                     value))
                    continue
                for item in value if isinstance(value, list) else [value]:
                    if item not in choices[key]:
                        valid = ", ".join(format_value(v) for v in choices[key])
                        message = f"{key}={item!r} matches no cell (values here: {valid})"
                        problems.append((("exclude", i, key), message, item))
        return problems

    def _keeps_a_cell(self) -> bool:
        """Whether some cell escapes every exclude entry; stops at the first that does."""
        pythons: list[dict[str, Any]] = [{"python": label}
                                         for label in self.python_labels().values()] or [{}]
        tails = [{"model": model, "pool_size": size, **python} for python in pythons
                 for model in self.models.selected() for size in self.pool_sizes_for(model)]
        for workload in self.workloads:
            for params in workload.param_sets():
                for tail in tails:
                    values = {**params, "workload": workload.name, **tail}
                    if not any(excluded(entry, values.__getitem__) for entry in self.exclude):
                        return True
        return False

    def _cell_count(self) -> int:
        per_params = sum(len(self.pool_sizes_for(model)) for model in self.models.selected())
        sets = len([() for workload in self.workloads for _ in workload.param_sets()])
        return sets * per_params * max(1, len(self.python or []))

    def python_labels(self) -> dict[str, str]:
        """Each interpreter of the ``python`` axis -> the label its cells show."""
        return dict(self._python_labels)

    def pool_sizes_for(self, model: str) -> list[int]:
        """The pool sizes of one model: its own, else the top-level ones; sync has none."""
        if not MODELS[model].pooled:
            return [1]
        own = getattr(self.models.selected()[model], "pool_sizes", None)
        return list(own or self.pool_sizes)

    def exclude_choices(self) -> dict[str, list[Any]]:
        """Every key an exclude entry may use, with the values it can match."""
        choices: dict[str, list[Any]] = {
            "workload": [w.name for w in self.workloads],
            "python": list(self.python_labels().values()),
            "model": list(self.models.selected()),
            "pool_size": sorted({size for model in self.models.selected()
                                 for size in self.pool_sizes_for(model)}),
        }
        for workload in self.workloads:
            for axis in workload.axes():
                for position, name in enumerate(axis.names):
                    values = choices.setdefault(name, [])
                    values += [row[position] for row in axis.rows if row[position] not in values]
        return choices

    def param_columns(self) -> list[str]:
        """Every workload parameter in the file, in order of first appearance."""
        columns: list[str] = []
        for workload in self.workloads:
            columns += [name for name in workload.param_names() if name not in columns]
        return columns


def _plural(count: int, noun: str) -> str:
    return noun if count == 1 else f"{noun}s"


def _same_interpreter_twice(names: list[str]) -> Problems:
    """Two entries that run the same executable (``python3`` and its full path, say)."""
    problems: Problems = []
    first: dict[str, int] = {}
    for i, name in enumerate(names):
        executable = executable_of(name) or name
        if executable in first:
            j = first[executable]
            message = (f"{name!r} is listed twice (also python.{j})" if names[j] == name else
                       f"{name!r} is the same interpreter as python.{j} ({executable})")
            problems.append((("python", i), message, name))
        first.setdefault(executable, i)
    return problems


def _one_pool_size_per_model(schema: dict[str, Any]) -> None:
    """A model's ``pool_sizes`` also takes one size, as the top-level key does: the
    options models (runner.models.options) describe only the list that the models
    validator makes of it."""
    for definition in schema.get("$defs", {}).values():
        own = definition.get("properties", {}).get("pool_sizes", {})
        lists = [choice for choice in own.get("anyOf", []) if choice.get("type") == "array"]
        own.get("anyOf", [])[:0] = [choice["items"] for choice in lists]


def json_schema() -> dict[str, Any]:
    """The JSON Schema of experiment files, for editors (yaml-language-server)."""
    schema = Experiment.model_json_schema(mode="validation")
    _one_pool_size_per_model(schema)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "runexp experiment"
    return schema
