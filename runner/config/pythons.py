"""The interpreters axis: other Pythons that run cells, each probed once.

``python: [python3.12, /opt/python3.13/bin/python3]`` makes the interpreter a
grid axis; every run of such a cell happens in a worker subprocess of that
interpreter. A probe asks each one for its version, implementation and
whether the GIL is enabled (free-threaded builds), for the rows, metadata and
report; one that cannot run runexp's worker is recorded with the reason, and
its cells are skipped.

Cells name an interpreter by a label (``fib/sync@python3.12``): its file name,
unless two entries share one (two installations' ``bin/python3``); those are
probed and told apart by version, then by a number.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

#: The worker uses the standard library of Python 3.11 and later.
MINIMUM = (3, 11)

PROBE = (
    "import json, multiprocessing, platform, sys; print(json.dumps({"
    "'version': platform.python_version(), "
    "'version_info': list(sys.version_info[:2]), "
    "'implementation': platform.python_implementation(), "
    "'gil_enabled': getattr(sys, '_is_gil_enabled', lambda: True)(), "
    "'start_method': multiprocessing.get_context().get_start_method(), "
    "'executable': sys.executable}))"
)


def python_label(implementation: str, version: str) -> str:
    """The runs.csv ``python`` value: implementation and version, e.g. ``cpython-3.12.1``."""
    return f"{implementation.lower()}-{version}"


@dataclass(frozen=True)
class Interpreter:
    name: str  # as the experiment file gives it
    label: str  # what cell ids show: the file name, e.g. python3.12
    executable: str | None = None
    version: str = ""
    implementation: str = ""
    gil_enabled: bool | None = None
    problem: str = ""  # why its cells are skipped; empty when usable
    start_method: str = ""  # multiprocessing's default there

    @property
    def python_column(self) -> str:
        """The runs.csv ``python`` value of the rows this interpreter ran."""
        return python_label(self.implementation, self.version) if self.version else self.name


def label_of(name: str) -> str:
    return Path(name).name


def labels(names: Sequence[str]) -> list[str]:
    """The label of each interpreter, distinct: the file name (``python3.12``); where
    file names clash, with the probed version (``python3-3.12.1``); where those clash
    too, numbered (``python3-3.12.1-2``). Only clashing entries are probed: a probe
    starts the interpreter."""
    plain = [label_of(name) for name in names]
    wanted = []
    for name, label in zip(names, plain, strict=True):
        version = probe(name).version if plain.count(label) > 1 else ""
        wanted.append(f"{label}-{version}" if version else label)
    given: list[str] = []
    for label in wanted:
        unique, number = label, 1
        while unique in given:
            number += 1
            unique = f"{label}-{number}"
        given.append(unique)
    return given


def executable_of(name: str) -> str | None:
    """The file a command or path runs, absolute, or None where there is none.

    Symbolic links are not followed: a virtual environment's ``python`` links to
    its base interpreter, yet runs with other packages.
    """
    found = shutil.which(name) if os.sep not in name else (name if os.access(name, os.X_OK)
                                                           else None)
    return os.path.abspath(found) if found is not None else None


def probe(name: str, label: str | None = None) -> Interpreter:
    """Find and question one interpreter; problems are recorded, not raised.

    ``label`` is what its cells show (see ``labels``); by default its file name.
    """
    label = label if label is not None else label_of(name)
    found = executable_of(name)
    if found is None:
        return Interpreter(name, label, problem=f"interpreter {name!r} not found")
    try:
        done = subprocess.run([found, "-I", "-c", PROBE], capture_output=True, text=True,
                              timeout=30, check=True)
        facts = json.loads(done.stdout)
    except (OSError, subprocess.SubprocessError, ValueError) as error:
        return Interpreter(name, label, found, problem=f"interpreter {name!r} did not answer "
                                                       f"a probe: {type(error).__name__}")
    interpreter = Interpreter(name, label, facts["executable"], facts["version"],
                              facts["implementation"], bool(facts["gil_enabled"]),
                              start_method=str(facts.get("start_method", "")))
    if tuple(facts["version_info"]) < MINIMUM:
        minimum = ".".join(map(str, MINIMUM))
        return Interpreter(**{**interpreter.__dict__,
                              "problem": f"{name} is Python {facts['version']}; runexp's worker "
                                         f"needs {minimum} or newer"})
    return interpreter
