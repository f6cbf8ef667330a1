"""A paired comparison of two configurations: the one place advise decides by.

Runs of A and B are made in alternation, in blocks A B B A whose orientation is drawn
at random per block, and each two runs made back to back form a pair. A load that
comes and goes on the machine then slows both runs of a pair alike, and within a block
a steady drift adds to one pair's ratio what it takes from the other's. Each pair
gives a ratio b / a; the comparison is judged on their logarithms by Wilcoxon's
signed-rank test and the Hodges-Lehmann interval that inverts it
(``runner.report.signed_rank``):

- **faster**: A is faster, the whole 95% interval of b / a lies above 1 (and the test's
  p < 0.05); **slower**: it lies below 1;
- **level**: the interval lies within 1 ± the precision, however it sits about 1;
- **not told apart**: neither, yet (at 95% an interval needs 6 pairs).

Two shortcuts, for steps too large to need a test, where both runs of every pair were
made under the same load (other programs' cores within DIFFERENT_LOAD): pairs that
each show a step of DECISIVE or more the same way decide at once (noise on a machine
whose load did not change does not make one run 1.5x the next), and so do CLEAR_PAIRS
pairs that each show four times the precision (at a 15% spread of pair ratios, three
such pairs from no difference happen about once in 700 comparisons). Their words say
what was seen, never "significantly".

Pure: runs come in as values; ``Block`` only says which to run next.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from runner.report.interference import DIFFERENT_LOAD
from runner.report.signed_rank import MIN_PAIRS, signed_rank_p, walsh_interval
from runner.report.told import DECISIVE, level

#: Pairs that decide by each showing CLEAR_STEPS x the precision.
CLEAR_PAIRS = 3
CLEAR_STEPS = 4
ALPHA = 0.05


@dataclass(frozen=True)
class Run:
    """One successful run as the search sees it: its wall time and the cores other
    programs kept busy meanwhile (None: not measured)."""

    wall: float
    others: float | None = None


@dataclass(frozen=True)
class Pair:
    """Two runs made back to back; ``a_first``: in which order."""

    a: Run
    b: Run
    a_first: bool = True

    @property
    def ratio(self) -> float:
        """b / a: above 1 where A was faster."""
        return self.b.wall / self.a.wall

    @property
    def same_load(self) -> bool:
        """Both runs saw about the same interference (or it was not measured)."""
        if self.a.others is None or self.b.others is None:
            return True
        return abs(self.a.others - self.b.others) < DIFFERENT_LOAD

    def flipped(self) -> Pair:
        return Pair(self.b, self.a, not self.a_first)


class Verdict(StrEnum):
    """What the pairs say of A against B."""

    FASTER = "faster"
    SLOWER = "slower"
    LEVEL = "level"
    NOT_TOLD_APART = "not told apart"


@dataclass(frozen=True)
class Judgement:
    """A comparison's verdict and the numbers behind it: b / a estimated by
    Hodges-Lehmann, its 95% interval (None below MIN_PAIRS), the signed-rank p."""

    verdict: Verdict
    ratio: float | None
    ci: tuple[float, float] | None
    p: float | None
    pairs: int
    decisive: bool = False  # decided by a step too large to need a test, not the interval
    step: float | None = None  # where decisive: the step every pair showed at least

    @property
    def significant(self) -> bool:
        """Told apart by the test: the words "significantly" need this."""
        return (self.verdict in (Verdict.FASTER, Verdict.SLOWER) and not self.decisive
                and self.p is not None and self.p < ALPHA)

    def flipped(self) -> Judgement:
        """The same judgement from B's side."""
        verdict = {Verdict.FASTER: Verdict.SLOWER, Verdict.SLOWER: Verdict.FASTER}.get(
            self.verdict, self.verdict)
        ci = (1 / self.ci[1], 1 / self.ci[0]) if self.ci else None
        return Judgement(verdict, 1 / self.ratio if self.ratio else None, ci, self.p,
                         self.pairs, self.decisive, self.step)


def decisive(pairs: Sequence[Pair], step: float = DECISIVE) -> Verdict | None:
    """FASTER (SLOWER) where every pair, made under one load, shows A faster (slower)
    by ``step`` or more; else None."""
    if not pairs or not all(p.same_load for p in pairs):
        return None
    if all(p.ratio >= step for p in pairs):
        return Verdict.FASTER
    if all(p.ratio * step <= 1 for p in pairs):
        return Verdict.SLOWER
    return None


def clear_step(precision: float) -> float:
    """The step each of CLEAR_PAIRS pairs must show to decide without a test."""
    return 1 + CLEAR_STEPS * precision


def shortcut(pairs: Sequence[Pair], precision: float) -> tuple[Verdict, float] | None:
    """What the steps too large to need a test decide, if anything, and the step."""
    if (verdict := decisive(pairs)) is not None:
        return verdict, DECISIVE
    step = clear_step(precision)
    if len(pairs) >= CLEAR_PAIRS and (verdict := decisive(pairs, step)) is not None:
        return verdict, step
    return None


def judge(pairs: Sequence[Pair], precision: float) -> Judgement:
    """The verdict on A against B from their pairs, at the given precision."""
    if not pairs:
        return Judgement(Verdict.NOT_TOLD_APART, None, None, None, 0)
    logs = [math.log(p.ratio) for p in pairs]
    shift = walsh_interval(logs)
    ratio = math.exp(shift.estimate)
    p = signed_rank_p(logs)
    p = 1.0 if p is None else p
    ci = (math.exp(shift.low), math.exp(shift.high)) if (
        shift.low is not None and shift.high is not None) else None
    verdict = Verdict.NOT_TOLD_APART
    if ci is not None and level(*ci, precision):
        verdict = Verdict.LEVEL
    elif ci is not None and ci[0] > 1 and p < ALPHA:
        verdict = Verdict.FASTER
    elif ci is not None and ci[1] < 1 and p < ALPHA:
        verdict = Verdict.SLOWER
    if verdict is Verdict.NOT_TOLD_APART and (seen := shortcut(pairs, precision)) is not None:
        return Judgement(seen[0], ratio, ci, p, len(pairs), decisive=True, step=seen[1])
    return Judgement(verdict, ratio, ci, p, len(pairs))


def a_first(done: int, previous: bool | None, rng: random.Random) -> bool:
    """Whether the next pair runs A first: the second pair of a block (A B B A) reverses
    the first; each block's first pair is drawn at random."""
    if done % 2 == 1 and previous is not None:
        return not previous
    return rng.random() < 0.5


__all__ = ["ALPHA", "CLEAR_PAIRS", "DECISIVE", "MIN_PAIRS", "Judgement", "Pair", "Run",
           "Verdict", "a_first", "clear_step", "decisive", "judge", "shortcut"]
