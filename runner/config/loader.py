"""Experiment file -> ``Experiment``: safe YAML, line numbers, precise errors.

The YAML is composed into nodes with PyYAML's safe loader, then turned into
plain data by hand so that every value keeps the line and column where it was
written; pydantic's error locations are mapped back onto them. Nothing here
runs code named in the file.
"""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from runner.config.experiment import Experiment, suggest
from runner.errors import ConfigError, Problem

#: More values than this after expanding aliases is refused ("billion laughs"):
#: an honest experiment file has a few hundred; grids grow by products of axes.
MAX_NODES = 20_000

_PLAIN_COLLECTIONS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")
#: 1e6 and 1.5e3 are text to YAML 1.1, which wants a dot and a signed exponent (1.0e+6).
_EXPONENT = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+")
_WHOLE_FLOAT = re.compile(r"(?<![\d.])(-?\d+)\.0(?![\d.])")

Loc = tuple[str | int, ...]
Marks = dict[Loc, tuple[int, int]]


@dataclass(frozen=True)
class ExperimentFile:
    """A validated experiment with the exact text it came from."""

    path: Path
    text: str
    experiment: Experiment


def load(path: Path, *, imports: bool = True) -> ExperimentFile:
    """Read and validate one experiment file, or raise ConfigError listing every problem.

    ``imports=False`` for a run directory's copy: what it names was imported when the
    run was made, from the original file's folder, which is not the copy's."""
    text = _read_text(path)
    return ExperimentFile(path=path, text=text, experiment=parse(text, path, imports=imports))


def parse(text: str, path: Path, *, imports: bool = True) -> Experiment:
    """Validate an experiment file's text; ``path`` names it in errors, and its
    directory is where callable targets are imported from (unless ``imports`` is
    False: then they are only checked to be well-formed names)."""
    data, marks = parse_yaml(text, str(path))
    try:
        return Experiment.model_validate(data, context={"base_dir": path.parent,
                                                        "imports": imports})
    except ValidationError as error:
        raise ConfigError(_problems(error, data, marks, str(path))) from None


def _read_text(path: Path) -> str:
    def fail(message: str, line: int | None = None, column: int | None = None) -> ConfigError:
        return ConfigError([Problem(str(path), line, column, "", message)])

    if path.is_dir():
        raise fail("is a directory; expected an experiment YAML file")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise fail("no such file") from None
    except OSError as error:
        raise fail(f"cannot read: {error.strerror}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        raise fail(f"not UTF-8 text (byte 0x{raw[error.start]:02x})", line, column) from None


def parse_yaml(text: str, name: str) -> tuple[Any, Marks]:
    """Safe-load one YAML document, remembering where each value was written."""
    try:
        loader = yaml.SafeLoader(text)  # its reader already refuses control characters
    except yaml.YAMLError as error:
        raise ConfigError([_yaml_problem(error, text, name)]) from None
    try:
        root = loader.get_single_node()
        if root is None:
            raise ConfigError([Problem(name, 1, 1, "", "the file is empty; expected a mapping "
                                       "with at least `name` and `workloads`")])
        builder = _Builder(loader, name)
        data = builder.build(root, ())
    except yaml.YAMLError as error:
        raise ConfigError([_yaml_problem(error, text, name)]) from None
    finally:
        loader.dispose()
    if builder.problems:
        raise ConfigError(builder.problems)
    if not isinstance(data, dict):
        line, column = builder.marks[()]
        got = type(data).__name__
        raise ConfigError([Problem(name, line, column, "", f"the top level is a {got}; expected "
                                   "a mapping of keys such as `name:` and `workloads:`")])
    return data, builder.marks


def _yaml_problem(error: yaml.YAMLError, text: str, name: str) -> Problem:
    mark = getattr(error, "problem_mark", None)
    if mark is not None:
        line, column = mark.line + 1, mark.column + 1
    elif isinstance(error, yaml.reader.ReaderError):  # a character YAML does not allow
        line = text.count("\n", 0, error.position) + 1
        column = error.position - (text.rfind("\n", 0, error.position) + 1) + 1
        return Problem(name, line, column, "", f"invalid YAML: character "
                       f"{chr(error.character)!r} (U+{error.character:04X}) is not allowed")
    else:
        line = column = None
    reason = getattr(error, "problem", None) or str(error)
    return Problem(name, line, column, "", f"invalid YAML: {reason}")


class _Builder:
    """Nodes -> plain data plus the (line, column) of every location."""

    def __init__(self, loader: yaml.SafeLoader, name: str) -> None:
        self.loader = loader
        self.name = name
        self.marks: Marks = {}
        self.problems: list[Problem] = []
        self.count = 0

    def build(self, node: yaml.Node, loc: Loc, mark: yaml.Mark | None = None) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise ConfigError([Problem(self.name, None, None, "", f"the document expands to more "
                                       f"than {MAX_NODES:,} values (nested YAML aliases?)")])
        start = mark or node.start_mark
        self.marks.setdefault(loc, (start.line + 1, start.column + 1))
        if isinstance(node, yaml.CollectionNode) and node.tag not in _PLAIN_COLLECTIONS:
            raise ConfigError([Problem(self.name, start.line + 1, start.column + 1, _dotted(loc),
                                       f"unsupported YAML tag {node.tag!r} (only plain "
                                       "mappings, lists and scalars are read)")])
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, loc)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*loc, i)) for i, item in enumerate(node.value)]
        return self.loader.construct_object(node, deep=True)

    def _mapping(self, node: yaml.MappingNode, loc: Loc) -> dict[Any, Any]:
        self._refuse_duplicate_keys(node, loc)
        self.loader.flatten_mapping(node)  # resolves `<<:` merges; explicit keys come last
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self.loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int):  # floats and booleans name no field either
                self._problem(key_node, loc, "a key must be a plain name")
                continue
            result[key] = self.build(value_node, (*loc, key), key_node.start_mark)
        return result

    def _refuse_duplicate_keys(self, node: yaml.MappingNode, loc: Loc) -> None:
        """PyYAML keeps the last of two equal keys; a typo must not pass that way."""
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge" or not isinstance(key_node,
                                                                         yaml.ScalarNode):
                continue
            key = self.loader.construct_object(key_node, deep=True)
            if key in seen:
                self._problem(key_node, (*loc, key), "this key appears twice in the same mapping")
            seen.add(key)

    def _problem(self, node: yaml.Node, loc: Loc, message: str) -> None:
        mark = node.start_mark
        self.problems.append(Problem(self.name, mark.line + 1, mark.column + 1, _dotted(loc),
                                     message))


def _dotted(loc: Loc) -> str:
    return ".".join(str(part) for part in loc)


def _real_loc(loc: tuple[Any, ...], data: Any) -> Loc:
    """Drop the parts of a pydantic location that are not in the data (union tags).

    A missing key is kept when it ends the location: it names the missing field.
    """
    real: list[str | int] = []
    current = data
    for position, part in enumerate(loc):
        if _contains(current, part):
            current = current[part]
            real.append(part)
        elif not isinstance(current, dict | list):
            break
        elif position == len(loc) - 1 and isinstance(current, dict) and isinstance(part, str):
            real.append(part)
    return tuple(real)


def _contains(container: Any, part: Any) -> bool:
    if isinstance(container, dict):
        return part in container
    return isinstance(container, list) and isinstance(part, int) and 0 <= part < len(container)


def _nearest_mark(loc: Loc, marks: Marks) -> tuple[int | None, int | None]:
    for end in range(len(loc), -1, -1):
        if loc[:end] in marks:
            return marks[loc[:end]]
    return None, None


def _problems(error: ValidationError, data: Any, marks: Marks, name: str) -> list[Problem]:
    problems = []
    for detail in error.errors(include_url=False):
        loc = _real_loc(detail["loc"], data)
        if detail["type"] == "union_tag_invalid":  # on the `kind:` line itself
            loc = _real_loc((*loc, "kind"), data)
        line, column = _nearest_mark(loc, marks)
        problems.append(Problem(name, line, column, _dotted(loc), _message(detail)))
    return sorted(problems, key=lambda p: (p.line or 0, p.column or 0))


def _message(detail: Any) -> str:
    kind, value = detail["type"], detail.get("input")
    if kind == "extra_forbidden":
        key = detail["loc"][-1]
        valid = _keys_at(detail["loc"][:-1])
        expected = f"; expected one of: {', '.join(valid)}" if valid else ""
        return f"unknown key {key!r}{suggest(str(key), valid)}{expected}"
    if kind == "missing":
        return "required key is missing"
    if kind == "union_tag_not_found":
        return f"`kind` is missing; expected one of: {', '.join(_workload_kinds())}"
    if kind == "union_tag_invalid":
        if broken := _broken_kind(detail["ctx"]["tag"]):
            return broken
        return (f"unknown workload kind {detail['ctx']['tag']!r}"
                f"{suggest(str(detail['ctx']['tag']), _workload_kinds())}; "
                f"expected one of: {', '.join(_workload_kinds())}")
    message = detail["msg"]
    if kind == "value_error" and _integers(value):
        # a float field validates 20 to 20.0; say it as the file does
        message = _WHOLE_FLOAT.sub(r"\1", message)
    if kind != "runexp" and isinstance(value, str | int | float | bool | None):
        message += f" (got {value!r}{_number_as_text(kind, value)})"
    elif kind.endswith("_type"):
        message += f" (got a {_yaml_type(value)})"
    return message


def _integers(value: Any) -> bool:
    values = value if isinstance(value, list) else [value]
    return all(isinstance(v, int) and not isinstance(v, bool) for v in values)


def _number_as_text(kind: str, value: Any) -> str:
    """Why a number in exponent notation was refused, and how to write it."""
    if not (kind.startswith(("int_", "float_")) and isinstance(value, str)
            and _EXPONENT.fullmatch(value.strip())):
        return ""
    plain = format(Decimal(value.strip()).normalize(), "f")
    return f": YAML reads {value.strip()} as text, not a number; write {plain}"


def _yaml_type(value: Any) -> str:
    return "mapping" if isinstance(value, dict) else "list" if isinstance(value, list) else (
        type(value).__name__)


def _workload_kinds() -> list[str]:
    from runner.workloads import WORKLOADS

    return list(WORKLOADS)


def _broken_kind(kind: str) -> str:
    """Why a plugin's kind cannot be used, where a plugin set aside registers it."""
    from runner.workloads import BROKEN

    return str(BROKEN[kind]) if kind in BROKEN else ""


def _keys_at(loc: tuple[Any, ...]) -> list[str]:
    """The keys the model at a pydantic location accepts (aliases where set)."""
    from runner.workloads import WORKLOADS

    annotation: Any = Experiment
    for part in loc:
        annotation = _unwrap(annotation, part)
        if annotation is None:
            return []
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if part in WORKLOADS and annotation is WORKLOADS[part]:
                continue
            field = next((f for n, f in annotation.model_fields.items()
                          if (f.alias or n) == part), None)
            if field is None:
                return []
            annotation = field.annotation
        elif isinstance(part, int):
            args = typing.get_args(annotation)
            annotation = args[0] if args else None
        else:
            args = typing.get_args(annotation)
            annotation = args[-1] if args else None
    model = _unwrap(annotation, None)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [f.alias or n for n, f in model.model_fields.items()]
    return []


def _unwrap(annotation: Any, part: Any) -> Any:
    """Strip Annotated and Optional; pick a union member by workload tag."""
    from runner.workloads import WORKLOADS

    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            if part in WORKLOADS and WORKLOADS[part] in members:
                return WORKLOADS[part]
            models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
            if len(members) != 1 and not models:
                return annotation
            annotation = models[0] if models else members[0]
        else:
            return annotation
