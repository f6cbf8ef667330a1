"""What the search of `runexp advise` works on: a configuration, its trial (the runs
it got and what became of it), the answer, and the tie rule's order between trials."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from runner.advise.rules import beaten, cost


@dataclass(frozen=True, order=True)
class Config:
    model: str
    pool_size: int
    pooled: bool = field(default=True, compare=False)

    def __str__(self) -> str:
        return f"{self.model}/p{self.pool_size}" if self.pooled else self.model


@dataclass
class Trial:
    """One configuration as measured so far, and what became of it."""

    config: Config
    walls: list[float] = field(default_factory=list)
    failed: int = 0
    fate: str = ""
    note: str = ""  # why its runs stopped before it was precise
    dropped_at: int | None = None  # its runs when its model was dropped for it
    # The smaller pool of its model it was kept over by median, not by a significant
    # gain: that one stays a finalist, so the tie rule can still name it.
    over: Trial | None = field(default=None, repr=False)

    def drop(self, fate: str) -> None:
        self.fate, self.dropped_at = fate, self.runs

    @property
    def drop_stands(self) -> bool:
        """Dropped, and not measured since: the verdict is not revisited against walls
        that changed after it (a fastest whose later runs spread wider would otherwise
        turn a decisive drop into a tie)."""
        return self.dropped_at is not None and self.dropped_at == self.runs

    @property
    def outcome(self) -> str:
        return f"{self.fate} ({self.note})" if self.note else self.fate

    @property
    def median(self) -> float | None:
        return statistics.median(self.walls) if self.walls else None

    @property
    def runs(self) -> int:
        return len(self.walls) + self.failed


@dataclass(frozen=True)
class Answer:
    """The advice for one parameter set: the chosen configuration and how sure it is."""

    chosen: Trial | None
    runner_up: Trial | None
    p_value: float | None
    tie: bool
    budget_exhausted: bool
    trials: list[Trial]


def rank(trial: Trial) -> tuple[int, int]:
    """The tie rule's order: the cheaper model, then the smaller pool."""
    return cost(trial.config.model), trial.config.pool_size


def level_with(trial: Trial, with_: Trial) -> bool:
    """``trial`` is not significantly slower than ``with_``: never where a drop stands."""
    if trial is with_:
        return True
    return not trial.drop_stands and not beaten(trial.walls, with_.walls)
