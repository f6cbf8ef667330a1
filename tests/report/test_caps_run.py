"""A real run of calls through a semaphore of 6: the verdict names the cap under threads
and under asyncio, and the terminal summary says it."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from runner.execution.pipeline import RunOptions, run
from runner.report.markdown import terminal_summary

#: The user's module: a blocking and an asynchronous form of one call through 6 slots.
WORK = '''
import asyncio
import threading
import time
import weakref

SEM = threading.Semaphore(6)
_ASYNC = weakref.WeakKeyDictionary()  # one asyncio.Semaphore per event loop


def work(index, args):
    with SEM:
        time.sleep(args["ms"] / 1000)


async def awork(index, args):
    loop = asyncio.get_running_loop()
    sem = _ASYNC.get(loop)
    if sem is None:
        sem = _ASYNC[loop] = asyncio.Semaphore(6)
    async with sem:
        await asyncio.sleep(args["ms"] / 1000)
'''

EXPERIMENT = """
name: capped
repetitions: 3
isolation: inline
workloads:
  - kind: callable
    target: runexp_caps_six:work
    async_target: runexp_caps_six:awork
    tasks: 24
    record_tasks: true
    args: {ms: 10}
models: [sync, threads, asyncio]
pool_sizes: [4, 8, 16]
"""


def test_a_semaphore_of_6_is_named_under_threads_and_asyncio(
        write_yaml: Callable[[str], Path], tmp_path: Path) -> None:
    (tmp_path / "runexp_caps_six.py").write_text(WORK)
    outcome = run(write_yaml(EXPERIMENT), RunOptions(out=tmp_path / "run"))
    assert outcome.content is not None
    [group] = outcome.content.groups
    for model in ("threads", "asyncio"):
        # "threads and asyncio stop gaining at about 6 calls ..." or, where a noisy
        # run puts them apart, "threads stop gaining at about 6 calls ..., and
        # asyncio at about 7 calls ..."
        named = re.search(rf"{model}(?: and \w+)?(?: stops? gaining)? at about (\d+) calls? "
                          r"at once although up to (\d+) were in flight", group.verdict)
        assert named, group.verdict
        assert 5 <= int(named.group(1)) <= 7, group.verdict
        assert int(named.group(2)) >= 12, group.verdict
    assert "something in the work lets" in group.verdict
    assert "peaks near" not in group.verdict
    said = " ".join(terminal_summary(outcome.content).split())
    assert "something in the work lets" in said
    # the scaling table names the cap where the fitted law would name a peak
    if outcome.content.scaling:
        peaks = {row["model"]: row["peak pool (95% CI)"]
                 for row in outcome.content.scaling[0].rows}
        assert all(peak.startswith("capped at about") for peak in peaks.values()), peaks
        # and the scaling plot names the cap, not a fitted peak
        scaling = (tmp_path / "run" / "plots" / "scaling.svg").read_text()
        assert "capped at about" in scaling and " peak: " not in scaling
