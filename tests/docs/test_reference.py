"""The reference pages are generated from the code (docs/hooks/reference.py): the
committed pages must be what the code gives now, and every column, field and key
must say what it holds."""

from __future__ import annotations

import dataclasses
import importlib.util
from types import ModuleType
from typing import Any

import pytest

from runner.advise.advice_file import FIELD_DOCS, AdviceFile
from runner.config.experiment import json_schema
from runner.results.rows import RUN_COLUMN_DOCS, TASK_COLUMN_DOCS, TASK_COLUMNS, RunRecord
from tests.helpers import ROOT


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_reference",
                                                  ROOT / "docs" / "hooks" / "reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("page", generator().PAGES)
def test_the_committed_reference_is_what_the_code_gives(page: str) -> None:
    text = (ROOT / "docs" / page).read_text(encoding="utf-8")
    assert "<!-- generated: " in text
    assert generator().fill(text) == text, (
        f"docs/{page} is stale: run `python docs/hooks/reference.py` and commit it")


def test_every_runs_csv_column_says_what_it_holds() -> None:
    assert list(RUN_COLUMN_DOCS) == [f.name for f in dataclasses.fields(RunRecord)]
    assert all(text.strip() for text in RUN_COLUMN_DOCS.values())
    assert tuple(TASK_COLUMN_DOCS) == TASK_COLUMNS


def test_every_advice_json_field_says_what_it_holds() -> None:
    records = {AdviceFile}
    pending = [AdviceFile]
    while pending:  # every record type advice.json nests
        for field in dataclasses.fields(pending.pop()):
            for kind in FIELD_DOCS:
                if kind.__name__ in str(field.type) and kind not in records:
                    records.add(kind)
                    pending.append(kind)
    assert set(FIELD_DOCS) == records
    for kind, docs in FIELD_DOCS.items():
        assert list(docs) == [f.name for f in dataclasses.fields(kind)], kind.__name__
        assert all(text.strip() for text in docs.values()), kind.__name__


def test_every_experiment_file_key_says_what_it_does() -> None:
    schema = json_schema()
    missing = [f"{name}.{key}" for name, obj in [("(top)", schema), *schema["$defs"].items()]
               for key, prop in obj.get("properties", {}).items()
               if not _described(name, key, prop)]
    assert missing == []


def _described(name: str, key: str, prop: dict[str, Any]) -> bool:
    if name.endswith("SpecZip") or (key == "kind" and "const" in prop):
        return True  # a zip's members are the parameters; a kind is its own name
    if name == "Models":
        return True  # model names: their options are described
    return bool(prop.get("description"))


def test_a_column_without_a_description_fails_the_generator() -> None:
    reference = generator()
    with pytest.raises(ValueError, match="no description for new_column"):
        reference._columns(["run_id", "new_column"], {"run_id": "As in runs.csv."})
