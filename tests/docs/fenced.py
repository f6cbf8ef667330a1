"""The fenced code blocks of the README and the docs, with the marker that says what a
block is where it is not simply run.

A marker is an HTML comment on the last non-blank line before the block:

- ``<!-- not run: REASON -->``: the tests do not run it, for the reason given;
- ``<!-- fragment: WHAT -->``: a YAML block that is part of an experiment file;
- ``<!-- file: PATH -->``: the block is that file of the repository, verbatim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tests.helpers import ROOT

OPEN = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")
MARKER = re.compile(r"^\s*<!--\s*(?P<kind>[a-z][a-z ]*?)\s*:\s*(?P<text>.*?)\s*-->\s*$")
MARKERS = ("not run", "fragment", "file")
#: Blocks that show output, not something to run.
OUTPUT = ("text", "console")
SHELL = ("sh", "bash", "shell")


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # of the opening fence, from 1
    language: str
    text: str
    marker: str | None = None  # one of MARKERS
    note: str = ""  # the marker's reason, fragment or path
    section: str = ""  # the "## " heading it sits under

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def pages() -> list[Path]:
    """README.md and every page of the docs."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def blocks(path: Path) -> list[Block]:
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    section = ""
    i = 0
    while i < len(lines):
        opening = OPEN.match(lines[i])
        if opening is None:
            if lines[i].startswith("## "):
                section = lines[i].rstrip()
            i += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        closing = re.compile(rf"^ *{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        end = i + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        body = [line.removeprefix(indent) for line in lines[i + 1:end]]
        marker, note = _marker(lines, i)
        language = (opening["info"].split() or [""])[0].lower()
        found.append(Block(path, i + 1, language, "\n".join(body) + "\n", marker, note,
                           section))
        i = end + 1
    return found


def _marker(lines: list[str], opening: int) -> tuple[str | None, str]:
    before = opening - 1
    while before >= 0 and not lines[before].strip():
        before -= 1
    match = MARKER.match(lines[before]) if before >= 0 else None
    if match is None or match["kind"] not in MARKERS:
        return None, ""
    return match["kind"], match["text"]
