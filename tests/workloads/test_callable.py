"""The user's own function, from a module next to the YAML file, under every model."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from tests.helpers import run_cli

WriteYaml = Callable[..., Path]

MODULE = '''
import os, threading, asyncio, uuid

def setup(args):
    marker = f"setup-{os.getpid()}-{threading.get_ident()}"
    open(os.path.join(args["out"], marker), "w").close()

def work(index, args):
    open(os.path.join(args["out"], f"task-{index}-{uuid.uuid4().hex}"), "w").close()
    return index * 2

async def awork(index, args):
    await asyncio.sleep(0)
    return work(index, args)

not_a_function = 42

def sync_only(index, args):
    return index
'''


@pytest.fixture
def module_dir(tmp_path: Path) -> Path:
    (tmp_path / "mywork.py").write_text(textwrap.dedent(MODULE))
    (tmp_path / "out").mkdir()
    return tmp_path


@pytest.mark.parametrize("isolation", ["process", "inline"])
def test_a_callable_runs_under_all_four_models(module_dir: Path, isolation: str) -> None:
    out = module_dir / "out"
    (module_dir / "exp.yaml").write_text(textwrap.dedent(f"""
        name: mine
        repetitions: 2
        isolation: {isolation}
        workloads:
          - kind: callable
            target: mywork:work
            async_target: mywork:awork
            setup: mywork:setup
            tasks: 6
            args: {{out: "{out}"}}
        models: [sync, threads, asyncio, processes]
        pool_sizes: [2]
    """))
    done = run_cli("run", "exp.yaml", "--out", module_dir / "run", cwd=module_dir)
    assert done.returncode == 0, done.stderr
    runs = pd.read_csv(module_dir / "run" / "runs.csv")
    assert sorted(runs["cell"].unique()) == ["callable/asyncio/p2", "callable/processes/p2",
                                             "callable/sync", "callable/threads/p2"]
    assert (runs["status"] == "ok").all()
    assert (runs["tasks"] == 6).all()
    names = [p.name for p in out.iterdir()]
    assert sum(n.startswith("task-") for n in names) == 6 * len(runs)
    assert any(n.startswith("setup-") for n in names)


@pytest.mark.parametrize(("field", "value", "fragment"), [
    ("target", "nowhere:work", "cannot import 'nowhere:work': ModuleNotFoundError"),
    ("target", "mywork:missing", "cannot import 'mywork:missing': AttributeError"),
    ("target", "mywork:not_a_function", "is a int, not a function"),
    ("async_target", "mywork:sync_only", "is not a coroutine function"),
    ("target", "not a path", "String should match pattern"),
])
def test_bad_targets_are_validation_errors(module_dir: Path, field: str, value: str,
                                           fragment: str) -> None:
    lines = ["name: bad", "workloads:", "  - kind: callable", "    target: mywork:work"]
    if field == "target":
        lines[3] = f"    target: {value}"
    else:
        lines.append(f"    {field}: {value}")
    path = module_dir / "bad.yaml"
    path.write_text("\n".join(lines) + "\n")
    done = run_cli("validate", path, cwd=module_dir.parent)
    assert done.returncode == 2
    line = 4 if field == "target" else 5
    assert f"{path}:{line}:" in done.stderr, done.stderr
    assert fragment in done.stderr
    assert "Traceback" not in done.stderr



LIFECYCLE = '''
import os, threading

def _log(args, what):
    with open(args["log"], "a") as file:
        file.write(f"{what} {args['label']} {os.getpid()} {threading.get_ident()}\\n")

def setup(args):
    _log(args, "setup")

def teardown(args):
    _log(args, "teardown")

def work(index, args):
    if args["label"] == "raising" and index == 1:
        raise ValueError("task 1 is broken")
    return index
'''


def lifecycle_run(tmp_path: Path, isolation: str, models: str) -> list[list[str]]:
    """Run the lifecycle module through the CLI, once with a target that works and once
    with one that raises; the [event, label, pid, thread] lines it logged."""
    (tmp_path / "lifecycle.py").write_text(textwrap.dedent(LIFECYCLE))
    log = tmp_path / "log.txt"
    workloads = "".join(f"""
          - kind: callable
            label: {label}
            target: lifecycle:work
            setup: lifecycle:setup
            teardown: lifecycle:teardown
            tasks: 4
            args: {{log: "{log}", label: {label}}}""" for label in ("working", "raising"))
    (tmp_path / "exp.yaml").write_text(textwrap.dedent(f"""
        name: lifecycle
        repetitions: 2
        isolation: {isolation}
        workloads:{workloads}
        models: {models}
        pool_sizes: [2]
    """))
    done = run_cli("run", "exp.yaml", "--out", tmp_path / "run", cwd=tmp_path)
    assert done.returncode == 1, done.stderr  # the raising runs failed
    runs = pd.read_csv(tmp_path / "run" / "runs.csv")
    assert (runs["status"] == runs["workload"].map({"working": "ok", "raising": "error"})
            ).all(), runs["error"]
    return [line.split() for line in log.read_text().splitlines()]


def assert_each_setup_torn_down_once(events: list[list[str]], runs_per_label: int) -> None:
    by_worker: dict[tuple[str, str], list[str]] = {}
    for event, _, pid, thread in events:
        by_worker.setdefault((pid, thread), []).append(event)
    for worker, seen in by_worker.items():
        # setup, teardown, setup, teardown...: thread ids may be reused between runs
        assert seen == ["setup", "teardown"] * (len(seen) // 2), (worker, seen)
    for label in ("working", "raising"):  # every run set up at least once
        assert sum(e[:2] == ["setup", label] for e in events) >= runs_per_label, events


@pytest.mark.parametrize("isolation", ["process", "inline"])
def test_every_worker_that_set_up_tears_down_once(tmp_path: Path, isolation: str) -> None:
    events = lifecycle_run(tmp_path, isolation, "[sync, threads, asyncio, processes]")
    assert_each_setup_torn_down_once(events, runs_per_label=4 * 2)


def test_spawned_pool_processes_tear_down_too(tmp_path: Path) -> None:
    # fork, Linux's default, is the test above; spawned workers end differently
    events = lifecycle_run(tmp_path, "process", "{processes: {start_method: spawn}}")
    assert_each_setup_torn_down_once(events, runs_per_label=2)
