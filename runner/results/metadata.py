"""metadata.json as one typed record: the environment, the options, the times of a run.

``RunMetadata`` is built once when a run starts (``runner.execution.pipeline``),
updated with ``dataclasses.replace`` as it ends or resumes, and read back with
``read_metadata``, which checks every field's type: a reader never meets a
missing key or a value of the wrong kind. The JSON keeps the layout earlier
runexp versions wrote, so their run directories still load.
"""

from __future__ import annotations

import contextlib
import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runner.config.pythons import Interpreter
from runner.errors import ResultsError, WriteError

if TYPE_CHECKING:
    from pydantic import TypeAdapter

#: The layout version written as ``format``.
FORMAT = 1


@dataclass(frozen=True)
class PythonInfo:
    version: str
    implementation: str
    executable: str
    gil_enabled: bool = True
    #: multiprocessing's default start method here (fork; forkserver from Python 3.14
    #: on Linux): how processes cells start workers unless they set start_method.
    start_method: str = ""


@dataclass(frozen=True)
class CpuInfo:
    model: str
    logical_cores: int | None
    usable_cores: int | None  # by affinity: what this process may run on


@dataclass(frozen=True)
class OsInfo:
    system: str
    release: str
    platform: str


@dataclass(frozen=True)
class GitInfo:
    commit: str
    dirty: bool


@dataclass(frozen=True)
class Environment:
    """The machine and software a run was measured with."""

    python: PythonInfo
    host: str
    cpu: CpuInfo
    memory_gib: float | None
    os: OsInfo
    packages: dict[str, str | None]
    git: GitInfo | None


@dataclass(frozen=True)
class HostFacts:
    """What a cluster worker host reported about itself (measured there, not on the client),
    and when the run lost it, if it did."""

    cpu_model: str | None = None
    logical_cores: int | None = None
    host: str | None = None
    usable_cores: int | None = None  # by the worker's CPU affinity (``taskset`` counts)
    memory_gib: float | None = None
    python: str | None = None  # the worker's interpreter, e.g. "3.11.2 (CPython)"
    lost_at: str | None = None  # when the run found the host gone; its groups moved on
    #: The most runs its measuring workers could take at once (their ``runexp`` units), as
    #: the client counted them; above 1, runs measured there disturbed each other.
    slots: int | None = None


@dataclass(frozen=True)
class OptionsRecord:
    """What the command line added to the experiment file."""

    repetitions: int | None = None
    only: dict[str, list[str]] = field(default_factory=dict)
    inline: bool = False
    fail_fast: bool = False
    cluster: str | None = None


@dataclass(frozen=True)
class Resume:
    """One ``--resume`` of the run: when, how, and how many runs it still owed."""

    at: str
    command: str
    file: str
    runs: int
    repetitions: int | None = None  # --repetitions given to the resume, if any


@dataclass(frozen=True)
class ResultCounts:
    """The run's totals, written by the report stage."""

    runs: int
    by_status: dict[str, int]
    cells: int
    noisy_cells: int
    measured_wall_s: float


@dataclass(frozen=True)
class RunMetadata:
    run_id: str
    started_at: str
    command: str
    experiment_file: str
    #: The validated experiment as JSON data (the file's values with defaults filled in).
    experiment: dict[str, Any]
    options: OptionsRecord
    seed: int | None
    cells: int
    planned_runs: int
    load_average_at_start: tuple[float, float, float] | None
    environment: Environment
    format: int = FORMAT
    ended_at: str | None = None
    interrupted: bool = False
    stopped_early: bool = False
    interpreters: list[Interpreter] = field(default_factory=list)
    hosts: dict[str, HostFacts] = field(default_factory=dict)
    resumes: list[Resume] = field(default_factory=list)
    results: ResultCounts | None = None

    @property
    def usable_cores(self) -> int | None:
        return self.environment.cpu.usable_cores

    def to_json(self) -> dict[str, Any]:
        return _adapter().dump_python(self, mode="json")


@functools.cache
def _adapter() -> TypeAdapter[RunMetadata]:
    """Built once per process: building it generates the schema (~25 ms here), and a
    run reads and writes metadata.json several times."""
    from pydantic import TypeAdapter

    return TypeAdapter(RunMetadata)


def from_json(data: Any, source: str = "metadata.json") -> RunMetadata:
    """Validate parsed JSON; a wrong shape is a ResultsError naming the field."""
    from pydantic import ValidationError

    try:
        return _adapter().validate_python(data)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "(the document)"
        raise ResultsError(f"{source}: {where}: {first['msg'].lower()} "
                           f"({error.error_count()} problem"
                           f"{'s' * (error.error_count() > 1)}); "
                           "is this a runexp run directory?") from None


def read_metadata(path: Path) -> RunMetadata:
    if not path.is_file():
        raise ResultsError(f"{path}: " + ("a directory, not a file" if path.is_dir() else
                                          "not a regular file" if path.exists() else
                                          "missing; is this a runexp run directory?"))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ResultsError(f"{path}:{error.lineno}: not valid JSON ({error.msg}, column "
                           f"{error.colno}); expected the metadata runexp writes") from None
    except RecursionError:
        raise ResultsError(f"{path}: nested too deeply; expected the metadata runexp "
                           "writes") from None
    except (OSError, ValueError) as error:  # ValueError: not UTF-8, a 5,000-digit number
        raise ResultsError(f"{path}: unreadable ({error})") from None
    if not isinstance(data, dict):
        raise ResultsError(f"{path}: expected a JSON object (the metadata runexp writes), "
                           f"found {_JSON_KINDS.get(type(data), type(data).__name__)}")
    return from_json(data, str(path))


_JSON_KINDS = {list: "a list", str: "a string", int: "a number", float: "a number",
               bool: "true or false", type(None): "null"}


def write_metadata(path: Path, metadata: RunMetadata) -> None:
    """Write atomically: a reader sees the old file or the new one, never half."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        temporary.write_text(json.dumps(metadata.to_json(), indent=2) + "\n",
                             encoding="utf-8")
        temporary.replace(path)
    except OSError as error:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise WriteError(f"{path}: cannot write ({error.strerror or error})") from None
