"""What a plugin's classes are checked for when they load (runner.workloads.checks), and
how the registries set aside the ones that fail (runner.plugins), without installing any:
the entry points are stand-ins."""

from __future__ import annotations

import re
import sys
import types
import warnings
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import pytest
from pydantic import Field

from runner.errors import PluginWarning
from runner.plan.grid import SELECT_KEYS
from runner.plugins import load_group, load_object
from runner.results.rows import CORE_COLUMNS
from runner.workloads import BUILTIN
from runner.workloads.checks import RESERVED, check_defaults, check_spec_class
from runner.workloads.spec import Axis, WorkloadSpec
from runner.workloads.task import Task
from tests.helpers import ROOT


@dataclass(frozen=True)
class OneTask(Task):
    count: int = 1

    def call(self, resource: Any, index: int) -> int:
        return index


def spec(fields: str) -> type[WorkloadSpec]:
    """A plugin's spec class of kind ``s`` with these field lines."""
    source = (f"class S(WorkloadSpec):\n    kind: Literal['s']\n{fields}\n"
              "    def make_task(self, params, resources):\n        return OneTask()\n")
    namespace = {"__name__": "a_plugin", "WorkloadSpec": WorkloadSpec, "Axis": Axis,
                 "Literal": Literal, "Annotated": Annotated, "Field": Field, "OneTask": OneTask}
    with warnings.catch_warnings():  # pydantic's own warning of a field that hides a method
        warnings.simplefilter("ignore")
        exec(compile(source, "a_plugin.py", "exec", dont_inherit=True), namespace)
    return namespace["S"]


@pytest.mark.parametrize(("fields", "expected"), [
    ("    label: Axis[str] = 'x'", "S.label: the name 'label' is reserved"),
    ("    zip: Axis[int] = 1", "S.zip: the name 'zip' is reserved"),
    ("    record_tasks: bool = True", "S.record_tasks: the name 'record_tasks' is reserved"),
    ("    wall_s: Axis[float] = 1.0", "S.wall_s: the name 'wall_s' is reserved (runs.csv's"),
    ("    others_cores: int = 1", "S.others_cores: the name 'others_cores' is reserved"),
    ("    cell: Axis[str] = 'a'", "S.cell: the name 'cell' is reserved"),
    ("    python: Axis[str] = 'a'", "S.python: the name 'python' is reserved"),
    ("    n: Axis[int] = Field(default=1, alias='model')", "S.n: the name 'model' is reserved"),
    ("    name: Axis[int] = 1", "S.name: the name 'name' is reserved (it would hide"),
    ("    tasks: Axis[int] = '1000'",
     "S.tasks: default '1000' is not valid: Input should be a valid integer"),
    ("    tasks: Axis[int] = 2.5", "S.tasks: default 2.5 is not valid: Input should be a valid"),
    ("    n: int = 2.5", "S.n: default 2.5 is not valid"),
    ("    n: Axis[Annotated[int, Field(ge=1)]] = 0",
     "S.n: default 0 is not valid: Input should be greater than or equal to 1"),
])
def test_a_reserved_name_or_a_wrong_default_is_refused_when_the_plugin_loads(
        fields: str, expected: str) -> None:
    with pytest.raises(TypeError, match="^" + re.escape(expected)):
        check_spec_class(spec(fields), "s")


def test_what_the_plugin_guide_allows_is_accepted() -> None:
    check_spec_class(spec("    tasks: Axis[Annotated[int, Field(ge=1)]] = 10\n"
                          "    pattern: Axis[str] = 'abc'\n    size: int = Field(default=3)"),
                     "s")


def test_every_key_a_cell_is_selected_by_is_reserved() -> None:
    assert set(SELECT_KEYS) <= RESERVED
    assert set(CORE_COLUMNS) - {"tasks"} <= RESERVED
    assert "tasks" not in RESERVED  # the built-ins' parameter that *is* the column


def test_the_built_ins_defaults_are_valid() -> None:
    for value in BUILTIN.values():
        check_defaults(load_object(value))


class FakeDistribution:
    def __init__(self, name: str) -> None:
        self.name, self.version = name, "1.0"


@dataclass(frozen=True)
class FakeEntryPoint:
    name: str
    value: str
    dist: FakeDistribution


def registries(monkeypatch: pytest.MonkeyPatch, *points: tuple[str, str, str]) -> Any:
    """load_group over stand-in entry points (name, ``module:Name``, distribution)."""
    module = types.ModuleType("fake_plugins")
    module.Good, module.Bad = "good", "bad"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_plugins", module)
    fakes = [FakeEntryPoint(name, value, FakeDistribution(dist)) for name, value, dist in points]
    monkeypatch.setattr("runner.plugins.entry_points", lambda group: fakes)

    def adopt(name: str, obj: Any) -> str:
        if obj != "good":
            raise TypeError(f"{obj!r} is not good")
        return f"{name}={obj}"

    return load_group("runexp.tests", adopt, {"own": "fake_plugins:Good"})


def test_plugins_that_cannot_be_used_are_set_aside_with_a_warning_each(
        monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.warns(PluginWarning) as warned:
        registry, broken = registries(
            monkeypatch, ("fine", "fake_plugins:Good", "pkg-a"),
            ("bad", "fake_plugins:Bad", "pkg-a"), ("gone", "no_such_module:X", "pkg-a"),
            ("twice", "fake_plugins:Good", "pkg-b"), ("twice", "fake_plugins:Good", "pkg-a"),
            ("own", "fake_plugins:Good", "pkg-c"), ("fine2", "fake_plugins:Good", "runexp"))
    assert registry == {"own": "own=good", "fine": "fine=good"}  # runexp's own first
    assert sorted(broken) == ["bad", "gone", "own", "twice"]
    assert [str(w.message) for w in warned] == [str(b) for b in broken.values()]
    assert str(broken["bad"]) == ("plugin 'bad' (runexp.tests: fake_plugins:Bad) cannot be "
                                  "used: TypeError: 'bad' is not good (installed by pkg-a 1.0)")
    assert broken["gone"].error.startswith("ModuleNotFoundError: No module named")
    assert broken["gone"].distribution == "pkg-a 1.0"
    assert broken["own"].error == "the name is one of runexp's own; choose another"
    assert broken["twice"].distribution == "pkg-a 1.0 and pkg-b 1.0"
    assert "2 installed packages register this name" in str(broken["twice"])


def test_without_plugins_nothing_is_set_aside(monkeypatch: pytest.MonkeyPatch) -> None:
    registry, broken = registries(monkeypatch)
    assert list(registry) == ["own"]
    assert broken == {}


def test_a_model_name_the_models_mapping_cannot_hold_is_set_aside(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import runner.models
    from runner.models.sync import SyncModel

    module = types.ModuleType("fake_models")
    names = ("selected", "model_config", "copy", "a/b", "backwards")
    for i, name in enumerate(names):
        setattr(module, f"Model{i}", type(f"Model{i}", (SyncModel,), {"name": name}))
    monkeypatch.setitem(sys.modules, "fake_models", module)
    fakes = [FakeEntryPoint(name, f"fake_models:Model{i}", FakeDistribution("pkg"))
             for i, name in enumerate(names)]
    monkeypatch.setattr("runner.plugins.entry_points", lambda group: fakes)
    with pytest.warns(PluginWarning):
        registry, broken = load_group("runexp.models", runner.models._adopt, {})
    assert list(registry) == ["backwards"]
    assert sorted(broken) == ["a/b", "copy", "model_config", "selected"]
    assert "the model name 'selected' is reserved" in str(broken["selected"])
    assert "the model name 'a/b' is not a name" in str(broken["a/b"])


def test_a_kind_that_would_break_cell_ids_is_refused() -> None:
    with pytest.raises(TypeError, match="the kind 'a/b' is not a name"):
        check_spec_class(spec("    tasks: Axis[int] = 1"), "a/b")


def test_the_plugin_guide_lists_every_reserved_name() -> None:
    guide = (ROOT / "docs" / "how-to" / "plugin.md").read_text(encoding="utf-8")
    listed = guide.split("Some names are reserved", 1)[1].split("nor like an attribute", 1)[0]
    assert set(re.findall(r"`(\w+)`", listed)) == RESERVED - {"zip_"}
