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

Then the finals (``runner.advise.finals``) name the answer from the best of each
model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from runner.advise.finals import Finals
from runner.advise.paired import (
    DECISIVE,
    MIN_PAIRS,
    Verdict,
    clear_step,
    decisive,
    judge,
)
from runner.advise.pairing import Clock, Measure, Pairing
from runner.advise.rules import cost, doubling
from runner.advise.trial import Answer, Config, Trial, median_or_zero
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
        self.finals = Finals(self)

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
        self.finals.run()
        return self.answer()

    def leader(self) -> Trial | None:
        """The fastest of the models' best configurations so far (by median; before any
        model has a best, the fastest configuration measured)."""
        kept = [t for t in self.best.values() if t.walls and not t.dropped]
        measured = kept or [t for t in self.trials if t.walls]
        return min(measured, key=median_or_zero, default=None)

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
            # A step that shows no gain while other programs were busy may only show the
            # cores they took (a second thread gains nothing beside a hog on one of two
            # cores): it is looked at again with more pairs before the climb stops.
            busy = any(max(p.a.others or 0.0, p.b.others or 0.0) >= DIFFERENT_LOAD
                       for p in pairs)
            last = count == CLIMB_CHECKS[-1][0]
            if (verdict.ratio or 0.0) < 1 + margin * self.precision and (not busy or last):
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
        if median_or_zero(trial) * size / largest <= median_or_zero(leader) * margin:
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
        if leader is None or median_or_zero(best) < median_or_zero(leader) * DECISIVE:
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
        other = min(neighbours, key=median_or_zero)
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

    def finalists(self) -> list[Trial]:
        return self.finals.finalists()

    def answer(self) -> Answer:
        """The answer from the runs so far (measures nothing: an interrupted search
        answers too)."""
        return self.finals.answer()


def _passed_over(old: Trial, new: Trial) -> str:
    """The fate of a model's best when ``new`` takes its place."""
    if new.over is old:
        return f"kept for the tie rule: {new.config} is faster by median only"
    return f"dropped: {new.config} is faster"
