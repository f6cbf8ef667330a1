from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from pydantic import ValidationError

from runner.config.experiment import (
    DEFAULT_POOL_SIZES,
    DEFAULT_REPETITIONS,
    Experiment,
    json_schema,
)
from runner.models.options import ProcessOptions
from tests.helpers import ROOT


def experiment(**fields: Any) -> Experiment:
    return Experiment.model_validate({"name": "t", "workloads": [{"kind": "fib"}], **fields})


def errors(**fields: Any) -> list[tuple[tuple[Any, ...], str]]:
    with pytest.raises(ValidationError) as caught:
        experiment(**fields)
    return [(e["loc"], e["msg"]) for e in caught.value.errors()]


def test_defaults() -> None:
    exp = experiment()
    assert exp.repetitions == DEFAULT_REPETITIONS
    assert exp.warmups == 0
    assert exp.timeout_s is None
    assert exp.pool_sizes == list(DEFAULT_POOL_SIZES)
    assert list(exp.models.selected()) == ["sync", "threads", "asyncio", "processes"]


def test_a_list_makes_an_axis_and_a_scalar_a_single_value() -> None:
    exp = experiment(workloads=[{"kind": "http", "latency_ms": [20, 100], "tasks": 8}])
    workload = exp.workloads[0]
    assert workload.latency_ms == (20.0, 100.0)
    assert workload.tasks == (8,)
    assert workload.varying() == {"latency_ms"}


def test_zip_pairs_values() -> None:
    exp = experiment(workloads=[{"kind": "fib", "zip": {"tasks": [40, 20], "n": [25, 27]}}])
    assert list(exp.workloads[0].param_sets()) == [{"tasks": 40, "n": 25}, {"tasks": 20, "n": 27}]


def test_models_in_mapping_form_keep_options_in_registry_order() -> None:
    exp = experiment(models={"processes": {"pool_sizes": [1, 2], "start_method": "spawn"},
                             "sync": None})
    selected = exp.models.selected()
    assert list(selected) == ["sync", "processes"]
    assert isinstance(selected["processes"], ProcessOptions)
    assert exp.pool_sizes_for("processes") == [1, 2]
    assert exp.pool_sizes_for("sync") == [1]


@pytest.mark.parametrize(("fields", "loc", "fragment"), [
    ({"repetitions": -1}, ("repetitions", "count"), "greater than or equal to 1"),
    ({"repetitions": "3"}, ("repetitions",), "expected a whole number of runs"),
    ({"repetitions": {"min": 4, "max": 2}}, ("repetitions", "precision", "max"),
     "at least min (4)"),
    ({"colour": "red"}, ("colour",), "Extra inputs"),
    ({"models": ["sync", "green_threads"]}, ("models", 1), "unknown model 'green_threads'"),
    ({"models": ["sync", "sync"]}, ("models", 1), "listed twice"),
    ({"models": {"threads": {"start_method": "fork"}}}, ("models", "threads", "start_method"),
     "Extra inputs"),
    ({"pool_sizes": [4, 4]}, ("pool_sizes",), "listed twice"),
    ({"pool_sizes": [0]}, ("pool_sizes", 0), "greater than or equal to 1"),
    ({"name": "Has Spaces"}, ("name",), "pattern"),
    ({"workloads": []}, ("workloads",), "at least 1 item"),
    ({"workloads": [{"kind": "fib", "n": [20, 20]}]}, ("workloads", 0, "fib", "n"),
     "listed twice"),
    ({"workloads": [{"kind": "fib", "n": True}]}, ("workloads", 0, "fib", "n", 0),
     "valid integer"),
    ({"workloads": [{"kind": "gpu"}]}, ("workloads", 0), "does not match"),
    ({"workloads": [{"kind": "fib", "zip": {"n": [1, 2], "tasks": [1]}}]},
     ("workloads", 0, "fib", "zip"), "same length"),
    ({"workloads": [{"kind": "fib", "n": 3, "zip": {"n": [1, 2]}}]},
     ("workloads", 0, "fib", "n"), "both here and in zip"),
    ({"workloads": [{"kind": "fib", "zip": {"m": [1]}}]},
     ("workloads", 0, "fib", "zip", "m"), "Extra inputs"),
    ({"workloads": [{"kind": "http", "urls": ["http://127.0.0.1:9/"], "size_bytes": 10}]},
     ("workloads", 0, "http", "size_bytes"), "does not apply with urls"),
    ({"workloads": [{"kind": "http", "urls": ["ftp://x"]}]},
     ("workloads", 0, "http", "urls", 0), "pattern"),
    ({"workloads": [{"kind": "fib"}, {"kind": "fib"}]}, ("workloads", 1, "label"), "used twice"),
    ({"exclude": [{"modle": "sync"}]}, ("exclude", 0, "modle"), "did you mean 'model'"),
    ({"exclude": [{"pool_size": 3}]}, ("exclude", 0, "pool_size"), "matches no cell"),
])
def test_invalid_files_name_the_field(fields: dict[str, Any], loc: tuple[Any, ...],
                                      fragment: str) -> None:
    found = errors(**fields)
    assert any(got_loc == loc and fragment in msg for got_loc, msg in found), found


def test_exclude_may_name_parameters_and_workloads() -> None:
    exp = experiment(workloads=[{"kind": "fib", "label": "small", "n": [20, 22]}],
                     exclude=[{"workload": "small", "n": 22}, {"model": ["threads", "asyncio"]}])
    assert len(exp.exclude) == 2


def test_exclude_that_removes_every_cell_is_refused() -> None:
    found = errors(models=["sync", "threads"], pool_sizes=[1, 2],
                   exclude=[{"model": "sync"}, {"model": "threads"}])
    assert any(loc == ("exclude",) and "removes every cell" in msg and "3 cells" in msg
               for loc, msg in found), found
    exp = experiment(models=["sync", "threads"], exclude=[{"model": "threads"}])
    assert len(exp.exclude) == 1  # one cell left is enough


def test_one_pool_size_may_be_given_without_a_list() -> None:
    exp = experiment(models={"threads": {"pool_sizes": 4}, "processes": None}, pool_sizes=2)
    assert exp.pool_sizes == [2]
    assert exp.pool_sizes_for("threads") == [4]
    assert exp.pool_sizes_for("processes") == [2]
    assert ("pool_sizes",) in [loc[:1] for loc, _ in errors(pool_sizes=0)]
    assert any(loc[:3] == ("models", "threads", "pool_sizes")
               for loc, _ in errors(models={"threads": {"pool_sizes": 0}}))


def test_the_schema_accepts_one_pool_size_too() -> None:
    schema = json_schema()
    for pool_sizes in (4, [4, 8]):
        jsonschema.validate({"name": "x", "workloads": [{"kind": "fib"}], "pool_sizes": pool_sizes,
                             "models": {"threads": {"pool_sizes": pool_sizes}}}, schema)
    for wrong in (0, [], "4"):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({"name": "x", "workloads": [{"kind": "fib"}],
                                 "models": {"threads": {"pool_sizes": wrong}}}, schema)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({"name": "x", "workloads": [{"kind": "fib"}],
                                 "pool_sizes": wrong}, schema)


def test_the_published_schema_is_the_current_one() -> None:
    published = json.loads((ROOT / "docs" / "experiment.schema.json").read_text())
    assert published == json.loads(json.dumps(json_schema()))
