"""Reading a run directory back, checked against the format runexp writes.

Every reader checks what it reads (header, numbers and their ranges, status
values, one row per run) and raises ResultsError naming the file, the line and
what was expected: report, compare, --resume and ``runner.load`` may be pointed
at any folder, and a pandas traceback tells the user nothing. A command checks
what it needs before it writes anything; what it does not need, ``problems``
reports as warnings.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from runner.errors import ResultsError, RunexpError
from runner.results.csvtext import (
    bad_value,
    check_values,
    complete_text,
    file_problem,
    first,
    header,
    parse,
    refuse_duplicates,
    row_line,
)
from runner.results.failures import ERRORS, FailedRun, read_failures
from runner.results.metadata import read_metadata
from runner.results.rows import CORE_COLUMNS, TASK_COLUMNS, TASK_WORKER, RunRecord, Status
from runner.results.rundir import (
    INPUT,
    METADATA,
    PLOTS,
    REPORT_HTML,
    REPORT_MD,
    RUNS,
    SCALING,
    SUMMARY,
    TASKS,
)

if TYPE_CHECKING:
    import pandas as pd

    from runner.results.metadata import RunMetadata

#: (cell, repetition): one run.
Done = set[tuple[str, int]]


def check_run_dir(run_dir: Path, needs: Collection[str] = (INPUT, METADATA, RUNS)) -> None:
    """Refuse, before anything is read or written, a folder that is no run directory."""
    if not run_dir.is_dir():
        raise ResultsError(f"{run_dir}: {'not a directory' if run_dir.exists() else 'missing'}; "
                           "expected a run directory (or results/<name>/latest)")
    for name in needs:
        if problem := file_problem(run_dir / name):
            raise ResultsError(f"{run_dir / name}: {problem}")


def check_outputs(run_dir: Path) -> None:
    """Refuse, before writing any of them, outputs that could not be written where they go."""
    for name in (SUMMARY, SCALING, REPORT_MD, REPORT_HTML, METADATA):
        path = run_dir / name
        if (path.exists() or path.is_symlink()) and (problem := file_problem(path)):
            raise ResultsError(f"{path}: {problem}; runexp writes it: remove or rename it")
    plots = run_dir / PLOTS
    if (plots.exists() or plots.is_symlink()) and not plots.is_dir():
        raise ResultsError(f"{plots}: a file, not a directory; runexp draws the plots there: "
                           "remove or rename it")


def problems(run_dir: Path, names: Iterable[str]) -> list[str]:
    """What is wrong with these files, for a command that does not need them: warnings.

    A missing tasks.csv is no problem (most workloads record no task latencies).
    """
    from runner.config.loader import load

    found = []
    for name in names:
        path = run_dir / name
        try:
            if name == INPUT:
                check_run_dir(run_dir, (INPUT,))
                load(path)
            elif name == METADATA:
                read_metadata(path)
            elif name == TASKS:
                read_tasks(run_dir, _done_if_readable(run_dir))
            else:
                raise ValueError(f"no check for {name}")
        except RunexpError as error:
            found.append(str(error).splitlines()[0])  # a ConfigError lists every problem
    return found


def _done_if_readable(run_dir: Path) -> Done | None:
    try:
        return read_done(run_dir)
    except ResultsError:
        return None


# runs.csv ------------------------------------------------------------------------------

#: Where runs.csv holds numbers: whole numbers always, measurements where a run
#: produced them. Read from RunRecord so the types are spelled once.
_HINTS = typing.get_type_hints(RunRecord)
_INT_COLUMNS = tuple(name for name in CORE_COLUMNS if _HINTS[name] is int)
_MAYBE_INT_COLUMNS = tuple(name for name in CORE_COLUMNS if _HINTS[name] == int | None)
_FLOAT_COLUMNS = tuple(name for name in CORE_COLUMNS if _HINTS[name] == float | None)
#: The lowest value each numeric column can hold: every float is a time, a size or a rate.
_AT_LEAST = {"pool_size": 1, "repetition": 1, "tasks": 0, **dict.fromkeys(_FLOAT_COLUMNS, 0)}
#: Columns RunRecord gained after the first format (they have defaults): older
#: files end without them and are still read.
_LATER_COLUMNS = tuple(f.name for f in dataclasses.fields(RunRecord)
                       if f.default is not dataclasses.MISSING)
_PARAMS_AFTER = "workload"  # parameter columns sit between this column and the next core one
_HEAD = CORE_COLUMNS[:CORE_COLUMNS.index(_PARAMS_AFTER) + 1]
_TAIL = CORE_COLUMNS[len(_HEAD):]
_CONTRACT = f"{', '.join(_HEAD)}, the parameter columns, {', '.join(_TAIL)}"
_STATUSES = [status.value for status in Status]


def _check_runs_header(path: Path, names: list[str]) -> None:
    def fail(problem: str) -> ResultsError:
        return ResultsError(f"{path}:1: not a runexp runs.csv: {problem}")

    required = [name for name in CORE_COLUMNS if name not in _LATER_COLUMNS]
    if missing := [name for name in required if name not in names]:
        if len(missing) > len(required) // 2:  # another CSV altogether: say what it holds
            raise fail(f"expected the columns {_CONTRACT}; found {', '.join(names)}")
        raise fail(f"missing columns {', '.join(missing)} (expected {_CONTRACT})")
    if "" in names:
        raise fail(f"column {names.index('') + 1} has no name")
    if twice := sorted({name for name in names if names.count(name) > 1}):
        raise fail(f"column {twice[0]} appears twice")
    tail = names[names.index(_TAIL[0]):]
    if stray := [name for name in tail if name not in _TAIL]:
        raise fail(f"unexpected column {stray[0]} after {_TAIL[0]} (parameter columns go "
                   f"between {_PARAMS_AFTER} and {_TAIL[0]}; expected {_CONTRACT})")
    if (tuple(names[:len(_HEAD)]) != _HEAD or tuple(tail) != _TAIL[:len(tail)]
            or len(tail) < len(_TAIL) - len(_LATER_COLUMNS)):
        raise fail(f"columns out of order: expected {_CONTRACT}; found {', '.join(names)}")


def _runs_text(path: Path) -> str:
    return complete_text(path, ",".join(_HEAD) + ",", f"the columns {_CONTRACT}")


def _runs_frame(path: Path, text: str, experiment: str | None) -> pd.DataFrame:
    """runs.csv's rows (possibly none), checked against the format runexp writes.

    ``experiment``: the name in the run's experiment.yaml, which every row must carry.
    """
    _check_runs_header(path, header(text))
    runs = parse(path, text)
    check_values(path, text, runs, ints=_INT_COLUMNS, floats=_FLOAT_COLUMNS,
                 maybe_ints=_MAYBE_INT_COLUMNS, at_least=_AT_LEAST)
    for name in ("cell", "workload", "model"):
        if (empty := runs[name].isna()).any():
            raise bad_value(path, text, first(empty), name, "a value")
    if (bad := ~runs["status"].isin(_STATUSES)).any():
        raise bad_value(path, text, first(bad), "status", f"one of {', '.join(_STATUSES)}")
    if experiment is not None and (other := runs["experiment"].astype(str) != experiment).any():
        raise bad_value(path, text, first(other), "experiment",
                        f"{experiment!r} (the name in {INPUT})")
    refuse_duplicates(path, text, runs, ("cell", "repetition"),
                      lambda key: f"{key[0]} repetition {key[1]}")
    return runs


def read_done(run_dir: Path, experiment: str | None = None) -> Done:
    """The (cell, repetition) pairs runs.csv already holds, whatever their status.

    A file with no complete row yet (a run killed during its first) holds none.
    """
    path = run_dir / RUNS
    text = _runs_text(path)
    if not text.strip():
        return set()
    runs = _runs_frame(path, text, experiment)
    return set(zip(runs["cell"].tolist(), runs["repetition"].tolist(), strict=True))


def check_appendable(run_dir: Path, expected: Sequence[str]) -> None:
    """Refuse to append rows of the columns ``expected`` to a runs.csv of other columns
    (one edited by hand, or of other parameters): the file would no longer parse.

    An older runexp's file, which ends before the columns added since (``startup_s``,
    ``others_cores``), is appendable: ``RunsWriter`` writes its rows without them.
    """
    path = run_dir / RUNS
    text = _runs_text(path)
    if not text.strip():
        return
    names, wanted = header(text), list(expected)
    older = names == wanted[:len(names)] and set(wanted[len(names):]) <= set(_LATER_COLUMNS)
    if names != wanted and not older:
        raise ResultsError(f"{path}:1: its columns are not those this run appends "
                           f"({', '.join(expected)}); found {', '.join(names)}")


def read_runs(run_dir: Path, experiment: str | None = None) -> pd.DataFrame:
    """runs.csv as a DataFrame; only a torn last line (a crash mid-write) is dropped."""
    path = run_dir / RUNS
    text = _runs_text(path)
    if not text.strip():
        if path.stat().st_size:
            raise ResultsError(f"{path}: no complete line; expected a header line of the "
                               f"columns {_CONTRACT}")
        raise ResultsError(f"{path}: empty (no header)")
    runs = _runs_frame(path, text, experiment)
    if runs.empty:
        raise ResultsError(f"{path}: a header but no runs; expected one row per run")
    return runs


# tasks.csv -----------------------------------------------------------------------------

_TASK_CONTRACT = f"the columns {', '.join(TASK_COLUMNS)}"


def read_raised(run_dir: Path, runs: pd.DataFrame) -> list[FailedRun]:
    """errors.jsonl's runs that runs.csv holds as failed: the line of a run a crash cut
    off before its row (run again by --resume) is left out. A file that cannot be read
    only loses the tracebacks: runs.csv still says what failed."""
    failed = runs[runs["status"].isin([Status.ERROR, Status.TIMEOUT])]
    keys = set(zip(failed["cell"], failed["repetition"].astype(int), strict=True))
    return [run for run in read_failures(run_dir / ERRORS) if (run.cell, run.repetition) in keys]


def read_tasks(run_dir: Path, done: Done | None = None) -> pd.DataFrame | None:
    """tasks.csv as a DataFrame, or None where no task latencies were recorded.

    With ``done`` (the runs runs.csv holds), the tasks of a run that has no row
    are left out where they end the file: that run was in flight (its row is
    written after its tasks), and --resume runs it again.
    """
    return _tasks(run_dir, done)[0]


def tasks_in_flight(run_dir: Path, done: Done) -> int | None:
    """The line where the tasks of the run in flight begin (to cut them), or None."""
    return _tasks(run_dir, done)[1]


def _tasks(run_dir: Path, done: Done | None) -> tuple[pd.DataFrame | None, int | None]:
    path = run_dir / TASKS
    if not path.exists() and not path.is_symlink():
        return None, None
    text = complete_text(path, ",".join(TASK_COLUMNS), _TASK_CONTRACT)
    if not text.strip():
        return None, None
    if tuple(names := header(text)) not in (TASK_COLUMNS, TASK_COLUMNS[:-1]):
        raise ResultsError(f"{path}:1: not a runexp tasks.csv: expected {_TASK_CONTRACT}; "
                           f"found {', '.join(names)}")
    if text.count("\n") < 2:
        return None, None
    tasks = parse(path, text)
    if TASK_WORKER not in tasks:  # an older runexp's: where the tasks ran is unknown
        tasks[TASK_WORKER] = None
    check_values(path, text, tasks, ints=("pool_size", "repetition", "task"),
                 floats=("start_s", "latency_s"),
                 at_least={"pool_size": 1, "repetition": 1, "task": 0, "start_s": 0,
                           "latency_s": 0})
    if (empty := tasks["cell"].isna()).any():
        raise bad_value(path, text, first(empty), "cell", "a value")
    refuse_duplicates(path, text, tasks, ("cell", "repetition", "task"),
                      lambda key: f"{key[0]} repetition {key[1]} task {key[2]}")
    if done is None:
        return tasks, None
    return _without_run_in_flight(path, text, tasks, done)


def _without_run_in_flight(path: Path, text: str, tasks: pd.DataFrame, done: Done
                           ) -> tuple[pd.DataFrame, int | None]:
    pairs = list(zip(tasks["cell"].tolist(), tasks["repetition"].tolist(), strict=True))
    held = [pair in done for pair in pairs]
    if all(held):
        return tasks, None
    last_held = max((i for i, kept in enumerate(held) if kept), default=-1)
    if stray := [i for i in range(last_held) if not held[i]]:
        cell, repetition = pairs[stray[0]]
        raise ResultsError(f"{path}:{row_line(text, stray[0])}: a task of {cell} repetition "
                           f"{repetition}, a run {RUNS} does not hold")
    return tasks.iloc[:last_held + 1], row_line(text, last_held + 1)


# summary.csv ---------------------------------------------------------------------------

_SUMMARY_HEAD = ("experiment", "cell", "workload")


def read_summary(run_dir: Path, stats: Sequence[str], *, counts: Collection[str],
                 texts: Collection[str]) -> pd.DataFrame | None:
    """summary.csv as a DataFrame, or None where it is missing (``runexp report`` writes it).

    ``stats``: the columns after ``model, pool_size`` in the order the report stage
    writes them (older runexp wrote fewer, never another order); ``counts`` are
    whole numbers, ``texts`` text, the rest numbers.
    """
    path = run_dir / SUMMARY
    if not path.exists() and not path.is_symlink():
        return None
    contract = (f"the columns {', '.join(_SUMMARY_HEAD)}, the parameter columns, model, "
                f"pool_size, {', '.join(stats)}")
    text = complete_text(path, ",".join(_SUMMARY_HEAD) + ",", contract)
    if not text.strip():
        raise ResultsError(f"{path}: no complete line; expected a header line of {contract}")
    names = header(text)
    tail = names[names.index("pool_size") + 1:] if "pool_size" in names else []
    if (tuple(names[:3]) != _SUMMARY_HEAD or "model" not in names
            or names[names.index("model") + 1:names.index("model") + 2] != ["pool_size"]
            or len(tail) < 3 or tuple(tail) != tuple(stats[:len(tail)])):
        raise ResultsError(f"{path}:1: not a runexp summary.csv: expected {contract}; "
                           f"found {', '.join(names)}")
    summary = parse(path, text)
    check_values(path, text, summary, ints=("pool_size", *(n for n in tail if n in counts)),
                 floats=[n for n in tail if n not in counts and n not in texts],
                 at_least={"pool_size": 1, **dict.fromkeys(counts, 0)})
    if (empty := summary["cell"].isna()).any():
        raise bad_value(path, text, first(empty), "cell", "a value")
    refuse_duplicates(path, text, summary, ("cell",), lambda key: f"cell {key[0]}")
    return summary


@dataclasses.dataclass(frozen=True)
class RunDirData:
    """A run directory as read back for report-free use (``runner.load``, export)."""

    runs: pd.DataFrame
    metadata: RunMetadata
    summary: pd.DataFrame | None  # None: not written yet
    tasks: pd.DataFrame | None  # None: no task records, or not asked for
    problems: list[str]  # experiment.yaml (not read) missing or damaged


def read_run_dir(run_dir: Path, stats: Sequence[str], *, counts: Collection[str],
                 texts: Collection[str], tasks: bool = True) -> RunDirData:
    """runs.csv, metadata.json, summary.csv and (with ``tasks``) tasks.csv, each checked;
    ``stats``, ``counts`` and ``texts`` as for ``read_summary``."""
    check_run_dir(run_dir, (METADATA, RUNS))
    runs = read_runs(run_dir)
    metadata = read_metadata(run_dir / METADATA)
    done = set(zip(runs["cell"].tolist(), runs["repetition"].tolist(), strict=True))
    found_tasks = read_tasks(run_dir, done) if tasks else None
    return RunDirData(runs, metadata, read_summary(run_dir, stats, counts=counts, texts=texts),
                      found_tasks, problems(run_dir, (INPUT,)))
