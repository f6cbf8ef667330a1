"""Failed runs in an advise session: the rule that stops searching a parameter set
whose every run fails alike, and what its advice says where no run succeeded.

The rule: no run of the parameter set has succeeded, and ``STOP_AFTER_MODELS`` models
have failed every run with one and the same exception, the same type raised at the
same line of the user's code (the message is not compared: it often carries data,
``boom at 3``). The function then fails whatever runs it, and trying the other models
would spend the budget on the same traceback. Two models, not one: a function may fail
only where it is called from a thread, or only in the process it was set up in. Runs
that time out, or die without an exception, never stop a search: a slow function may
still finish under a model with more workers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from runner.results.failures import Failure
from runner.results.rows import Status

#: Models failing alike, with no run succeeding, after which a search stops.
STOP_AFTER_MODELS = 2

#: An exception's identity for the rule: its type and where in the user's code.
Key = tuple[str, str]


def key(failure: Failure) -> Key:
    return failure.type, failure.where


def described(failure: Failure) -> str:
    """``ValueError: boom at mywork.py:3 in parse`` (the innermost frame of the user's
    code, where it is known)."""
    if not failure.frames:
        return failure.headline()
    frame = failure.frames[-1]
    return f"{failure.headline()} at {frame.where} in {frame.function}"


@dataclass
class Failing:
    """One parameter set's runs that did not succeed, as the search goes."""

    ok: int = 0
    #: model -> the keys of its failed runs (None: failed without an exception)
    models: dict[str, set[Key | None]] = field(default_factory=dict)
    first: dict[Key, Failure] = field(default_factory=dict)  # each key's first failure
    raised: int = 0
    died: int = 0  # errors without an exception: the worker died
    timeouts: int = 0
    cut: int = 0  # runs the budget's end stopped (not a failure of the user's code)

    def add(self, model: str, status: Status, failure: Failure | None, *,
            cut: bool = False) -> None:
        """One run's outcome."""
        if status == Status.OK:
            self.ok += 1
        elif cut:
            self.cut += 1
        elif status in (Status.ERROR, Status.TIMEOUT):
            if failure is not None:
                self.raised += 1
                self.first.setdefault(key(failure), failure)
            elif status == Status.TIMEOUT:
                self.timeouts += 1
            else:
                self.died += 1
            self.models.setdefault(model, set()).add(
                key(failure) if failure is not None else None)

    def alike(self) -> Failure | None:
        """The one exception every run so far failed with, once the rule holds."""
        if self.ok or len(self.models) < STOP_AFTER_MODELS:
            return None
        keys = set().union(*self.models.values())
        only = next(iter(keys)) if len(keys) == 1 else None
        return self.first[only] if only is not None else None

    def reason(self, subject: str) -> str:
        """Where no run succeeded, the advice's reason: ``the function failed: every run
        raised ...``, or that the budget's end stopped the only runs ("" where a run
        succeeded or none was made: the advice says why itself)."""
        failed = self.raised + self.died + self.timeouts
        if self.ok or not (failed or self.cut):
            return ""
        if not failed:
            return ("no configuration finished a run before the budget ran out: the run in "
                    "flight was stopped then, unfinished; a larger --budget gives the "
                    f"{subject} more time.")
        first = next(iter(self.first.values()), None)
        if first is not None and failed == self.raised and len(self.first) == 1:
            said = f"every run raised {described(first)}"
        else:
            parts = []
            if first is not None:
                kinds = len(self.first)
                parts.append(f"{_runs(self.raised)} raised " + (
                    described(first) if kinds == 1 else
                    f"{kinds} different exceptions, the first {described(first)}"))
            if self.died:
                parts.append(f"{_runs(self.died)} ended without an exception (the worker "
                             "died)")
            if self.timeouts:
                parts.append(f"{_runs(self.timeouts)} timed out")
            said = "no run succeeded: " + ", ".join(parts)
        if self.alike() is not None:
            models = " and ".join(self.models)  # in the order they ran
            said += (f"; {models} failed alike, so the search stopped there: no model "
                     "makes it succeed")
        if self.cut:
            said += "; then the budget ran out"
        return f"the {subject} failed: {said}."


def _runs(count: int) -> str:
    return f"{count} run" + ("s" if count != 1 else "")

