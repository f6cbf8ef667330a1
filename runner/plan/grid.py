"""Experiment -> cells: the product of axes, times models, times pool sizes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from runner.config.experiment import CELL_KEYS, Experiment, excluded
from runner.config.values import format_value
from runner.errors import GridError
from runner.models import MODELS
from runner.models.options import ModelOptions
from runner.workloads.spec import WorkloadSpec

__all__ = ["SELECT_KEYS", "Cell", "cell_id", "expand", "format_value",
           "parse_selection", "select"]

#: Keys --only accepts besides the parameter names.
SELECT_KEYS = ("cell", *CELL_KEYS)


@dataclass(frozen=True)
class Cell:
    """One point of the grid: a workload with fixed parameter values, a model, a pool size."""

    id: str
    workload: WorkloadSpec = field(repr=False)
    params: Mapping[str, Any]
    model: str
    pool_size: int
    options: ModelOptions = field(repr=False)
    python: str | None = None  # an interpreter's label, where the file has a python axis

    def value(self, key: str) -> Any:
        """The cell's value for an exclude or --only key; KeyError where it has none."""
        if key == "cell":
            return self.id
        if key == "workload":
            return self.workload.name
        if key == "model":
            return self.model
        if key == "pool_size":
            return self.pool_size
        if key == "python":
            if self.python is None:
                raise KeyError(key)
            return self.python
        return self.params[key]

    def fingerprint(self) -> str:
        """Everything that defines the cell's work, for telling whether a grid changed."""
        workload = self.workload.model_dump(
            mode="json", by_alias=True,
            exclude={"label", "zip_", "record_tasks", *self.workload.param_names()},
        )
        options = self.options.model_dump(mode="json", exclude={"pool_sizes"})
        return json.dumps([self.id, workload, dict(self.params), self.model, self.pool_size,
                           options, self.python], sort_keys=True)

    def matches(self, entry: Mapping[str, Any]) -> bool:
        """True when every key of an exclude entry matches (a list matches any of its values)."""
        return excluded(entry, self.value)


def cell_id(workload: WorkloadSpec, params: Mapping[str, Any], model: str, pool_size: int,
            python: str | None = None) -> str:
    """``http[latency_ms=20]/threads/p20``: label, the parameters that vary, model, pool,
    and ``@python3.12`` where the file has an interpreters axis."""
    return _Heads(workload)(params) + _tail(model, pool_size, python)


class _Heads:
    """The ``http[latency_ms=20]`` part of cell ids for one workload's parameter sets,
    each value formatted once however many sets share it."""

    def __init__(self, workload: WorkloadSpec) -> None:
        self.name = workload.name
        self.varying = workload.varying()
        self.pieces: dict[tuple[str, type, Any], str] = {}

    def __call__(self, params: Mapping[str, Any]) -> str:
        shown = []
        for key, value in params.items():
            if key in self.varying:
                try:  # the type is part of the key: 1, 1.0 and True are equal but shown apart
                    piece = self.pieces[key, type(value), value]
                except KeyError:
                    piece = self.pieces[key, type(value), value] = f"{key}={format_value(value)}"
                except TypeError:  # an unhashable value (a list): formatted every time
                    piece = f"{key}={format_value(value)}"
                shown.append(piece)
        return f"{self.name}[{','.join(shown)}]" if shown else self.name


def _tail(model: str, pool_size: int, python: str | None) -> str:
    tail = f"/{model}/p{pool_size}" if MODELS[model].pooled else f"/{model}"
    return tail + (f"@{python}" if python else "")


def expand(experiment: Experiment) -> list[Cell]:
    """Every cell of the experiment, minus those its ``exclude`` entries remove."""
    if not experiment.exclude:
        return list(_all_cells(experiment))
    return [cell for cell in _all_cells(experiment)
            if not any(cell.matches(entry) for entry in experiment.exclude)]


def _all_cells(experiment: Experiment) -> Iterator[Cell]:
    models = experiment.models.selected()
    pythons: list[str | None] = [*experiment.python_labels().values()] or [None]
    # The model/pool/interpreter part of every id, computed once: a grid may have
    # 100,000 cells and `plan` must still answer in a second or two.
    tails = [(python, model, options, pool_size, _tail(model, pool_size, python))
             for python in pythons for model, options in models.items()
             for pool_size in experiment.pool_sizes_for(model)]
    for workload in experiment.workloads:
        head_of = _Heads(workload)
        for params in map(_whole_numbers, workload.param_sets()):
            head = head_of(params)
            for python, model, options, pool_size, tail in tails:
                yield Cell(head + tail, workload, params, model, pool_size, options, python)


def _whole_numbers(params: dict[str, Any]) -> dict[str, Any]:
    """``duration_ms: 10`` stays 10, not 10.0, in runs.csv: float parameters accept
    integers and validation makes floats of them."""
    return {key: int(value) if isinstance(value, float) and value.is_integer() else value
            for key, value in params.items()}


def parse_selection(pairs: Iterable[str]) -> dict[str, list[str]]:
    """``--only KEY=VAL`` options -> {key: [values]}; one key given twice means either."""
    selection: dict[str, list[str]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key or not value:
            raise GridError(f"--only {pair!r}: expected KEY=VALUE, e.g. --only model=threads")
        selection.setdefault(key.strip(), []).append(value.strip())
    return selection


def select(cells: list[Cell], selection: Mapping[str, list[str]],
           param_columns: Iterable[str]) -> list[Cell]:
    """The cells matching every key of ``selection`` (values compared as cell ids show them,
    or text as it is)."""
    valid = [*SELECT_KEYS, *param_columns]
    unknown = [key for key in selection if key not in valid]
    if unknown:
        raise GridError(f"--only: unknown key {unknown[0]!r}; expected one of: {', '.join(valid)}")

    def chosen(cell: Cell) -> bool:
        for key, values in selection.items():
            try:
                value = cell.value(key)
            except KeyError:
                return False
            shown = format_value(value)
            as_is = isinstance(value, str) and value in values  # without a cell id's quotes
            if not (shown in values or as_is or _numbers_equal(shown, values)):
                return False
        return True

    kept = [cell for cell in cells if chosen(cell)]
    if not kept:
        asked = " ".join(f"{k}={v}" for k, vs in selection.items() for v in vs)
        raise GridError(f"--only {asked}: no cell of the experiment matches")
    return kept


def _numbers_equal(shown: str, values: list[str]) -> bool:
    try:
        number = float(shown)
        return any(float(value) == number for value in values)
    except ValueError:
        return False
