from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Any, Literal

import pytest

from runner.config.experiment import Experiment
from runner.errors import GridError
from runner.models.options import ModelOptions
from runner.plan.grid import Cell, cell_id, expand, format_value, parse_selection, select
from runner.workloads.spec import Axis, Params, WorkloadSpec
from runner.workloads.task import Resources, Task
from tests.helpers import ROOT


def cells(**fields: Any) -> list[str]:
    exp = Experiment.model_validate({"name": "t", **fields})
    return [cell.id for cell in expand(exp)]


def test_product_of_axes_times_models_times_pools() -> None:
    ids = cells(workloads=[{"kind": "http", "latency_ms": [20, 100], "size_bytes": [1, 2]}],
                models=["threads"], pool_sizes=[5, 20])
    assert len(ids) == 2 * 2 * 2
    assert ids[0] == "http[latency_ms=20,size_bytes=1]/threads/p5"
    assert len(set(ids)) == len(ids)


def test_sync_collapses_to_one_cell() -> None:
    ids = cells(workloads=[{"kind": "fib"}], models=["sync", "threads"], pool_sizes=[1, 2, 4])
    assert ids == ["fib/sync", "fib/threads/p1", "fib/threads/p2", "fib/threads/p4"]


def test_zip_is_one_axis() -> None:
    ids = cells(workloads=[{"kind": "fib", "zip": {"tasks": [40, 20, 10], "n": [25, 27, 29]}}],
                models=["sync"])
    assert ids == ["fib[tasks=40,n=25]/sync", "fib[tasks=20,n=27]/sync",
                   "fib[tasks=10,n=29]/sync"]


def test_zip_times_another_axis() -> None:
    ids = cells(workloads=[{"kind": "http", "latency_ms": [1, 2],
                            "zip": {"tasks": [4, 8], "size_bytes": [10, 20]}}],
                models=["sync"])
    assert len(ids) == 4
    assert "http[tasks=8,latency_ms=2,size_bytes=20]/sync" in ids


def test_exclude_removes_cells_matching_all_keys() -> None:
    ids = cells(workloads=[{"kind": "sleep", "duration_ms": [10, 20]}],
                models=["sync", "threads", "processes"], pool_sizes=[2, 8],
                exclude=[{"model": "processes", "pool_size": 8},
                         {"duration_ms": 20, "model": ["threads", "sync"]}])
    assert "sleep[duration_ms=10]/processes/p8" not in ids
    assert "sleep[duration_ms=20]/processes/p8" not in ids
    assert "sleep[duration_ms=20]/processes/p2" in ids
    assert not any(i.startswith("sleep[duration_ms=20]/threads") for i in ids)
    assert "sleep[duration_ms=20]/sync" not in ids
    assert "sleep[duration_ms=10]/sync" in ids


def test_exclude_by_workload_label() -> None:
    ids = cells(workloads=[{"kind": "fib", "label": "a"}, {"kind": "fib", "label": "b"}],
                models=["sync"], exclude=[{"workload": "a"}])
    assert ids == ["b/sync"]


def test_ids_are_stable_and_readable() -> None:
    fields = {"workloads": [{"kind": "http", "latency_ms": [20, 100]}],
              "models": ["threads"], "pool_sizes": [20]}
    assert cells(**fields) == ["http[latency_ms=20]/threads/p20",
                               "http[latency_ms=100]/threads/p20"]
    # Stable across processes too (resume and compare match ids of runs made in others):
    # no set or hash order may leak into them.
    script = ("import json, sys; from tests.plan.test_grid import cells; "
              "print(json.dumps(cells(**json.loads(sys.argv[1]))))")
    for seed in ("1", "2"):
        done = subprocess.run([sys.executable, "-c", script, json.dumps(fields)], cwd=ROOT,
                              env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True,
                              text=True, check=True)
        assert json.loads(done.stdout) == cells(**fields)


def test_select_by_key_values() -> None:
    exp = Experiment.model_validate({"name": "t", "workloads": [{"kind": "fib", "n": [20, 21]}],
                                     "models": ["sync", "threads"], "pool_sizes": [1, 2]})
    all_cells = expand(exp)
    chosen = select(all_cells, parse_selection(["model=threads", "n=21"]), exp.param_columns())
    assert [c.id for c in chosen] == ["fib[n=21]/threads/p1", "fib[n=21]/threads/p2"]
    either = select(all_cells, parse_selection(["pool_size=2", "pool_size=1", "model=threads"]),
                    exp.param_columns())
    assert len(either) == 4
    with pytest.raises(GridError, match="unknown key 'colour'"):
        select(all_cells, parse_selection(["colour=red"]), exp.param_columns())
    with pytest.raises(GridError, match="no cell"):
        select(all_cells, parse_selection(["n=99"]), exp.param_columns())
    with pytest.raises(GridError, match="KEY=VALUE"):
        parse_selection(["model"])


def test_whole_number_parameters_stay_integers() -> None:
    exp = Experiment.model_validate({"name": "t", "models": ["sync"], "workloads": [
        {"kind": "sleep", "duration_ms": 10}, {"kind": "http", "latency_ms": [2, 2.5]},
        {"kind": "mixed", "cpu_ms": 1, "io_ms": 3}]})
    params = [cell.params for cell in expand(exp)]
    assert params[0]["duration_ms"] == 10 and type(params[0]["duration_ms"]) is int
    assert [type(p["latency_ms"]) for p in params[1:3]] == [int, float]
    assert type(params[3]["cpu_ms"]) is int and type(params[3]["io_ms"]) is int
    assert [cell.id for cell in expand(exp)][1:3] == ["http[latency_ms=2]/sync",
                                                      "http[latency_ms=2.5]/sync"]


@dataclass(frozen=True)
class MatchTask(Task):
    count: int = 1

    def call(self, resource: Any, index: int) -> int:
        return index


class PatternSpec(WorkloadSpec):
    """A plugin's workload with a text parameter (runexp's own have none)."""

    kind: Literal["pattern"]
    pattern: Axis[str] = "abc"

    def make_task(self, params: Params, resources: Resources) -> Task:
        return MatchTask()


@pytest.mark.parametrize(("value", "shown"), [
    ("abc", "abc"), ("sha256", "sha256"), ("a-1.b_2", "a-1.b_2"), ("x:y", "x:y"),
    ("x, y=z]", '"x, y=z]"'), ("", '""'), ("a b", '"a b"'), ("a/b", '"a/b"'),
    ("a[b", '"a[b"'), ("a@b", '"a@b"'), ('say "hi"', '"say \\"hi\\""'),
    ("back\\slash", '"back\\\\slash"'), ("tab\t", '"tab\\t"'), ("20", '"20"'),
    ("2.5", '"2.5"'), ("1e3", '"1e3"'), ("nan", '"nan"'), ("true", '"true"'),
    ("False", '"False"'), ("null", '"null"'),
])
def test_text_that_could_be_misread_in_a_cell_id_is_quoted_as_json(value: str,
                                                                   shown: str) -> None:
    assert format_value(value) == shown
    assert shown == value or json.loads(shown) == value


def test_a_text_value_cannot_break_a_cell_id() -> None:
    workload = PatternSpec.model_validate({"kind": "pattern", "pattern": ["x, y=z]", "abc"]})
    cells = [Cell(cell_id(workload, params, "sync", 1), workload, params, "sync", 1,
                  ModelOptions()) for params in workload.param_sets()]
    assert [cell.id for cell in cells] == ['pattern[pattern="x, y=z]"]/sync',
                                           "pattern[pattern=abc]/sync"]
    # --only takes the value as the id shows it, or as it is
    for asked in ('"x, y=z]"', "x, y=z]"):
        assert select(cells, {"pattern": [asked]}, ["pattern"]) == cells[:1]
    assert select(cells, {"cell": [cells[0].id]}, ["pattern"]) == cells[:1]
    assert select(cells, {"pattern": ["abc"]}, ["pattern"]) == cells[1:]
