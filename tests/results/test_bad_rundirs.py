"""The corpus of damaged run directories: every command refuses each one with its message.

``tests/bad_rundirs/good/`` is a real run directory (made by ``runexp run``). Each
other folder there is one way of damaging it: the files it holds replace good/'s
files of the same name (a folder replaces a file), and its ``expect`` file says

    fragment: what the message must contain
    fragment-<command>: the same, where one command words it differently
    error: the commands that must refuse it (exit 2, nothing written)
    warn: the commands that do not need the damaged file (exit 0 and a warning)
    delete: good/'s files the case lacks

The commands run in-process through the real CLI (``runner.load`` as a notebook
calls it); resume is ``runexp run good/experiment.yaml --resume DIR``.
"""

from __future__ import annotations

import re
import shutil
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

import runner
from runner.cli.app import app
from runner.errors import RunDirWarning, RunexpError

CORPUS = Path(__file__).resolve().parent.parent / "bad_rundirs"
GOOD = CORPUS / "good"
CASES = sorted(path for path in CORPUS.iterdir() if (path / "expect").is_file())
COMMANDS = ("report", "compare", "resume", "load")
cli = CliRunner()


@dataclass
class Expect:
    fragments: dict[str, str] = field(default_factory=dict)
    error: list[str] = field(default_factory=list)
    warn: list[str] = field(default_factory=list)
    delete: list[str] = field(default_factory=list)

    def fragment(self, command: str) -> str:
        return self.fragments.get(command, self.fragments[""])


def expectation(case: Path) -> Expect:
    expect = Expect()
    for line in (case / "expect").read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition(": ")
        if key == "fragment" or key.startswith("fragment-"):
            expect.fragments[key.removeprefix("fragment").removeprefix("-")] = value
        else:
            getattr(expect, key).extend(value.split())
    return expect


def build(case: Path, target: Path) -> Path:
    """good/, damaged as ``case`` says, at ``target``."""
    shutil.copytree(GOOD, target)
    for name in expectation(case).delete:
        (target / name).unlink()
    for entry in case.iterdir():
        if entry.name == "expect":
            continue
        replaced = target / entry.name
        if replaced.is_dir():
            shutil.rmtree(replaced)
        else:
            replaced.unlink(missing_ok=True)
        if entry.is_dir():
            shutil.copytree(entry, replaced)
        else:
            shutil.copyfile(entry, replaced)
    return target


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else b"<dir>"
            for p in sorted(folder.rglob("*"))}


def invoke(command: str, folder: Path, good: Path) -> list[tuple[int, str]]:
    """Exit code and standard error of each CLI call ``command`` makes on ``folder``."""
    calls = {"report": [["report", str(folder)]],
             "compare": [["compare", str(good), str(folder)], ["compare", str(folder), str(good)]],
             "resume": [["run", str(GOOD / "experiment.yaml"), "--resume", str(folder)]]}[command]
    answers = []
    for args in calls:
        result = cli.invoke(app, args)
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            repr(result.exception))
        answers.append((result.exit_code, result.stderr))
    return answers


def test_the_corpus_is_large_and_every_case_says_what_to_expect() -> None:
    assert len(CASES) >= 30
    for case in CASES:
        expect = expectation(case)
        assert expect.fragments.get("") and (expect.error or expect.warn), case.name
        assert set(expect.error + expect.warn) <= set(COMMANDS), case.name


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_each_damaged_run_directory_is_refused_with_its_message(case: Path,
                                                                  tmp_path: Path) -> None:
    expect = expectation(case)
    good = shutil.copytree(GOOD, tmp_path / "good")
    folder = build(case, tmp_path / "damaged")
    before = snapshot(folder)
    for command in expect.error:
        fragment = expect.fragment(command)
        if command == "load":
            with pytest.raises(RunexpError) as caught:
                runner.load(folder)
            assert caught.value.exit_code == 2
            assert fragment in str(caught.value)
        else:
            for code, stderr in invoke(command, folder, good):
                assert code == 2, (command, stderr)
                assert fragment in stderr, (command, stderr)
                assert str(folder) in stderr and "Traceback" not in stderr
        assert snapshot(folder) == before, f"{command} wrote into a refused directory"
    for command in expect.warn:
        fragment = expect.fragment(command)
        if command == "load":
            with pytest.warns(RunDirWarning, match=re.escape(fragment)):
                loaded = runner.load(folder)
            assert len(loaded.runs) == 4
        else:
            for code, stderr in invoke(command, folder, good):
                assert code == 0, (command, stderr)
                assert any(line.startswith("runexp: warning: ") and fragment in line
                           for line in stderr.splitlines()), (command, stderr)
    assert snapshot(good) == snapshot(GOOD)


def test_the_good_run_directory_passes_every_command_without_a_warning(tmp_path: Path) -> None:
    folder = shutil.copytree(GOOD, tmp_path / "good")
    for command in ("compare", "resume", "report"):
        for code, stderr in invoke(command, folder, folder):
            assert code == 0, (command, stderr)
            assert "warning" not in stderr, (command, stderr)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = runner.load(folder)
    assert len(loaded.runs) == 4 and len(loaded.tasks) == 8 and len(loaded.summary) == 2
