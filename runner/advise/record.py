"""What an advise run writes besides its rows: experiment.yaml as searched, and metadata."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from runner.config.loader import ExperimentFile, parse_yaml
from runner.execution.environment import environment, load_average
from runner.execution.pipeline import now
from runner.results.metadata import OptionsRecord, RunMetadata


def final_experiment_text(source: ExperimentFile, tried: Mapping[str, list[int]],
                          models: Mapping[str, bool]) -> str:
    """The input file's data with each model's pool sizes replaced by those tried (the
    file's own pool sizes and exclude entries named cells advise never measured)."""
    data, _ = parse_yaml(source.text, str(source.path))
    given = data.get("models")
    chosen: dict[str, dict[str, Any]] = {}
    for name, pooled in models.items():
        own = dict(given.get(name) or {}) if isinstance(given, dict) else {}
        own.pop("pool_sizes", None)
        if pooled:
            if not tried.get(name):
                continue
            own["pool_sizes"] = list(tried[name])
        chosen[name] = own
    data.pop("pool_sizes", None)
    data.pop("exclude", None)
    data["models"] = chosen
    header = ("# Written by runexp advise: the models carry, as their pool sizes, exactly\n"
              "# those it measured; the input file's workloads are kept as they were.\n")
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True,
                                   default_flow_style=None)


def start_metadata(source: ExperimentFile, run_id: str, groups: int,
                   cluster: str | None = None) -> RunMetadata:
    """metadata.json as the search begins; its cells and runs are known only at the end."""
    return RunMetadata(
        run_id=run_id, started_at=now(), command=shlex.join(
            [Path(sys.argv[0]).name, *sys.argv[1:]]),
        experiment_file=str(source.path),
        experiment=source.experiment.model_dump(mode="json", by_alias=True),
        options=OptionsRecord(cluster=cluster), seed=None, cells=groups, planned_runs=0,
        load_average_at_start=load_average(),
        environment=environment(source.path.parent.resolve()),
    )


def ended(metadata: RunMetadata, interrupted: bool, runs: int, *, cells: int) -> RunMetadata:
    """The search decides its cells and runs as it goes: recorded once it ends."""
    return replace(metadata, ended_at=now(), interrupted=interrupted, cells=cells,
                   planned_runs=runs)
