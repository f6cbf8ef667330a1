"""README.md is the front door: short, two commands to a result, links into the docs."""

from __future__ import annotations

import re

from tests.helpers import ROOT

README = ROOT / "README.md"
#: The most lines the README may have.
MOST_LINES = 300


def test_the_readme_is_short() -> None:
    assert len(README.read_text(encoding="utf-8").splitlines()) <= MOST_LINES


def test_the_quick_start_is_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Quick start\n", 1)[1].split("\n## ", 1)[0]
    [block] = re.findall(r"```sh\n(.*?)```", section, re.DOTALL)
    first, second = block.splitlines()
    assert first.endswith("runexp experiments/io.yaml")
    assert second.endswith("python -m pytest")  # .ci/run runs this line verbatim


def test_every_link_of_the_readme_leads_somewhere() -> None:
    text = README.read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    assert targets
    missing = [target for target in targets
               if "://" not in target and not (ROOT / target).exists()]
    assert missing == []
