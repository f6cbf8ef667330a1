"""What a registered spec class must be, checked when its entry point loads.

A class that fails raises TypeError with the reason, naming the field, and its plugin
is set aside (runner.plugins): a wrong name or default must not pass until some file
happens to omit a value, nor corrupt cell ids and runs.csv.
"""

from __future__ import annotations

import inspect
import re
import typing
from typing import Any, Literal

from pydantic import ConfigDict, PydanticUserError, TypeAdapter, ValidationError

from runner.results.rows import CORE_COLUMNS
from runner.workloads.spec import WorkloadSpec

#: What the experiment file means by these keys in any workload.
OWN_KEYS = ("kind", "label", "zip", "zip_", "record_tasks")
#: Names a spec's own fields may not take: every workload's keys, and runs.csv's columns
#: (a grid parameter is a column; cell selectors such as ``cell``, ``model`` and
#: ``python`` are columns too). ``tasks`` is the exception: a ``tasks`` parameter *is*
#: that column, the task's count.
RESERVED = frozenset({*OWN_KEYS, *CORE_COLUMNS}) - {"tasks"}
#: What a kind may be: it starts the cell ids, as a label does.
KIND = re.compile(r"[A-Za-z0-9_.-]+")


def check_spec_class(cls: type[WorkloadSpec], kind: str) -> None:
    """Raise TypeError with the reason where a registered spec class lacks a piece."""
    if not KIND.fullmatch(kind):
        raise TypeError(f"the kind {kind!r} is not a name: use letters, digits, _ . and -")
    field = cls.model_fields.get("kind")
    values = typing.get_args(field.annotation) if field is not None else ()
    if field is None or typing.get_origin(field.annotation) is not Literal or values != (kind,):
        raise TypeError(f"{cls.__name__} must declare `kind: Literal[{kind!r}]`")
    if cls.make_task is WorkloadSpec.make_task:
        raise TypeError(f"{cls.__name__} must define make_task(self, params, resources) "
                        "returning a runner.workloads.task.Task")
    check_names(cls)
    if not cls.__module__.startswith("runner."):  # runexp's own are tested instead
        check_defaults(cls)


def own_fields(cls: type[WorkloadSpec]) -> list[str]:
    """The fields a spec class declares itself (or a base of it below WorkloadSpec)."""
    declared = {name for klass in cls.__mro__[:cls.__mro__.index(WorkloadSpec)]
                for name in inspect.get_annotations(klass)}
    # `zip_` is the annotation __init_subclass__ gives every spec; an Axis of that name
    # is the class's own
    return [name for name in cls.model_fields if name in declared and name != "kind"
            and (name != "zip_" or name in cls.grid_params)]


def check_names(cls: type[WorkloadSpec]) -> None:
    """Refuse a field named (or aliased) like a key or column runexp gives its own meaning."""
    for name in own_fields(cls):
        for key in dict.fromkeys([name, cls.model_fields[name].alias or name]):
            if key in OWN_KEYS:
                why = f"every workload's own `{key}` key"
            elif key in RESERVED:
                why = f"runs.csv's {key!r} column"
            elif hasattr(WorkloadSpec, key):
                why = f"it would hide WorkloadSpec.{key}"
            else:
                continue
            raise TypeError(f"{cls.__name__}.{name}: the name {key!r} is reserved ({why}); "
                            "rename the field")


def check_defaults(cls: type[WorkloadSpec]) -> None:
    """Validate each field's default as a value in a file would be (strictly)."""
    config = ConfigDict(strict=cls.model_config.get("strict", True),
                        arbitrary_types_allowed=cls.model_config.get(
                            "arbitrary_types_allowed", False))
    for name in own_fields(cls):
        field = cls.model_fields[name]
        if field.is_required() or field.default_factory is not None:
            continue
        try:
            _adapter(field.rebuild_annotation(), config).validate_python(field.default)
        except ValidationError as error:
            reasons = "; ".join(dict.fromkeys(e["msg"] for e in error.errors(include_url=False)))
            raise TypeError(f"{cls.__name__}.{name}: default {field.default!r} is not valid: "
                            f"{reasons}") from None


def _adapter(annotation: Any, config: ConfigDict) -> TypeAdapter[Any]:
    try:
        return TypeAdapter(annotation, config=config)
    except PydanticUserError as error:
        if error.code != "type-adapter-config-unused":
            raise
        return TypeAdapter(annotation)  # a model or dataclass: it has a config of its own
