"""The house rules of the package: stage folders, unique names, imports down the pipeline,
one exception tree, no citations of documents outside the repository."""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

from tests.helpers import ROOT

PACKAGE = ROOT / "runner"

#: What each part of the package may import besides itself: the pipeline, top to bottom.
BELOW = {
    "errors": set(),
    "plugins": {"errors"},
    "workloads": {"errors", "plugins"},
    "models": {"errors", "plugins", "workloads"},
    "config": {"errors", "plugins", "workloads", "models"},
    "plan": {"errors", "plugins", "workloads", "models", "config"},
    "results": {"errors", "plugins", "workloads", "models", "config"},
    "report": {"errors", "plugins", "workloads", "models", "config", "plan", "results"},
    "execution": {"errors", "plugins", "workloads", "models", "config", "plan", "results",
                  "report"},
    "advise": {"errors", "plugins", "workloads", "models", "config", "plan", "results",
               "report", "execution"},
    "cli": {"errors", "plugins", "workloads", "models", "config", "plan", "results", "report",
            "execution", "advise"},
}
#: Standard-library-only modules any stage may import.
LEAVES = {"runner.results.rows"}


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def part_of(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def runner_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name == "runner" or name.startswith("runner.")}


def test_one_folder_per_stage_and_few_modules_at_the_top() -> None:
    top = list(PACKAGE.glob("*.py"))
    folders = [p for p in PACKAGE.iterdir() if (p / "__init__.py").exists()]
    assert len(top) <= 8, sorted(p.name for p in top)
    assert len(folders) >= 5


def test_every_module_name_is_unique_in_the_tree() -> None:
    names = Counter(p.name for p in modules() if p.name != "__init__.py")
    assert [name for name, n in names.items() if n > 1] == []


def test_imports_go_down_the_pipeline() -> None:
    wrong = []
    for path in modules():
        part = part_of(path)
        if part not in BELOW:  # api, __init__, __main__: the top, may use anything
            continue
        for name in runner_imports(path):
            if name in LEAVES or any(name.startswith(leaf + ".") for leaf in LEAVES):
                continue
            target = name.split(".")[1] if "." in name else ""
            if target and target != part and target in {*BELOW, "api"} and target not in (
                    BELOW[part]):
                wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    # A few names resolve to a sibling attribute rather than a module; keep only modules.
    wrong = [w for w in wrong if not w.endswith((".MODELS", ".WORKLOADS"))]
    assert wrong == []


def test_every_exception_class_is_in_the_error_tree() -> None:
    outside = []
    for path in modules():
        if path.name == "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = {ast.unparse(base) for base in node.bases}
                if any(base.endswith(("Error", "Exception")) for base in bases):
                    outside.append(f"{path.relative_to(ROOT)}: {node.name}")
    assert outside == []


def test_no_citation_of_documents_outside_the_repository() -> None:
    cited = re.compile(r"\b(DESIGN|STYLE)\s*§|(DESIGN|STYLE)\.md")
    files = [*modules(), *(ROOT / "tests").rglob("*.py"), *(ROOT / "bench").glob("*.py"),
             ROOT / "README.md", *(ROOT / "docs").rglob("*.md"), *(ROOT / "docs").rglob("*.py"),
             ROOT / "mkdocs.yml", ROOT / "pyproject.toml"]
    found = [f"{path.relative_to(ROOT)}:{number}" for path in files
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if cited.search(line) and path != Path(__file__)]
    assert found == []
