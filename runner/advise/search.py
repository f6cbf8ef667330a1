"""The search behind `runexp advise`: which model, at which pool size, for one parameter set.

Pure: it measures one run at a time through an injected ``measure(config)`` and reads
time from an injected ``clock``, so tests drive it with a synthetic cost model (drift
and bursts of load included) and a fake clock.

Every decision between two configurations is a paired comparison
(``runner.advise.paired``): runs of the two in alternation, blocks A B B A, judged on
the ratios of runs made back to back. A run just made pairs with the next run of the
other side, so a climb that steps decisively costs one run a step.

The unpooled models (sync) are probed first; then, cheapest model first, each pooled
model climbs the pool sizes 1, 2, 4, 8, ... (up to the maximum, or the most units its
pool can run at once where that is less) while a step is faster: decisively in one
pair, significantly by the test, or by a median still faster after the last check (the
smaller size then kept beside it for the tie rule). A model whose best is decisively
slower than the leader's in a pair, or could not catch it even by scaling linearly, is
dropped; otherwise the midpoint between its best and its faster neighbour is tried.

The finals: the fastest contender is paired with every other until each is told
apart (a decisive pair is enough for one far behind), level with it, or the pairs
run out; the chosen is the fastest, or the cheapest of those *level* with it (a tie
needs its interval); sync is paired with the chosen for the speedup. Where other
programs' load changed between the climb and the finals, the steps that chose the
pool size are measured again.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping

from runner.advise.paired import (
    DECISIVE,
    MIN_PAIRS,
    Run,
    Verdict,
    clear_step,
    decisive,
    judge,
)
from runner.advise.pairing import Clock, Measure, Pairing
from runner.advise.rules import cost, doubling
from runner.advise.trial import Answer, Config, Trial, rank
from runner.report.interference import DIFFERENT_LOAD

#: A climbing step that one pair cannot decide is looked at after each of these
#: (pairs, margin): it ends the climb where the new size is not faster by margin x
#: the precision (the pairs' median ratio), and carries it where the test shows it
#: faster; one still faster by twice the precision after the last carries it too.
CLIMB_CHECKS: tuple[tuple[int, float], ...] = ((2, 1), (4, 2), (MIN_PAIRS, 2))
#: Pairs that screen a close contender in the finals: one block, A B B A.
SCREEN_PAIRS = 2
#: Pairs a deciding step gets again when the machine's load changed.
RECHECK_PAIRS = MIN_PAIRS

OnTrial = Callable[[Trial, "Trial | None"], None]


class Search:
    """The search for one parameter set; ``run`` may be cut short (budget, Ctrl-C) and
    ``answer`` still gives the best so far."""

    def __init__(self, models: Mapping[str, bool], max_pool: int, measure: Measure, *,
                 precision: float, clock: Clock, deadline: float,
                 on_trial: OnTrial | None = None,
                 in_flight: Mapping[str, int] | None = None, seed: int = 0) -> None:
        self.models = dict(models)  # name -> pooled
        self.max_pool = max_pool
        # model -> the most units its pool can run at once (where known): no larger
        # pool can be faster, so none is tried.
        self.in_flight = dict(in_flight or {})
        self.precision = precision
        self.on_trial = on_trial
        self.runs = Pairing(measure, precision=precision, clock=clock, deadline=deadline,
                            report=self._report, seed=seed)
        self.trials: list[Trial] = []
        self.best: dict[str, Trial] = {}  # model -> its best configuration so far
        self.dropped: set[str] = set()
        self.finals_from: int | None = None  # where in ``log`` the finals began
        self.recheck = ""
        self.rechosen: Trial | None = None  # the re-check's answer, where it changed
        # a runner-up the pairs told apart as faster than the answer: it leads
        self.lead: Trial | None = None

    @property
    def exhausted(self) -> bool:
        return self.runs.exhausted

    def _new(self, config: Config) -> Trial | None:
        if self.runs.out_of_time():
            return None
        trial = Trial(config)
        self.trials.append(trial)
        return trial

    def _report(self, trial: Trial) -> None:
        if self.on_trial is not None:
            self.on_trial(trial, self.leader())

    # --- the climb ----------------------------------------------------------------

    def run(self) -> Answer:
        for model in sorted(self.models, key=cost):
            if self.exhausted:
                break
            if self.models[model]:
                self._search_pooled(model)
                continue
            trial = self._new(Config(model, 1, pooled=False))
            if trial is not None and self.runs.run(trial) is not None:
                trial.fate = "kept"
                self.best[model] = trial
            if trial is not None:
                self._report(trial)
        self.finals_from = len(self.runs.log)
        self._finals()
        return self.answer()

    def leader(self) -> Trial | None:
        """The fastest of the models' best configurations so far (by median; before any
        model has a best, the fastest configuration measured)."""
        kept = [t for t in self.best.values() if t.walls and not t.dropped]
        measured = kept or [t for t in self.trials if t.walls]
        return min(measured, key=_median, default=None)

    def largest(self, model: str) -> int:
        """The largest pool size the search tries for ``model``."""
        return min(self.max_pool, self.in_flight.get(model, self.max_pool))

    def _search_pooled(self, model: str) -> None:
        best: Trial | None = None
        tried: list[Trial] = []
        for size in doubling(self.largest(model)):
            trial = self._new(Config(model, size))
            if trial is None:
                break
            tried.append(trial)
            if best is None:
                self.runs.run(trial)
                self._report(trial)
            faster = best is None or self._faster(trial, best)
            if not trial.walls:
                trial.fate = "dropped: no run succeeded"
                break
            if not faster:
                trial.fate = f"dropped: no gain over {best.config}" if best else ""
                break
            if best is not None:
                best.fate = _passed_over(best, trial)
            best = self.best[model] = trial
            trial.fate = "kept"
            if self._out_of_reach(trial):
                return
        if best is None or self.exhausted or self._behind(best):
            return
        middle = self._midpoint(best, tried)
        if middle is not None:
            self._refine(model, best, middle)

    def _faster(self, new: Trial, old: Trial) -> bool:
        """``new`` beats ``old``: a decisive pair (and not, at once, one as decisive the
        other way), else at the CLIMB_CHECKS: by the test, or not, where the pairs'
        median ratio is not faster by the check's margin. The climb asks whether
        throughput still rises, not by how much: precision is for the answer. A step
        still faster by median after the last check carries the climb too (a real
        1.4x step can miss significance on a noisy machine, and stopping there would
        judge the model by its slower size), with ``old`` kept as its ``over``."""
        pairs = self.runs.pair_up(new, old, 1)
        if not pairs:
            return False
        if (shortcut := decisive(pairs)) is not None:
            return shortcut is Verdict.FASTER
        for count, margin in CLIMB_CHECKS:
            pairs = self.runs.pair_up(new, old, count)
            if len(pairs) < count:
                return False
            verdict = judge(pairs, self.precision)
            if verdict.verdict is Verdict.FASTER and not verdict.decisive:
                return True
            if (verdict.ratio or 0.0) < 1 + margin * self.precision:
                return False
        if old.config.pool_size < new.config.pool_size:
            new.over = old
        return True

    def _leader_of_another(self, trial: Trial) -> Trial | None:
        leader = self.leader()
        if leader is None or leader.config.model == trial.config.model:
            return None
        return leader

    def _out_of_reach(self, trial: Trial) -> bool:
        """Even perfect scaling from here to the largest pool would leave the model
        slower than the leader (another model's) by four times the precision, in a pair
        made back to back under one load: the model is dropped without climbing
        further. (Linear scaling is the most a pool gives, so the margin needs no more
        room for noise than one same-load pair's.) Medians only say when a pair is worth
        it."""
        leader = self._leader_of_another(trial)
        size, largest = trial.config.pool_size, self.largest(trial.config.model)
        if leader is None or size >= largest:
            return False
        margin = clear_step(self.precision)
        if _median(trial) * size / largest <= _median(leader) * margin:
            return False
        pairs = self.runs.pair_up(trial, leader, 1)
        if not pairs or not pairs[0].same_load or (
                pairs[0].a.wall * size / largest < pairs[0].b.wall * margin):
            return False
        trial.drop(f"dropped: even linear scaling to {largest} workers would not "
                   f"catch {leader.config}")
        self.dropped.add(trial.config.model)
        return True

    def _behind(self, best: Trial) -> bool:
        """A model's best that looks DECISIVE slower than the leader (another model's) by
        median is paired with it: a decisive pair drops the model before its refinement
        spends runs on it."""
        leader = self._leader_of_another(best)
        if leader is None or _median(best) < _median(leader) * DECISIVE:
            return False
        if decisive(self.runs.pair_up(best, leader, 1)) is not Verdict.SLOWER:
            return False
        self._drop_model(best, leader)
        return True

    def _drop_model(self, best: Trial, by: Trial) -> None:
        trial: Trial | None = best
        while trial is not None:
            trial.drop(f"dropped: model beaten by {by.config}")
            trial = trial.over
        self.dropped.add(best.config.model)

    def _midpoint(self, best: Trial, tried: list[Trial]) -> int | None:
        """The pool size between the best size and its faster tried neighbour (where a
        curve has one optimum, it lies on that side), or None: no size lies between,
        or the pairs show the best decisively faster than that neighbour (the curve
        still rose steeply there, so its optimum lies at the best size or beyond)."""
        at = tried.index(best)
        neighbours = [t for t in (tried[at - 1] if at > 0 else None,
                                  tried[at + 1] if at + 1 < len(tried) else None)
                      if t is not None and t.walls]
        if not neighbours:
            return None
        other = min(neighbours, key=_median)
        middle = (best.config.pool_size + other.config.pool_size) // 2
        if middle in (best.config.pool_size, other.config.pool_size) or decisive(
                self.runs.existing(best, other)) is Verdict.FASTER:
            return None
        return middle

    def _refine(self, model: str, best: Trial, middle: int) -> None:
        """Try the midpoint; it replaces the best where it is faster."""
        trial = self._new(Config(model, middle))
        if trial is None:
            return
        if self._faster(trial, best):
            best.fate = _passed_over(best, trial)
            trial.fate = "kept"
            smaller = best.over
            if trial.over is None and smaller is not None and (
                    smaller.config.pool_size < trial.config.pool_size):
                trial.over = smaller  # still a finalist for the tie rule
            self.best[model] = trial
        else:
            trial.fate = (f"dropped: no gain over {best.config}" if trial.walls
                          else "dropped: no run succeeded")

    # --- the finals -----------------------------------------------------------------

    def finalists(self) -> list[Trial]:
        """The best of each model still in, with the smaller pools each was kept over by
        median only; where every model was dropped, their bests; else the leader."""
        kept = [t for t in self.best.values() if not t.dropped and t.walls]
        leader = self.leader()
        chosen = kept or [t for t in self.best.values() if t.walls] or (
            [leader] if leader is not None else [])
        for best in list(chosen):
            smaller = best.over
            while smaller is not None:
                if smaller.walls and all(smaller is not t for t in chosen):
                    chosen.append(smaller)
                smaller = smaller.over
        return chosen

    def _contenders(self) -> list[Trial]:
        """The finalists, and where they are all of one model, the best of the others
        (dropped or not): the runner-up must be measured beside the answer."""
        finalists = self.finalists()
        if len({t.config.model for t in finalists}) == 1:
            others = [t for t in self.best.values() if t.walls
                      and t.config.model != finalists[0].config.model]
            if others:
                finalists.append(min(others, key=_median))
        return finalists

    def _fastest(self, contenders: list[Trial]) -> Trial:
        """The fastest by median, corrected by the pairs: where a contender's pairs with it
        show the contender faster (by their median ratio), the contender is."""
        ordered = sorted(contenders, key=_median)
        fastest = ordered[0]
        for other in ordered[1:]:
            verdict = self.runs.judged(fastest, other)
            if verdict.pairs and (verdict.ratio or 1.0) < 1:
                fastest = other
        return fastest

    def _finals(self) -> None:
        contenders = self._contenders()
        if not contenders:
            return
        for _ in range(len(contenders)):  # the lead may change hands, each time once
            fastest = self._fastest(contenders)
            for other in sorted(contenders, key=_median):
                if other is fastest or self.runs.out_of_time():
                    continue
                if _median(other) >= _median(fastest) * DECISIVE:
                    self.runs.settle(fastest, other, far=True)
                elif not self._screened_out(fastest, other):
                    self.runs.settle(fastest, other)
            if self._fastest(contenders) is fastest or self.exhausted:
                break
        chosen = self._settle_answer()
        if chosen is not None and self._recheck(chosen):
            self._settle_answer()  # the answer changed: its runner-up and sync, again

    def _settle_answer(self) -> Trial | None:
        """Settle the chosen against its runner-up and against sync. A runner-up the
        pairs show faster is followed, whatever dropped its model before: a drop made
        under one load does not stand against pairs made beside the answer."""
        chosen: Trial | None = None
        followed: list[Trial] = []
        while True:
            chosen, runner_up = self._named()
            if chosen is None or runner_up is None or runner_up in followed:
                break  # (followed already: the pairs go round in a circle; stop there)
            verdict = self.runs.settle(chosen, runner_up)
            if verdict.verdict is not Verdict.SLOWER or self.exhausted:
                break
            self._follow(runner_up)
            followed.append(runner_up)
        sync = self.best.get("sync")
        if chosen is not None and sync is not None and sync is not chosen and sync.walls:
            # Where sync is slower by far, its runs are the search's longest, and one
            # pair tells a speedup that size as well as a block does.
            far = _median(sync) >= _median(chosen) * DECISIVE * DECISIVE
            self.runs.settle(chosen, sync, far=far)
        return chosen

    def _follow(self, trial: Trial) -> None:
        """``trial``, the runner-up, was told apart as faster than the answer: it leads
        now, whatever dropped its model, and whatever order the medians and the
        finals' other pairs put the contenders in."""
        model = trial.config.model
        if trial.dropped:
            trial.dropped, trial.fate = False, "kept"
            self.dropped.discard(model)
        self.best[model] = trial
        self.lead = trial

    def _screened_out(self, fastest: Trial, other: Trial) -> bool:
        """One block of pairs shows ``other`` slower than ``fastest`` by more than twice
        the precision by their median ratio: it is neither the answer nor level with it,
        so its comparison is not settled (unless it turns out the runner-up)."""
        verdict = judge(self.runs.pair_up(fastest, other, SCREEN_PAIRS), self.precision)
        return verdict.decisive or (verdict.ratio or 0.0) > 1 + 2 * self.precision

    def _named(self) -> tuple[Trial | None, Trial | None]:
        """The chosen (the fastest, or the cheapest of those level with it) and the
        runner-up (the nearest of another model), from the pairs so far."""
        contenders = self._contenders()
        nameable = [t for t in contenders if not t.dropped] or contenders
        if not nameable:
            return None, None
        fastest = self.lead or self.rechosen or self._fastest(nameable)
        level = [t for t in nameable if t is fastest
                 or self.runs.judged(fastest, t).verdict is Verdict.LEVEL] or [fastest]
        # The tie rule names none that the pairs show slower than another contender
        # (a smaller pool its own model's larger one beats, or, where a load that comes
        # and goes made the comparisons disagree, one a third configuration beats).
        everyone = {id(t): t for t in [*contenders, *self.best.values()] if t.walls}
        level = [t for t in level if not any(
            o is not t and self.runs.judged(o, t).verdict is Verdict.FASTER
            for o in everyone.values())] or level
        chosen = min(level, key=rank)
        others = [t for t in everyone.values() if t.config.model != chosen.config.model]
        runner_up = min(others, key=lambda t: self._behind_by(chosen, t), default=None)
        return chosen, runner_up

    def _behind_by(self, chosen: Trial, other: Trial) -> float:
        """How much slower ``other`` is than ``chosen``: their pairs' ratio, else medians."""
        verdict = self.runs.judged(chosen, other)
        if verdict.pairs and verdict.ratio is not None:
            return verdict.ratio
        return _median(other) / (_median(chosen) or 1.0)

    def _recheck(self, chosen: Trial) -> bool:
        """Where other programs' load during the finals differs from during the climb by
        DIFFERENT_LOAD, pair the chosen afresh with the sizes of its model it was
        chosen over (its tried neighbours), and say whether the answer held. True where
        it did not (the answer is now the neighbour the pairs showed faster)."""
        log, at = self.runs.log, self.finals_from
        before, after = _load(log[:at]), _load(log[at:])
        if before is None or after is None or abs(after - before) < DIFFERENT_LOAD:
            return False
        said = (f"other programs kept {before:.1f} cores busy during the climb and "
                f"{after:.1f} during the finals")
        neighbours = sorted((t for t in self.trials if t.walls and t is not chosen
                             and t.config.model == chosen.config.model and t.config.pooled),
                            key=lambda t: abs(t.config.pool_size - chosen.config.pool_size))
        neighbours = [t for t in neighbours if t.config.pool_size != chosen.config.pool_size]
        if not chosen.config.pooled or not neighbours:
            self.recheck = said + "; no pool size of the chosen model was to measure again"
            return False
        checked = []
        for neighbour in neighbours[:2]:
            judged = judge(self.runs.pair_up(chosen, neighbour, RECHECK_PAIRS, generation=1),
                           self.precision)
            checked.append(str(neighbour.config))
            if judged.verdict is Verdict.SLOWER:
                self.rechosen = self.best[neighbour.config.model] = neighbour
                self.lead = None
                self.recheck = (f"{said}; measured again, {neighbour.config} took "
                                f"{judged.ratio:.3f}x the time of {chosen.config} over "
                                f"{judged.pairs} pairs: the answer did not hold and is now "
                                f"{neighbour.config}")
                return True
        self.recheck = (f"{said}; the steps that chose {chosen.config} were measured again "
                        f"against {' and '.join(checked)} and the answer held")
        return False

    def answer(self) -> Answer:
        """The chosen, the runner-up and the judgements behind them, from the runs so far
        (measures nothing: an interrupted search answers too)."""
        chosen, runner_up = self._named()
        if chosen is None:
            return Answer(None, None, None, None, False, self.exhausted, self.trials)
        versus = self.runs.judged(chosen, runner_up) if runner_up is not None else None
        sync = self.best.get("sync")
        speedup = (self.runs.judged(chosen, sync) if sync is not None and sync is not chosen
                   else None)
        chosen.fate = "chosen"
        for trial in self.finalists():
            if trial is not chosen and not trial.dropped:
                trial.fate = f"finalist: {chosen.config} preferred"
        tie = versus is not None and versus.verdict is Verdict.LEVEL
        return Answer(chosen, runner_up, versus, speedup, tie, self.exhausted, self.trials,
                      self.recheck)


def _median(trial: Trial) -> float:
    return trial.median or 0.0


def _load(runs: list[Run]) -> float | None:
    """The median of other programs' cores over ``runs`` (None: none measured)."""
    values = [r.others for r in runs if r.others is not None]
    return statistics.median(values) if values else None


def _passed_over(old: Trial, new: Trial) -> str:
    """The fate of a model's best when ``new`` takes its place."""
    if new.over is old:
        return f"kept for the tie rule: {new.config} is faster by median only"
    return f"dropped: {new.config} is faster"
