"""A run directory in other tools' formats: pyperf's benchmark suite, or one JSON document.

pyperf: one benchmark per cell, named by its cell id; one run per ``ok`` row with its
``wall_s`` as the single value (seconds); metadata from metadata.json. pyperf's own
classes write it (the ``runexp[pyperf]`` extra), so ``pyperf stats``, ``show``,
``hist`` and ``compare_to`` read it as their own, and give the medians summary.csv
gives.

JSON: ``{"format": "runexp", "version": 1, "metadata": ..., "summary": [...],
"runs": [...]}``: the rows of summary.csv and runs.csv, numbers as numbers and
missing values as null.
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import runner
from runner.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd

    from runner.results.metadata import RunMetadata

FORMATS = ("pyperf", "json")
JSON_VERSION = 1


@dataclass(frozen=True)
class Export:
    text: str
    warnings: list[str]


def export_run(fmt: str, run_dir: Path) -> Export:
    """Read ``run_dir`` as ``runexp report`` checks it and write it in ``fmt``; files it
    does not need (experiment.yaml, tasks.csv) may be missing: warnings, not errors."""
    import pandas as pd

    from runner.report.summary import COUNT_COLUMNS, STAT_COLUMNS, TEXT_COLUMNS
    from runner.results import readers, rundir

    if fmt not in FORMATS:
        raise UsageError(f"--format {fmt}: expected one of {', '.join(FORMATS)}")
    data = readers.read_run_dir(run_dir, STAT_COLUMNS, counts=COUNT_COLUMNS,
                                texts=TEXT_COLUMNS, tasks=False)
    summary = data.summary
    if summary is None:
        if fmt == "json":
            raise UsageError(f"{run_dir / rundir.SUMMARY}: missing; `runexp report "
                             f"{run_dir}` rebuilds it")
        summary = pd.DataFrame()
    result = export(fmt, data.runs, summary, data.metadata)
    return Export(result.text, data.problems + result.warnings)


def export(fmt: str, runs: pd.DataFrame, summary: pd.DataFrame, metadata: RunMetadata
           ) -> Export:
    if fmt == "pyperf":
        return to_pyperf(runs, metadata)
    if fmt == "json":
        return Export(to_json(runs, summary, metadata), [])
    raise UsageError(f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}")


def to_json(runs: pd.DataFrame, summary: pd.DataFrame, metadata: RunMetadata) -> str:
    document = {"format": "runexp", "version": JSON_VERSION, "metadata": metadata.to_json(),
                "summary": _records(summary), "runs": _records(runs)}
    return json.dumps(document, indent=1, allow_nan=False) + "\n"


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(key): _plain(value) for key, value in row.items()}
            for row in frame.to_dict(orient="records")]


def _plain(value: Any) -> Any:
    """A JSON value: numpy scalars as Python numbers, NaN and NA as null."""
    if value is None:
        return None
    if hasattr(value, "item"):  # numpy and pandas scalars
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return None
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    return value


def to_pyperf(runs: pd.DataFrame, metadata: RunMetadata) -> Export:
    try:
        import pyperf
    except ImportError:
        raise UsageError("--format pyperf writes with pyperf's own classes: "
                         "pip install 'runexp[pyperf]'") from None
    environment = metadata.environment
    common: dict[str, Any] = {
        "loops": 1, "unit": "second", "hostname": environment.host,
        "python_version": environment.python.version,
        "python_implementation": environment.python.implementation.lower(),
        "cpu_model_name": environment.cpu.model,
        "runexp_version": runner.__version__,
        "runexp_experiment": str(metadata.experiment.get("name", "")),
        "runexp_run_id": metadata.run_id,
    }
    if environment.cpu.logical_cores:
        common["cpu_count"] = environment.cpu.logical_cores
    ok = runs[runs["status"] == "ok"]
    benchmarks = []
    for cell, rows in ok.groupby("cell", sort=False):
        pyperf_runs = []
        for row in rows.to_dict(orient="records"):
            host = row["host"] if isinstance(row["host"], str) else common["hostname"]
            values = {**common, "name": str(cell), "date": str(row["started_at"]),
                      "hostname": host}
            pyperf_runs.append(pyperf.Run([float(row["wall_s"])], metadata=values,
                                          collect_metadata=False))
        benchmarks.append(pyperf.Benchmark(pyperf_runs))
    measured = set(ok["cell"])
    skipped = [f"{cell}: no ok run, left out of the pyperf suite"
               for cell in dict.fromkeys(runs["cell"]) if cell not in measured]
    if not benchmarks:
        raise UsageError("no ok run to export: a pyperf suite needs at least one value")
    buffer = io.StringIO()
    pyperf.BenchmarkSuite(benchmarks).dump(buffer)
    return Export(buffer.getvalue(), skipped)
