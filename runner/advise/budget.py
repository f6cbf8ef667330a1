"""How long one run of an advise session may take: its timeout (``--timeout``, else the
file's ``timeout_s``), and never longer than what is left of the budget.

The search checks the budget only between runs, so without a bound a function that
hangs held advise far past ``--budget``. Process isolation (the default) kills a run at
its timeout, its pool processes with it. An inline run cannot be stopped (a thread
cannot be killed): it keeps its own timeout only, which is checked once it returns.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from runner.results.rows import RunRecord, Status


@dataclass(frozen=True)
class Limit:
    """The timeout one run is given, and whether the budget's end, not the run's own
    timeout, set it."""

    timeout_s: float | None
    by_budget: bool = False


def limit(timeout_s: float | None, left_s: float, isolation: str) -> Limit:
    """The run's own timeout, or what is left of the budget where that is less."""
    if isolation == "inline" or (timeout_s is not None and timeout_s <= left_s):
        return Limit(timeout_s)
    return Limit(max(left_s, 0.0), by_budget=True)


def cut(record: RunRecord, bound: Limit, budget_s: float) -> RunRecord | None:
    """The row of a run the budget's end stopped, saying so (None: it was not stopped
    by the budget). It stays a timeout row: the run did not finish."""
    if not bound.by_budget or record.status != Status.TIMEOUT:
        return None
    left = bound.timeout_s or 0.0
    return replace(record, error=f"stopped when the --budget of {budget_s:g} s ran out "
                                 f"({left:.3g} s of it were left for this run)")
