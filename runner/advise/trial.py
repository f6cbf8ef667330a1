"""What the search of `runexp advise` works on: a configuration, its trial (the runs
it got and what became of it), the answer, and the tie rule's order between trials."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from runner.advise.paired import Judgement, Run
from runner.advise.rules import cost


@dataclass(frozen=True, order=True)
class Config:
    model: str
    pool_size: int
    pooled: bool = field(default=True, compare=False)

    def __str__(self) -> str:
        return f"{self.model}/p{self.pool_size}" if self.pooled else self.model


@dataclass(eq=False)
class Trial:
    """One configuration as measured so far, and what became of it."""

    config: Config
    samples: list[Run] = field(default_factory=list)
    failed: int = 0
    fate: str = ""
    note: str = ""  # why its runs stopped before it was precise
    # The smaller pool of its model it was kept over by median, not by a significant
    # gain: that one stays a finalist, so the tie rule can still name it.
    over: Trial | None = field(default=None, repr=False)
    dropped: bool = False  # its model was dropped for it: never named

    @property
    def walls(self) -> list[float]:
        return [run.wall for run in self.samples]

    @property
    def others(self) -> list[float]:
        return [run.others for run in self.samples if run.others is not None]

    def drop(self, fate: str) -> None:
        self.fate, self.dropped = fate, True

    @property
    def outcome(self) -> str:
        return f"{self.fate} ({self.note})" if self.note else self.fate

    @property
    def median(self) -> float | None:
        return statistics.median(self.walls) if self.walls else None

    @property
    def runs(self) -> int:
        return len(self.samples) + self.failed


@dataclass(frozen=True)
class Answer:
    """The advice for one parameter set: the chosen configuration and how sure it is.

    ``versus``: the runner-up against the chosen, from their pairs (its ratio is the
    runner-up's wall over the chosen's); ``speedup``: sync against the chosen, from
    theirs (ratio: the speedup); ``recheck``: what re-measuring the deciding steps
    said where other programs' load changed during the search ("" where it did not)."""

    chosen: Trial | None
    runner_up: Trial | None
    versus: Judgement | None
    speedup: Judgement | None
    tie: bool
    budget_exhausted: bool
    trials: list[Trial]
    recheck: str = ""

    @property
    def p_value(self) -> float | None:
        return self.versus.p if self.versus is not None else None


def median_or_zero(trial: Trial) -> float:
    """A trial's median wall time, 0 before any ok run (a sort key)."""
    return trial.median or 0.0


def rank(trial: Trial) -> tuple[int, int]:
    """The tie rule's order: the cheaper model, then the smaller pool."""
    return cost(trial.config.model), trial.config.pool_size
