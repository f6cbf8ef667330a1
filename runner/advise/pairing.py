"""The runs of one search and the pairs they form: which configuration runs next so
that two are compared back to back, in blocks A B B A, and what their pairs say.

Pure, like the search: runs come from an injected ``measure(config)``, time from an
injected ``clock``; the budget's end is ``exhausted``.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from runner.advise.paired import Judgement, Pair, Run, Verdict, a_first, judge
from runner.advise.trial import Config, Trial

#: Decisive pairs that settle a comparison that is reported (the runner-up, sync) where
#: no test can yet: one block, A B B A.
FINAL_DECISIVE = 2
#: A settled comparison gets at most this many pairs before it is "not told apart".
MAX_PAIRS = 10

Measure = Callable[[Config], Run | None]
Clock = Callable[[], float]
#: A comparison's key: its two trials (as ids, A first) and a generation (re-checks
#: start a fresh series of pairs).
Key = tuple[int, int, int]


class Pairing:
    """Every run a search makes, and the pairs of every comparison it measured."""

    def __init__(self, measure: Measure, *, precision: float, clock: Clock,
                 deadline: float, report: Callable[[Trial], None], seed: int = 0) -> None:
        self.measure, self.precision = measure, precision
        self.clock, self.deadline = clock, deadline
        self.report = report  # told of each trial measured, after a batch
        self.rng = random.Random(seed)
        self.exhausted = False
        self.pairs: dict[Key, list[Pair]] = {}
        self.log: list[Run] = []  # every ok run, in order
        self.last: Trial | None = None  # whose run was the last made (None: it failed)

    def out_of_time(self) -> bool:
        if self.clock() >= self.deadline:
            self.exhausted = True
        return self.exhausted

    def run(self, trial: Trial) -> Run | None:
        """One run of ``trial``'s configuration (None: it failed)."""
        run = self.measure(trial.config)
        if run is None:
            trial.failed += 1
            self.last = None
            return None
        trial.samples.append(run)
        self.log.append(run)
        self.last = trial
        return run

    def existing(self, a: Trial, b: Trial, generation: int = 0) -> list[Pair]:
        """The pairs of ``a`` and ``b`` so far, oriented ``a``, ``b``."""
        if (key := (id(b), id(a), generation)) in self.pairs:
            return [p.flipped() for p in self.pairs[key]]
        return self.pairs.get((id(a), id(b), generation), [])

    def judged(self, a: Trial, b: Trial, generation: int = 0) -> Judgement:
        """What the pairs so far say of ``a`` against ``b`` (measures nothing)."""
        return judge(self.existing(a, b, generation), self.precision)

    def pair_up(self, a: Trial, b: Trial, count: int, generation: int = 0) -> list[Pair]:
        """Measure pairs of ``a`` and ``b`` until they have ``count`` (or one fails, or the
        budget ends). The first pair of a comparison takes the last run made where it
        was one of theirs (made just before, so back to back with the next); each
        later pair reverses the previous within a block, A B B A."""
        if (id(b), id(a), generation) in self.pairs:
            return [p.flipped() for p in self.pair_up(b, a, count, generation)]
        pairs = self.pairs.setdefault((id(a), id(b), generation), [])
        made = False
        while len(pairs) < count and not (a.failed or b.failed) and not self.out_of_time():
            made = True
            if not pairs and generation == 0 and self.last in (a, b):
                a_goes_first = self.last is a
                first: Run | None = (a if a_goes_first else b).samples[-1]
            else:
                a_goes_first = a_first(len(pairs), pairs[-1].a_first if pairs else None,
                                       self.rng)
                first = self.run(a if a_goes_first else b)
            second = self.run(b if a_goes_first else a) if first is not None else None
            if first is None or second is None:
                break
            pairs.append(Pair(first, second, True) if a_goes_first else
                         Pair(second, first, False))
        if made:
            self.report(a)
            self.report(b)
        return pairs

    def settle(self, a: Trial, b: Trial, *, far: bool = False, generation: int = 0,
               most: int = MAX_PAIRS) -> Judgement:
        """Pair ``a`` and ``b`` until the pairs tell them apart, show them level, or reach
        ``most``. ``far``: one decisive pair is enough (a contender only to be ruled
        out); else a decisive shortcut needs FINAL_DECISIVE pairs."""
        enough = 1 if far else FINAL_DECISIVE
        count = 1
        while True:
            pairs = self.pair_up(a, b, count, generation)
            verdict = judge(pairs, self.precision)
            if verdict.decisive and len(pairs) >= enough:
                return verdict
            if verdict.verdict is not Verdict.NOT_TOLD_APART and not verdict.decisive:
                return verdict
            if len(pairs) < count or len(pairs) >= most:
                return verdict
            count = len(pairs) + 1
