"""The finals of an advise search: the best of each model, paired with the fastest
until each is told apart, level with it, or the pairs run out; then the answer.

The chosen is the fastest, or the cheapest of those *level* with it (a tie needs its
interval) that no contender's pairs show slower; it is settled against its runner-up
(the nearest configuration of another model, dropped or not: a runner-up shown
faster leads instead) and against sync, whose pairs give the speedup. Where other
programs' load changed between the climb and the finals, the steps that decided are
paired afresh, and where one comes out the other way the finals are held again.
"""

from __future__ import annotations

import statistics
from typing import TYPE_CHECKING

from runner.advise.paired import DECISIVE, MIN_PAIRS, Run, Verdict, judge
from runner.advise.trial import Answer, Trial, median_or_zero, rank
from runner.report.interference import DIFFERENT_LOAD

if TYPE_CHECKING:
    from runner.advise.search import Search

#: Pairs that screen a close contender: one block, A B B A.
SCREEN_PAIRS = 2
#: Pairs each pool size the answer was chosen over gets again when the load changed.
RECHECK_PAIRS = MIN_PAIRS


class Finals:
    """The finals of one search, over its trials and pairs."""

    def __init__(self, search: Search) -> None:
        self.search = search
        self.start: int | None = None  # where in the search's log of runs they began
        self.recheck = ""  # what re-measuring said, where the load changed
        # a runner-up the pairs told apart as faster than the answer: it leads
        self.lead: Trial | None = None

    def finalists(self) -> list[Trial]:
        """The best of each model still in, with the smaller pools each was kept over by
        median only; where every model was dropped, their bests; else the leader."""
        kept = [t for t in self.search.best.values() if not t.dropped and t.walls]
        leader = self.search.leader()
        chosen = kept or [t for t in self.search.best.values() if t.walls] or (
            [leader] if leader is not None else [])
        for best in list(chosen):
            smaller = best.over
            while smaller is not None:
                if smaller.walls and all(smaller is not t for t in chosen):
                    chosen.append(smaller)
                smaller = smaller.over
        return chosen

    def contenders(self) -> list[Trial]:
        """The finalists, and where they are all of one model, the best of the others
        (dropped or not): the runner-up must be measured beside the answer."""
        finalists = self.finalists()
        if len({t.config.model for t in finalists}) == 1:
            others = [t for t in self.search.best.values() if t.walls
                      and t.config.model != finalists[0].config.model]
            if others:
                finalists.append(min(others, key=median_or_zero))
        return finalists

    def _fastest(self, contenders: list[Trial]) -> Trial:
        """The fastest by median, corrected by the pairs: where a contender's pairs with it
        show the contender faster (by their median ratio), the contender is."""
        ordered = sorted(contenders, key=median_or_zero)
        fastest = ordered[0]
        for other in ordered[1:]:
            verdict = self.search.runs.judged(fastest, other)
            if verdict.pairs and (verdict.ratio or 1.0) < 1:
                fastest = other
        return fastest

    def run(self) -> None:
        self.start = len(self.search.runs.log)
        if not self.contenders():
            return
        self._contest()
        chosen = self.settle_answer()
        if chosen is not None and self._recheck(chosen):
            self._contest()
            now = self.settle_answer()
            self.recheck += (": the answer held" if now is chosen else
                             f": the answer did not hold and is now "
                             f"{now.config if now else 'none'}")

    def _contest(self) -> None:
        """The fastest contender paired with every other: one pair rules out one far
        behind, one block screens out one slower by twice the precision, the rest are
        settled; where that hands the lead to another, once more."""
        contenders = self.contenders()
        for _ in range(len(contenders)):  # the lead may change hands, each time once
            fastest = self._fastest(contenders)
            for other in sorted(contenders, key=median_or_zero):
                if other is fastest or self.search.runs.out_of_time():
                    continue
                if median_or_zero(other) >= median_or_zero(fastest) * DECISIVE:
                    self.search.runs.settle(fastest, other, far=True)
                elif not self._screened_out(fastest, other):
                    self.search.runs.settle(fastest, other)
            if self._fastest(contenders) is fastest or self.search.exhausted:
                break

    def settle_answer(self) -> Trial | None:
        """Settle the chosen against its runner-up and against sync. A runner-up the
        pairs show faster is followed, whatever dropped its model before: a drop made
        under one load does not stand against pairs made beside the answer."""
        chosen: Trial | None = None
        followed: list[Trial] = []
        settled: set[tuple[int, int]] = set()
        while True:  # until the answer and its runner-up are a comparison settled
            chosen, runner_up = self._named()
            if chosen is None or runner_up is None or (
                    (id(chosen), id(runner_up)) in settled):
                break
            settled.add((id(chosen), id(runner_up)))
            verdict = self.search.runs.settle(chosen, runner_up)
            # Followed already: the pairs go round in a circle, and the reason says so.
            if verdict.verdict is Verdict.SLOWER and not self.search.exhausted and (
                    runner_up not in followed):
                self._follow(runner_up)
                followed.append(runner_up)
        sync = self.search.best.get("sync")
        if chosen is not None and sync is not None and sync is not chosen and sync.walls:
            # Where sync is slower by far, its runs are the search's longest, and one
            # pair tells a speedup that size as well as a block does.
            far = median_or_zero(sync) >= median_or_zero(chosen) * DECISIVE * DECISIVE
            self.search.runs.settle(chosen, sync, far=far)
        return chosen

    def _follow(self, trial: Trial) -> None:
        """``trial``, the runner-up, was told apart as faster than the answer: it leads
        now, whatever dropped its model, and whatever order the medians and the
        finals' other pairs put the contenders in."""
        model = trial.config.model
        if trial.dropped:
            trial.dropped, trial.fate = False, "kept"
            self.search.dropped.discard(model)
        self.search.best[model] = trial
        self.lead = trial

    def _screened_out(self, fastest: Trial, other: Trial) -> bool:
        """One block of pairs shows ``other`` slower than ``fastest`` by more than twice
        the precision by their median ratio: it is neither the answer nor level with it,
        so its comparison is not settled (unless it turns out the runner-up)."""
        precision = self.search.precision
        verdict = judge(self.search.runs.pair_up(fastest, other, SCREEN_PAIRS), precision)
        return verdict.decisive or (verdict.ratio or 0.0) > 1 + 2 * precision

    def _named(self) -> tuple[Trial | None, Trial | None]:
        """The chosen (the fastest, or the cheapest of those level with it) and the
        runner-up (the nearest of another model), from the pairs so far."""
        contenders = self.contenders()
        nameable = [t for t in contenders if not t.dropped] or contenders
        if not nameable:
            return None, None
        fastest = self.lead or self._fastest(nameable)
        level = [t for t in nameable if t is fastest
                 or self.search.runs.judged(fastest, t).verdict is Verdict.LEVEL] or [fastest]
        # The tie rule names none that the pairs show slower than another contender
        # (a smaller pool its own model's larger one beats, or, where a load that comes
        # and goes made the comparisons disagree, one a third configuration beats).
        everyone = {id(t): t for t in [*contenders, *self.search.best.values()] if t.walls}
        level = [t for t in level if not any(
            o is not t and self.search.runs.judged(o, t).verdict is Verdict.FASTER
            for o in everyone.values())] or level
        chosen = min(level, key=rank)
        others = [t for t in everyone.values() if t.config.model != chosen.config.model]
        runner_up = min(others, key=lambda t: self._behind_by(chosen, t), default=None)
        return chosen, runner_up

    def _behind_by(self, chosen: Trial, other: Trial) -> float:
        """How much slower ``other`` is than ``chosen``: their pairs' ratio, else medians."""
        verdict = self.search.runs.judged(chosen, other)
        if verdict.pairs and verdict.ratio is not None:
            return verdict.ratio
        return median_or_zero(other) / (median_or_zero(chosen) or 1.0)

    def _recheck(self, chosen: Trial) -> bool:
        """Where other programs' load during the finals differs from during the climb by
        DIFFERENT_LOAD, pair afresh the steps that decided: the chosen with the pool
        sizes of its model beside it, and each other model's best with the next size its
        climb stopped at. True where a step came out the other way (that size is its
        model's best now, and the finals are held again)."""
        log, at = self.search.runs.log, self.start
        before, after = _load(log[:at]), _load(log[at:])
        if before is None or after is None or abs(after - before) < DIFFERENT_LOAD:
            return False
        said = (f"other programs kept {before:.1f} cores busy during the climb and "
                f"{after:.1f} during the finals")
        steps = self._deciding_steps(chosen)
        if not steps:
            self.recheck = said + "; no step that decided was to measure again"
            return False
        moved = []
        for best, other in steps:
            verdict = self.search.runs.settle(best, other, generation=1, most=RECHECK_PAIRS)
            if verdict.verdict is Verdict.SLOWER:
                self._move(best, other)
                moved.append(f"{other.config} took {verdict.ratio:.2f}x the time of "
                             f"{best.config} over {verdict.pairs} pairs")
        names = " and ".join(f"{best.config} against {other.config}" for best, other in steps)
        if not moved:
            self.recheck = f"{said}; measured again ({names}), the answer held"
            return False
        self.recheck = f"{said}; measured again, {'; '.join(moved)}"
        return True

    def _deciding_steps(self, chosen: Trial) -> list[tuple[Trial, Trial]]:
        """(a model's best, a size beside it) for the chosen's model (up to two sizes) and
        for every other pooled model (the next larger size its climb stopped at)."""
        steps = []
        for model, best in self.search.best.items():
            if not best.config.pooled or not best.walls:
                continue
            own = [t for t in self.search.trials if t.walls and t is not best
                   and t.config.model == model and t.config.pool_size != best.config.pool_size]
            if model == chosen.config.model and best is chosen:
                beside = sorted(own, key=lambda t: abs(t.config.pool_size - best.config.pool_size))
                steps += [(best, t) for t in beside[:2]]
            else:
                larger = [t for t in own if t.config.pool_size > best.config.pool_size]
                if larger:
                    steps.append((best, min(larger, key=lambda t: t.config.pool_size)))
        return steps

    def _move(self, best: Trial, other: Trial) -> None:
        """``other`` is its model's best now: measured again, it beat ``best``."""
        model = other.config.model
        other.dropped, other.fate = False, "kept"
        best.fate = f"dropped: measured again, {other.config} is faster"
        self.search.dropped.discard(model)
        self.search.best[model] = other
        self.lead = None

    def answer(self) -> Answer:
        """The chosen, the runner-up and the judgements behind them, from the runs so far
        (measures nothing)."""
        chosen, runner_up = self._named()
        if chosen is None:
            return Answer(None, None, None, None, False, self.search.exhausted, self.search.trials)
        versus = self.search.runs.judged(chosen, runner_up) if runner_up is not None else None
        sync = self.search.best.get("sync")
        speedup = (self.search.runs.judged(chosen, sync) if sync is not None and sync is not chosen
                   else None)
        chosen.fate = "chosen"
        for trial in self.finalists():
            if trial is not chosen and not trial.dropped:
                trial.fate = f"finalist: {chosen.config} preferred"
        tie = versus is not None and versus.verdict is Verdict.LEVEL
        return Answer(chosen, runner_up, versus, speedup, tie, self.search.exhausted,
                      self.search.trials, self.recheck)


def _load(runs: list[Run]) -> float | None:
    """The median of other programs' cores over ``runs`` (None: none measured)."""
    values = [r.others for r in runs if r.others is not None]
    return statistics.median(values) if values else None
