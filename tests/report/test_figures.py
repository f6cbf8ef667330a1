"""Saving figures: in forked processes where safe, here otherwise; failures and Ctrl-C."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from matplotlib.figure import Figure

from runner.report import figures
from runner.report.figures import Made, save_all


def made(*names: str) -> list[Made]:
    out = []
    for name in names:
        figure = Figure(figsize=(3, 2), layout="constrained")
        ax = figure.add_subplot(1, 1, 1)
        ax.plot([1, 2, 4], [3, 2, 1])
        ax.set_title(name)
        out.append(Made(name, f"title of {name}", figure))
    return out


@pytest.fixture
def savers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each save leaves a file naming the process that saved it (the patched function
    reaches forked children with the fork)."""
    record = tmp_path / "savers"
    record.mkdir()
    real = figures.save

    def save(folder: Path, one: Made) -> figures.Plot:
        (record / one.name).write_text(str(os.getpid()), encoding="utf-8")
        if one.name.startswith("broken"):
            raise ValueError(f"cannot draw {one.name}")
        return real(folder, one)

    monkeypatch.setattr(figures, "save", save)
    return record


@pytest.fixture
def a_thread() -> Iterator[None]:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    yield
    stop.set()
    thread.join()


def pids(record: Path) -> dict[str, int]:
    return {p.name: int(p.read_text(encoding="utf-8")) for p in record.iterdir()}


def test_figures_are_saved_by_forked_children_in_the_order_given(tmp_path: Path,
                                                                 savers: Path) -> None:
    saved, problem = save_all(tmp_path, made("wall", "speedup", "scaling"), processes=2)
    assert problem == ""
    assert [p.name for p in saved] == ["wall", "speedup", "scaling"]
    for plot in saved:
        assert plot.png.stat().st_size > 0 and plot.svg.read_text().startswith("<?xml")
        assert plot.title == f"title of {plot.name}"
    by = pids(savers)
    assert os.getpid() not in by.values() and len(set(by.values())) == 3


def test_with_another_thread_running_nothing_is_forked(tmp_path: Path, savers: Path,
                                                       a_thread: None) -> None:
    saved, problem = save_all(tmp_path, made("wall", "speedup"), processes=2)
    assert problem == "" and [p.name for p in saved] == ["wall", "speedup"]
    assert set(pids(savers).values()) == {os.getpid()}


@pytest.mark.parametrize("forked", [True, False])
def test_a_failing_figure_is_reported_and_the_others_are_kept(
        tmp_path: Path, savers: Path, request: pytest.FixtureRequest, forked: bool) -> None:
    if not forked:
        request.getfixturevalue("a_thread")
    saved, problem = save_all(tmp_path, made("wall", "broken1", "scaling", "broken2"),
                              processes=2)
    assert problem == "ValueError: cannot draw broken1"
    assert [p.name for p in saved] == ["wall", "scaling"]
    assert not (tmp_path / "broken1.png").exists()


def test_a_child_killed_while_drawing_is_a_failure(tmp_path: Path, savers: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    real = figures.save

    def save(folder: Path, one: Made) -> figures.Plot:
        if one.name == "killed":
            os.kill(os.getpid(), signal.SIGKILL)
        return real(folder, one)

    monkeypatch.setattr(figures, "save", save)
    saved, problem = save_all(tmp_path, made("wall", "killed"), processes=2)
    assert [p.name for p in saved] == ["wall"]
    assert problem == "SystemError: the process drawing it was killed by signal 9"


def test_an_interrupt_kills_and_reaps_the_children(tmp_path: Path, savers: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def save(folder: Path, one: Made) -> figures.Plot:
        (savers / one.name).write_text(str(os.getpid()), encoding="utf-8")
        time.sleep(60)
        raise AssertionError("not interrupted")

    def interrupt(signum: int, frame: FrameType | None) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(figures, "save", save)
    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 1.0)  # not inherited by forked children
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            save_all(tmp_path, made("wall", "speedup", "scaling"), processes=2)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - started < 30
    children = pids(savers)
    assert len(children) == 2  # two at a time: the third never started
    for pid in children.values():
        with pytest.raises(ChildProcessError):  # reaped: not a child any more
            os.waitpid(pid, os.WNOHANG)


def test_a_figure_that_cannot_be_forked_is_saved_here(tmp_path: Path, savers: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    forks = iter([True, False, True])  # the second fork fails: no process left
    real = os.fork

    def fork() -> int:
        if not next(forks):
            raise BlockingIOError(11, "Resource temporarily unavailable")
        return real()

    monkeypatch.setattr(figures.os, "fork", fork)
    saved, problem = save_all(tmp_path, made("wall", "speedup", "scaling"), processes=2)
    assert problem == "" and [p.name for p in saved] == ["wall", "speedup", "scaling"]
    by = pids(savers)
    assert by["speedup"] == os.getpid() and os.getpid() not in (by["wall"], by["scaling"])


def test_children_keep_an_ignored_sigint_and_run_with_the_callers_signal_mask(
        tmp_path: Path, savers: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def save(folder: Path, one: Made) -> figures.Plot:
        state = {"ignored": signal.getsignal(signal.SIGINT) is signal.SIG_IGN,
                 "term": signal.getsignal(signal.SIGTERM) is signal.SIG_DFL,
                 "blocked": sorted(int(s) for s in signal.pthread_sigmask(signal.SIG_BLOCK, []))}
        (savers / one.name).write_text(repr(state), encoding="utf-8")
        return figures.Plot(one.name, one.title, folder / "x.png", folder / "x.svg")

    monkeypatch.setattr(figures, "save", save)
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # e.g. `runexp ... &` in sh
    try:
        save_all(tmp_path, made("wall", "speedup"), processes=2)
    finally:
        signal.signal(signal.SIGINT, previous)
    for name in ("wall", "speedup"):
        state = (savers / name).read_text(encoding="utf-8")
        assert state == repr({"ignored": True, "term": True, "blocked": []}), state
