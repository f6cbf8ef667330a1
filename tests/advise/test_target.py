"""What `runexp advise` says of a function it cannot run: a coroutine function given as
the blocking target, a dot for the colon, a misspelt function, a missing module."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.helpers import run_cli

MYWORK = '''
import json


def parse_json(index, args):
    return json.loads("{}")


async def acoro(index, args):
    return index
'''


@pytest.fixture
def mywork(tmp_path: Path) -> Path:
    (tmp_path / "mywork.py").write_text(MYWORK, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(("argument", "message"), [
    ("mywork:acoro", "MODULE:FUNCTION: 'mywork:acoro' is a coroutine function (async def): "
                     "as MODULE:FUNCTION it would only make coroutines that nothing awaits; "
                     "name it with --async instead"),
    ("mywork.parse_json", "mywork.parse_json: no such file; did you mean mywork:parse_json?"),
    ("mywork.nothing", "mywork.nothing: no such file; to advise on a function, name it as "
                       "MODULE:FUNCTION, e.g. mywork:nothing"),
    ("mywork:prase_json", "MODULE:FUNCTION: cannot import 'mywork:prase_json': "
                          "AttributeError: module 'mywork' has no attribute 'prase_json'; "
                          "did you mean 'parse_json'?"),
    ("mywrok:parse_json", "cannot import 'mywrok:parse_json': ModuleNotFoundError: no module "
                          "named 'mywrok' in "),
])
def test_a_function_advise_cannot_run_is_refused_with_a_hint(
        argument: str, message: str, mywork: Path) -> None:
    done = run_cli("advise", argument, cwd=mywork)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert not (mywork / "results").exists()


def test_a_coroutine_function_as_the_files_target_points_at_async_target(
        mywork: Path) -> None:
    (mywork / "e.yaml").write_text(textwrap.dedent("""
        name: coro
        workloads: [{kind: callable, target: "mywork:acoro"}]
    """), encoding="utf-8")
    done = run_cli("advise", "e.yaml", cwd=mywork)
    assert done.returncode == 2, done.stderr
    assert "'mywork:acoro' is a coroutine function (async def)" in done.stderr
    assert "name it with `async_target` instead" in done.stderr


def test_a_module_whose_own_import_fails_names_what_it_lacks(mywork: Path) -> None:
    (mywork / "needs.py").write_text("import not_installed_here\n\ndef work(i, a):\n    pass\n",
                                     encoding="utf-8")
    done = run_cli("advise", "needs:work", cwd=mywork)
    assert done.returncode == 2, done.stderr
    assert ("cannot import 'needs:work': ModuleNotFoundError: No module named "
            "'not_installed_here'") in done.stderr
