"""The reference pages' generated parts, from the code, so that they cannot drift.

Each part sits in a committed page between two comments,
``<!-- generated: NAME ... -->`` and ``<!-- end generated: NAME -->``:

- ``cli``: every command and option, from typer's commands (``runner.cli.app``);
- ``experiment-keys``: every key of an experiment file, from its JSON Schema;
- ``runs-csv``, ``tasks-csv``, ``summary-csv``, ``scaling-csv``, ``advice-json``:
  every column or field, from the row types and the descriptions beside them.

``python docs/hooks/reference.py`` rewrites the parts in the committed pages (so that
they read on GitHub too); ``tests/docs/test_reference.py`` fails where a committed page
differs from what the code gives. As an MkDocs hook (``hooks:`` in mkdocs.yml) it builds
the site from the code itself, and warns where a committed page is stale, which fails
``mkdocs build --strict``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
#: The committed pages that hold generated parts.
PAGES = ("reference/cli.md", "reference/experiment-file.md", "reference/run-directory.md")
PART = re.compile(r"(<!-- generated: (?P<name>[a-z-]+)[^>]*-->\n)(?P<body>.*?)"
                  r"(<!-- end generated: (?P=name) -->)", re.DOTALL)
log = logging.getLogger("mkdocs.hooks.reference")


# -- Markdown helpers ----------------------------------------------------------------

def cell(text: str) -> str:
    """Text for a Markdown table cell: one line, no pipe, no raw HTML (``<`` and ``>``
    outside code spans become entities; inside them they show as typed)."""
    text = " ".join(text.split()).replace("|", "\\|")
    spans = text.split("`")
    for i in range(0, len(spans), 2):  # outside code spans
        spans[i] = spans[i].replace("<", "&lt;").replace(">", "&gt;")
    return "`".join(spans)


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def paragraphs(text: str) -> list[str]:
    """A docstring or help text as Markdown paragraphs (click rewraps lines)."""
    blocks = [" ".join(block.split()) for block in text.strip().split("\n\n")]
    return [cell(block).replace("\\|", "|") for block in blocks if block]


# -- the command line ------------------------------------------------------------------

def cli() -> list[str]:
    import typer.main

    from runner.cli.app import app

    group = typer.main.get_command(app)
    context = group.make_context("runexp", [], resilient_parsing=True)
    lines = ["### runexp", "", "```text", "runexp [OPTIONS] COMMAND [ARGS]...", "```", ""]
    lines += [*_joined(paragraphs(group.help or "")), ""]
    lines += [*_params(group, context), ""]
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        sub = command.make_context(name, [], parent=context, resilient_parsing=True)
        usage = " ".join(command.collect_usage_pieces(sub))
        lines += [f"### runexp {name}", "", "```text", f"runexp {name} {usage}", "```", ""]
        lines += [*_joined(paragraphs(command.help or "")), ""]
        lines += [*_params(command, sub), ""]
    return lines[:-1]


def _joined(blocks: list[str]) -> list[str]:
    out: list[str] = []
    for block in blocks:
        out += [block, ""]
    return out[:-1]


def _params(command: Any, context: Any) -> list[str]:
    from typer.core import TyperArgument

    rows = []
    for param in command.get_params(context):
        record = param.get_help_record(context)
        if record is None:
            continue
        if isinstance(param, TyperArgument):
            name = param.metavar or (param.name or "").upper()
            if param.nargs != 1 and not name.endswith("..."):
                name += "..."
        else:
            name = record[0]
        rows.append((f"`{name}`", cell(record[1])))
    return table(("argument or option", "what it does"), rows)


# -- the experiment file -----------------------------------------------------------------

def experiment_keys() -> list[str]:
    from runner.config.experiment import json_schema

    schema = json_schema()
    defs = schema["$defs"]
    lines = ["### Top level", "", *_keys(schema, defs), ""]
    lines += ["### Workloads", "",
              "Each entry of `workloads` is one of these kinds, chosen by its `kind`. A "
              "parameter that takes one value also takes a list of values: a grid axis.", ""]
    for ref in schema["properties"]["workloads"]["items"]["oneOf"]:
        spec = defs[ref["$ref"].rsplit("/", 1)[1]]
        kind = spec["properties"]["kind"]["const"]
        about = _joined(paragraphs(_plain(spec.get("description", ""))))
        lines += [f"#### kind: {kind}", "", *about, "", *_keys(spec, defs), ""]
    models = defs["Models"]["anyOf"]
    names = models[0]["items"]["enum"]
    lines += ["### Models", "",
              "`models` is a list of names (" + ", ".join(f"`{n}`" for n in names) + "), or a "
              "mapping from names to options (`{}` for none). The options of each:", ""]
    for name, option in models[1]["properties"].items():
        ref = next(part["$ref"] for part in option["anyOf"] if "$ref" in part)
        options = defs[ref.rsplit("/", 1)[1]]
        lines += [f"#### {name}", ""]
        lines += ([*_keys(options, defs), ""] if options.get("properties")
                  else ["No options.", ""])
    for name in ("Precision", "Executor"):
        about = _joined(paragraphs(_plain(defs[name].get("description", ""))))
        lines += [f"### {name}", "", *about, "", *_keys(defs[name], defs), ""]
    return lines[:-1]


def _keys(obj: Mapping[str, Any], defs: Mapping[str, Any]) -> list[str]:
    required = set(obj.get("required", ()))
    rows = []
    for key, prop in obj["properties"].items():
        if key == "kind" and "const" in prop:
            rows.append(("`kind`", f"`{prop['const']}`", "required", "The workload's kind."))
            continue
        default = "required" if key in required else _default(prop)
        rows.append((f"`{key}`", cell(_type(prop, defs)), default,
                     cell(_plain(_description(key, prop, defs)))))
    return table(("key", "value", "default", "what it does"), rows)


def _description(key: str, prop: Mapping[str, Any], defs: Mapping[str, Any]) -> str:
    if key == "zip":
        zipped = defs[_ref_name(prop)]["properties"]
        return (prop["description"] + " Any of " + ", ".join(f"`{name}`" for name in zipped)
                + ", each a list of values; the lists are as long as each other.")
    return str(prop.get("description", ""))


def _ref_name(prop: Mapping[str, Any]) -> str:
    ref = prop.get("$ref") or next(p["$ref"] for p in prop["anyOf"] if "$ref" in p)
    return str(ref).rsplit("/", 1)[1]


def _plain(text: str) -> str:
    return text.replace("``", "`")


def _default(prop: Mapping[str, Any]) -> str:
    if "default" not in prop or prop["default"] is None:
        return "none"
    value = prop["default"]
    if isinstance(value, list) and len(value) == 1:
        value = value[0]  # an axis' default: one value
    if value == {}:
        return "`{}`"
    if value == "":
        return "empty"
    return "`" + (value if isinstance(value, str) else json.dumps(value)) + "`"


def _type(prop: Mapping[str, Any], defs: Mapping[str, Any]) -> str:
    parts = [p for p in prop.get("anyOf", [prop]) if p.get("type") != "null"]
    if len(parts) == 2 and parts[1].get("type") == "array" and _same(parts[0], parts[1]):
        return f"{_one(parts[0], defs)}, or a list of them (a grid axis)"
    return " or ".join(_one(part, defs) for part in parts)


def _same(scalar: Mapping[str, Any], array: Mapping[str, Any]) -> bool:
    return dict(array.get("items", {})) == dict(scalar)


def _one(part: Mapping[str, Any], defs: Mapping[str, Any], *, many: bool = False) -> str:
    """What one alternative of a schema takes, in words (``many``: as a list's items)."""
    if "$ref" in part:
        return _mapping(_ref_name(part), many=many)
    if "const" in part:
        return f"`{part['const']}`"
    if "enum" in part:
        return ("any of " if many else "one of ") + ", ".join(f"`{v}`" for v in part["enum"])
    if part.get("type") == "array":
        items = part.get("items", {})
        if "oneOf" in items:
            return "a list of workloads (see Workloads)"
        return "a list of " + _one(items, defs, many=True)
    return _scalar(part, many=many)


def _mapping(name: str, *, many: bool) -> str:
    if name == "Models":
        return "a list of model names, or a mapping (see Models)"
    if name.endswith("Zip"):
        return "a mapping from parameters to lists of values"
    return f"mappings (see {name})" if many else f"a mapping (see {name})"


#: Each JSON type in words: (one, several).
NOUNS = {"object": ("a mapping", "mappings"), "string": ("text", "texts"),
         "integer": ("a whole number", "whole numbers"), "number": ("a number", "numbers"),
         "boolean": ("true or false", "trues or falses")}


def _scalar(part: Mapping[str, Any], *, many: bool) -> str:
    one, several = NOUNS.get(part.get("type", ""), ("anything", "anything"))
    noun = several if many else one
    if "pattern" in part:
        pattern = part["pattern"].strip("^$")
        if "|" in pattern:  # a code span cannot hold a table's pipe on both GitHub and
            # MkDocs: plain text, its Markdown escaped (cell() escapes the pipes)
            return f"{noun} matching " + re.sub(r"([*_\\[\]`])", r"\\\1", pattern)
        return f"{noun} matching `{pattern}`"
    return noun + _bounds(part)


def _bounds(part: Mapping[str, Any]) -> str:
    low = ("≥ " + _num(part["minimum"]) if "minimum" in part else
           "> " + _num(part["exclusiveMinimum"]) if "exclusiveMinimum" in part else "")
    high = ("≤ " + _num(part["maximum"]) if "maximum" in part else
            "< " + _num(part["exclusiveMaximum"]) if "exclusiveMaximum" in part else "")
    both = ", ".join(bound for bound in (low, high) if bound)
    return f" ({both})" if both else ""


def _num(value: float) -> str:
    return f"{value:,}"


# -- the run directory -----------------------------------------------------------------

#: Stands for the workload parameter columns where a header is built.
PARAMS = "{parameters}"


def runs_csv() -> list[str]:
    from runner.results.rows import RUN_COLUMN_DOCS, RunRecord, columns

    docs = {**RUN_COLUMN_DOCS, PARAMS: RUN_COLUMN_DOCS["params"]}
    missing = [f.name for f in dataclasses.fields(RunRecord) if f.name not in RUN_COLUMN_DOCS]
    return _columns(columns([PARAMS]), docs, missing)


def tasks_csv() -> list[str]:
    from runner.results.rows import TASK_COLUMN_DOCS, TASK_COLUMNS

    return _columns(TASK_COLUMNS, TASK_COLUMN_DOCS)


def summary_csv() -> list[str]:
    from runner.report.summary import summary_columns
    from runner.report.summary_columns import PARAMS_DOC, STAT_COLUMN_DOCS
    from runner.results.rows import CORE_COLUMNS

    docs = {**_as_in("runs.csv", CORE_COLUMNS), PARAMS: PARAMS_DOC, **STAT_COLUMN_DOCS}
    return _columns(summary_columns([PARAMS]), docs)


def scaling_csv() -> list[str]:
    from runner.report.scaling import FIT_COLUMN_DOCS, INTERVAL_COLUMN_DOCS, scaling_columns
    from runner.report.summary_columns import PARAMS_DOC
    from runner.results.rows import CORE_COLUMNS

    several = scaling_columns([PARAMS], several_pythons=True)
    only_several = set(several) - set(scaling_columns([PARAMS]))
    docs = {**_as_in("runs.csv", CORE_COLUMNS), PARAMS: PARAMS_DOC, **FIT_COLUMN_DOCS,
            **INTERVAL_COLUMN_DOCS}
    for name in only_several:
        docs[name] += " Only where the runs used several interpreters (a `python:` axis)."
    return _columns(several, docs)


def advice_json() -> list[str]:
    from runner.advise.advice_file import FIELD_DOCS

    lines: list[str] = []
    for kind, docs in FIELD_DOCS.items():
        fields = [f.name for f in dataclasses.fields(kind)]
        missing = [name for name in fields if name not in docs]
        where = {"AdviceFile": "The document", "Advice": "Each entry of `advice`",
                 "RunnerUp": "`runner_up`", "Ratio": "`ratio_vs_runner_up`"}[kind.__name__]
        lines += [f"{where}:", "", *_columns(fields, docs, missing, header="field"), ""]
    return lines[:-1]


def _as_in(where: str, names: Iterable[str]) -> dict[str, str]:
    return dict.fromkeys(names, f"As in {where}.")


def _columns(names: Iterable[str], docs: Mapping[str, str], missing: Sequence[str] = (),
             header: str = "column") -> list[str]:
    names = list(names)
    missing = [*missing, *(name for name in names if name not in docs)]
    if missing:
        raise ValueError(f"no description for {', '.join(missing)}: add one beside the "
                         "row type")
    rows = [("*one per parameter*" if name == PARAMS else f"`{name}`", cell(docs[name]))
            for name in names]
    return table((header, "what it holds"), rows)


# -- filling the pages -------------------------------------------------------------------

PARTS: dict[str, Callable[[], list[str]]] = {
    "cli": cli, "experiment-keys": experiment_keys, "runs-csv": runs_csv,
    "tasks-csv": tasks_csv, "summary-csv": summary_csv, "scaling-csv": scaling_csv,
    "advice-json": advice_json,
}


def fill(text: str) -> str:
    """The page with each generated part made afresh from the code."""
    def part(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in PARTS:
            raise ValueError(f"no generated part named {name!r}; the parts: {', '.join(PARTS)}")
        return match[1] + "\n".join(PARTS[name]()) + "\n" + match[4]

    return PART.sub(part, text)


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    """MkDocs: build the page's generated parts from the code; warn where the committed
    page differs (a strict build then fails)."""
    fresh = fill(markdown)
    if fresh != markdown:
        log.warning("%s: its generated parts differ from the code; run "
                    "`python docs/hooks/reference.py` and commit the page", page.file.src_uri)
    return fresh


def main() -> int:
    sys.path.insert(0, str(ROOT))
    for name in PAGES:
        path = ROOT / "docs" / name
        text = path.read_text(encoding="utf-8")
        fresh = fill(text)
        if fresh != text:
            path.write_text(fresh, encoding="utf-8")
            print(f"rewrote docs/{name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
