"""Saving a report's figures: each as PNG and SVG, several at once where that is safe.

matplotlib draws a figure in Python, one at a time: on the machines runexp measures,
a small figure takes 0.1 to 0.3 s a format, and a report's four or five figures in
two formats were the larger part of what ``runexp run`` spends once its runs end.
Where the process may fork safely (a POSIX ``fork``, and no thread but this one,
which a fork would copy in whatever state it is in) and more than one core is
usable, each figure is saved by a child process forked for it, up to one per core;
the figures, already built, reach the child with the fork, never pickled. Anywhere
else they are saved here, one after the other. Either way a failure is returned as
``Type: message`` with the figures saved, so the tables can still be written.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Resolution of the PNGs: the HTML report embeds them at their pixel size.
PNG_DPI = 90
#: The most of a child's failure message read back (a pipe's buffer holds it whole,
#: so the child never blocks on writing it).
MESSAGE_BYTES = 4096


@dataclass(frozen=True)
class Plot:
    name: str  # file stem under plots/
    title: str
    png: Path
    svg: Path


@dataclass(frozen=True)
class Made:
    """A figure built and not yet saved."""

    name: str
    title: str
    figure: Figure


def save_all(folder: Path, made: Sequence[Made], processes: int = 1
             ) -> tuple[list[Plot], str]:
    """Save every figure as ``folder/NAME.png`` and ``.svg``, in up to ``processes``
    forked children at once (the caller's usable cores) where forking is safe: the
    plots saved, in the order given, and the first failure (``Type: message``) or ""."""
    processes = min(len(made), processes) if _may_fork() else 1
    if processes <= 1:
        return _one_by_one(folder, made)
    return _forked(folder, made, processes)


def save(folder: Path, made: Made) -> Plot:
    png, svg = folder / f"{made.name}.png", folder / f"{made.name}.svg"
    made.figure.savefig(png, dpi=PNG_DPI)
    # The PNG's draw placed everything; laying the figure out again for the SVG would
    # only repeat that (constrained layout measures every text several times).
    made.figure.set_layout_engine("none")
    made.figure.savefig(svg)
    return Plot(made.name, made.title, png, svg)


def _one_by_one(folder: Path, made: Sequence[Made]) -> tuple[list[Plot], str]:
    saved: list[Plot] = []
    problems: list[str] = []
    for one in made:
        try:
            saved.append(save(folder, one))
        except Exception as error:  # matplotlib's errors share no base class
            problems.append(_described(error))
    return saved, problems[0] if problems else ""


def _forked(folder: Path, made: Sequence[Made], processes: int) -> tuple[list[Plot], str]:
    """One child per figure, ``processes`` at a time; each child saves its figure and
    exits, writing its failure, if any, to a pipe whose end tells the child ended.
    Children are reaped by pid, so the status of a child of someone else's (a Popen of
    the caller's) is never taken; forking and reaping happen with SIGINT and SIGTERM
    held, so an interrupt finds every child listed. A figure whose child cannot be
    forked (no process or memory left) is saved here. An interrupt kills and reaps the
    children still running."""
    waiting = list(enumerate(made))
    running: dict[int, tuple[int, int]] = {}  # read end of its pipe -> (pid, index)
    said: dict[int, list[bytes]] = {}
    here: list[int] = []
    problems: dict[int, str] = {}
    try:
        while waiting or running:
            while waiting and len(running) < processes:
                index, one = waiting.pop(0)
                with _held() as mask:
                    try:
                        pid, read = _child(folder, one, mask)
                    except OSError:
                        here.append(index)
                        continue
                    running[read] = (pid, index)
            if not running:
                continue
            ready, _, _ = select.select(list(running), [], [])
            for read in ready:
                chunk = os.read(read, MESSAGE_BYTES)
                if chunk:
                    said.setdefault(read, []).append(chunk)
                    continue
                with _held():  # the end of its pipe: the child is exiting
                    pid, index = running.pop(read)
                    _, status = os.waitpid(pid, 0)
                    os.close(read)
                message = b"".join(said.pop(read, [])).decode("utf-8", "replace")
                if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
                    problems[index] = message or _death(status)
    finally:
        for read, (pid, _) in running.items():
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            with contextlib.suppress(OSError):
                os.close(read)
    for index in here:
        try:
            save(folder, made[index])
        except Exception as error:  # matplotlib's errors share no base class
            problems[index] = _described(error)
    saved = [Plot(one.name, one.title, folder / f"{one.name}.png", folder / f"{one.name}.svg")
             for index, one in enumerate(made) if index not in problems]
    return saved, problems[min(problems)] if problems else ""


@contextlib.contextmanager
def _held() -> Iterator[set[int | signal.Signals]]:
    """SIGINT and SIGTERM held (delivered on leaving); yields the mask before."""
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield before
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _child(folder: Path, made: Made, mask: set[int | signal.Signals]) -> tuple[int, int]:
    """Fork a child that saves ``made`` and exits: its pid and the read end of the pipe
    its failure comes back on. ``mask``: the signal mask the child is to run with."""
    read, write = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        raise
    if pid == 0:  # the child: never returns, never runs the parent's exit handlers
        code = 1
        try:
            os.close(read)
            for caught in (signal.SIGINT, signal.SIGTERM):  # the runner's handlers, not
                if signal.getsignal(caught) is not signal.SIG_IGN:  # an ignored signal
                    signal.signal(caught, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            save(folder, made)
            code = 0
        except BaseException as error:
            os.write(write, _described(error).encode("utf-8", "replace")[:MESSAGE_BYTES])
        finally:
            os._exit(code)
    os.close(write)
    return pid, read


def _death(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"SystemError: the process drawing it was killed by signal {os.WTERMSIG(status)}"
    return f"SystemError: the process drawing it exited with {os.waitstatus_to_exitcode(status)}"


def _described(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def _may_fork() -> bool:
    return hasattr(os, "fork") and threading.active_count() == 1
