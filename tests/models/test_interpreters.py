"""The interpreters model (InterpreterPoolExecutor, Python 3.14+) end to end: CPU work in
subinterpreters, its start-up measured, the user's own module imported there, and
each interpreter's teardown run once.

Elsewhere these tests skip; with RUNEXP_REQUIRE_INTERPRETERS set (CI's Python 3.14
job) a Python without the model fails them instead.
"""

from __future__ import annotations

import concurrent.futures
import os
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from tests.helpers import ROOT, run_cli

#: Part of the end-to-end subset CI runs under every Python (.ci/pythons).
pytestmark = pytest.mark.e2e

if not hasattr(concurrent.futures, "InterpreterPoolExecutor"):
    if os.environ.get("RUNEXP_REQUIRE_INTERPRETERS"):
        raise RuntimeError("RUNEXP_REQUIRE_INTERPRETERS is set, but this Python has no "
                           "InterpreterPoolExecutor")
    pytest.skip("InterpreterPoolExecutor needs Python 3.14 or newer",
                allow_module_level=True)

MODULE = '''
import os


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def work(index, args):
    return fib(args["n"])


def opened(args):
    with open(os.path.join(args["dir"], f"open-{os.getpid()}-{id(args)}"), "w"):
        pass


def closed(args):
    with open(os.path.join(args["dir"], f"close-{os.getpid()}-{id(args)}"), "w"):
        pass
'''


def test_cpu_work_runs_in_subinterpreters_with_each_teardown_once(tmp_path: Path) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    (tmp_path / "mywork.py").write_text(MODULE, encoding="utf-8")
    (tmp_path / "e.yaml").write_text(textwrap.dedent(f"""
        name: interpreters
        repetitions: 2
        workloads:
          - kind: callable
            target: mywork:work
            setup: mywork:opened
            teardown: mywork:closed
            args: {{n: 18, dir: "{marks}"}}
            tasks: 6
            record_tasks: true
          - {{kind: fib, tasks: 4, n: 18, record_tasks: true}}
        models: [sync, interpreters]
        pool_sizes: [2]
    """), encoding="utf-8")
    # run from elsewhere: the module is found from the file's folder, not the cwd
    done = run_cli("run", tmp_path / "e.yaml", "--out", tmp_path / "out", cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    runs = pd.read_csv(tmp_path / "out" / "runs.csv")
    assert (runs["status"] == "ok").all(), runs[["cell", "error"]]
    pooled = runs[runs["model"] == "interpreters"]
    assert (pooled["startup_s"] > 0).all()  # creating the interpreters is measured
    tasks = pd.read_csv(tmp_path / "out" / "tasks.csv")
    workers = set(tasks.loc[tasks["model"] == "interpreters", "worker"])
    assert workers <= {"interpreter-1", "interpreter-2"} and "interpreter-1" in workers
    # each interpreter that opened closed once: the user's setup and teardown ran
    # there (the module found from the experiment file's folder, as elsewhere)
    opened = sorted(p.name.removeprefix("open-") for p in marks.glob("open-*"))
    closed = sorted(p.name.removeprefix("close-") for p in marks.glob("close-*"))
    assert opened and closed == opened
