"""``runexp advise MODULE:FUNCTION``: a callable workload built from the command line and
validated as a file's would be (the module is imported from the current directory)."""

from __future__ import annotations

import concurrent.futures
import importlib
import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import yaml

from runner.config.loader import ExperimentFile, parse
from runner.errors import AdviseError, ConfigError
from runner.workloads.callable import add_import_path

#: What each field of the built workload is called on the command line.
OPTION_OF = {"target": "MODULE:FUNCTION", "async_target": "--async", "setup": "--setup",
             "tasks": "--tasks", "args": "--args"}
DEFAULT_TASKS = 20
_NAME = re.compile(r"[A-Za-z_]\w*")


def names_function(what: str) -> bool:
    """Whether advise's argument is MODULE:FUNCTION rather than an experiment file."""
    return not (Path(what).exists() or what.endswith((".yaml", ".yml")) or ":" not in what)


def not_found(what: str, cwd: Path | None = None) -> AdviseError | None:
    """For an argument that is neither a file nor MODULE:FUNCTION, the error that says so,
    with the function it may mean (``mywork.parse_json``: ``mywork:parse_json``, where
    that module is importable from ``cwd`` and has it); None for a YAML path, which the
    loader reports."""
    if Path(what).exists() or what.endswith((".yaml", ".yml")) or ":" in what:
        return None
    module, _, function = what.rpartition(".")
    dotted = bool(module) and all(_NAME.fullmatch(part) for part in [*module.split("."),
                                                                     function])
    if dotted and _has_function(module, function, cwd or Path.cwd()):
        return AdviseError(f"{what}: no such file; did you mean {module}:{function}? (a "
                           "function is named MODULE:FUNCTION, with a colon)")
    example = f"{module}:{function}" if dotted else "mywork:parse"
    return AdviseError(f"{what}: no such file; to advise on a function, name it as "
                       f"MODULE:FUNCTION, e.g. {example}")


def _has_function(module: str, function: str, cwd: Path) -> bool:
    """Whether ``module``, imported from ``cwd`` as the function form would, has a
    callable ``function`` (importing runs the module: any failure is a no)."""
    add_import_path(cwd)
    try:
        if importlib.util.find_spec(module) is None:
            return False
        return callable(getattr(importlib.import_module(module), function, None))
    except Exception:
        return False


def candidate_models() -> list[str]:
    """Every built-in model this Python can run: interpreters from 3.14 on."""
    models = ["sync", "threads", "asyncio", "processes"]
    if hasattr(concurrent.futures, "InterpreterPoolExecutor"):
        models.append("interpreters")
    return models


def parse_args(text: str | None) -> dict[str, Any]:
    """--args: a JSON object, or nothing."""
    if text is None:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise AdviseError(f"--args {text!r}: not JSON ({error.msg} at character "
                          f"{error.pos + 1})") from None
    if not isinstance(value, dict):
        raise AdviseError(f"--args {text!r}: must be a JSON object, e.g. '{{\"n\": 25}}'")
    return value


def callable_source(target: str, *, async_target: str | None = None,
                    setup: str | None = None, tasks: int | None = None,
                    args: dict[str, Any] | None = None, cwd: Path | None = None
                    ) -> ExperimentFile:
    """The experiment advise searches for one function; every model is a candidate."""
    workload: dict[str, Any] = {"kind": "callable", "target": target,
                                "tasks": tasks or DEFAULT_TASKS}
    if async_target:
        workload["async_target"] = async_target
    if setup:
        workload["setup"] = setup
    if args:
        workload["args"] = args
    function = target.rpartition(":")[2]
    name = re.sub(r"[^a-z0-9_-]+", "-", function.lower()).strip("-")[:56] or "callable"
    data = {"name": f"advise-{name}",
            "description": f"runexp advise {target}",
            "workloads": [workload],
            "models": candidate_models()}
    text = yaml.safe_dump(data, sort_keys=False)
    path = (cwd or Path.cwd()) / "advise.yaml"  # never written: names where imports start
    try:
        return ExperimentFile(path=path, text=text, experiment=parse(text, path))
    except ConfigError as error:
        raise AdviseError("\n".join(_message(p.path, p.message) for p in error.problems)
                          ) from None


def _message(field: str, message: str) -> str:
    key = field.rpartition(".")[2]
    message = re.sub(r" \(got .*\)$", "", message.removeprefix("Value error, "))
    for name, option in OPTION_OF.items():  # the file's `async_target` is --async here
        message = message.replace(f"`{name}`", option)
    return f"{OPTION_OF.get(key, key)}: {message}"
