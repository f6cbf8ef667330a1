"""The search behind `runexp advise`: which model, at which pool size, for one parameter set.

Pure: it measures through an injected ``measure(config, repetitions)`` and reads time
from an injected ``clock``, so tests drive it with a synthetic cost model and a fake
clock. Runs are spent only where a decision needs them: every configuration starts
with one run (a probe), and gets more (up to precision, or until clearly beaten) only
when one run each cannot tell it from what it is compared with.

The unpooled models (sync) are probed first; then, cheapest model first, each pooled
model climbs the pool sizes 1, 2, 4, 8, ... (up to the maximum, or the most units its
pool can run at once where that is less) while throughput still rises (a decisive
step at once, a smaller one by a significance test, or by a median still faster after
5 runs a side, the smaller size then kept beside it for the tie rule), is dropped
where its best is clearly slower than the leader's or could not catch it even by
scaling linearly, and otherwise tries the midpoint between its best and its faster
neighbour. Finalists clearly beaten by the fastest are dropped; the rest are measured
in interleaved rounds until precise or beaten before the answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from runner.advise.rules import (
    DECISIVE,
    beaten,
    clearly_slower,
    cost,
    decisively_faster,
    doubling,
    p_value,
)
from runner.advise.trial import Answer, Config, Trial, level_with, rank
from runner.report.precision import precise_enough
from runner.report.stats import MIN_VALUES_FOR_U_TEST

#: Timed runs of a configuration before it may stop, and at most (a finalist may go
#: past MAX_RUNS only by its FINAL_RUNS interleaved runs).
MIN_RUNS = 3
MAX_RUNS = 10
#: A climbing step that one run each cannot decide is looked at again after each of
#: these (runs a side, margin): it ends the climb where it is not faster by more than
#: margin x the precision by median, and carries it where it is significantly faster.
#: Two runs a side let a flat step go early; a step more than twice the precision
#: faster by median after the last carries the climb too. (bench/advise_search.py, at
#: 10% noise: 3 to 5 runs a search fewer than checks at 3, 4 and 5 runs each at twice
#: the precision, and fewer wrong answers: a real 1.25x step missed 7 times in 60
#: against 9.)
CLIMB_CHECKS: tuple[tuple[int, float], ...] = (
    (2, 1), (MIN_RUNS, 1), (MIN_VALUES_FOR_U_TEST, 2), (5, 2))
#: Interleaved runs each finalist gets before the answer, at least, so that the answer
#: compares configurations measured side by side and with enough values for a U test.
FINAL_RUNS = 3


Measure = Callable[[Config, int], list[float]]
Clock = Callable[[], float]
OnTrial = Callable[[Trial, "Trial | None"], None]


class Search:
    """The search for one parameter set; ``run`` may be cut short (budget, Ctrl-C) and
    ``answer`` still gives the best so far."""

    def __init__(self, models: Mapping[str, bool], max_pool: int, measure: Measure, *,
                 precision: float, clock: Clock, deadline: float,
                 on_trial: OnTrial | None = None,
                 in_flight: Mapping[str, int] | None = None) -> None:
        self.models = dict(models)  # name -> pooled
        self.max_pool = max_pool
        # model -> the most units its pool can run at once (where known): no larger
        # pool can be faster, so none is tried.
        self.in_flight = dict(in_flight or {})
        self.measure = measure
        self.precision = precision
        self.clock = clock
        self.deadline = deadline
        self.on_trial = on_trial
        self.trials: list[Trial] = []
        self.best: dict[str, Trial] = {}  # model -> its best configuration so far
        self.dropped: set[str] = set()
        self.exhausted = False

    def run(self) -> Answer:
        for model in sorted(self.models, key=cost):
            if self.exhausted:
                break
            if self.models[model]:
                self._search_pooled(model)
            else:
                trial = self._probe(Config(model, 1, pooled=False))
                if trial is not None and trial.walls:
                    trial.fate = "kept"
                    self.best[model] = trial
        self._final_round()
        return self.answer()

    def _out_of_time(self) -> bool:
        if self.clock() >= self.deadline:
            self.exhausted = True
        return self.exhausted

    def leader(self) -> Trial | None:
        """The fastest of the models' best configurations so far (a size dropped for no
        significant gain over its model's best does not lead, however lucky its runs);
        before any model has a best, the fastest configuration measured."""
        kept = [t for t in self.best.values() if t.walls]
        measured = kept or [t for t in self.trials if t.walls]
        return min(measured, key=lambda t: t.median or 0.0, default=None)

    def _probe(self, config: Config) -> Trial | None:
        """One run of a new configuration: enough to see a step that is decisive."""
        if self._out_of_time():
            return None
        trial = Trial(config)
        self.trials.append(trial)
        self._one_run(trial)
        self._report(trial)
        return trial

    def _report(self, trial: Trial) -> None:
        if self.on_trial is not None:
            self.on_trial(trial, self.leader())

    def _one_run(self, trial: Trial) -> None:
        walls = self.measure(trial.config, 1)
        trial.walls += walls
        trial.failed += max(0, 1 - len(walls))

    def _faster(self, new: Trial, old: Trial) -> bool:
        """``new`` beats ``old``: at once where one run each shows a decisive step (and
        not, at once, where they show one the other way), else at the CLIMB_CHECKS: by
        ``clearly_slower``, or not, where ``new`` is not faster by the check's margin by
        median. The climb asks whether throughput still rises, not by how much:
        precision is for the answer. A ``new`` still faster by median after the last
        check wins too (on a noisy machine a real 1.4x step can miss significance at 5
        runs a side, and stopping there would judge the model by its slower size), with
        ``old`` kept as its ``over`` where ``old`` is the smaller pool."""
        if decisively_faster(new.walls, old.walls):
            return True
        if decisively_faster(old.walls, new.walls):  # as plain a step the other way
            return False
        for runs, margin in CLIMB_CHECKS:
            self._top_up(old, runs)
            self._top_up(new, runs)
            if not new.walls or not old.walls:
                return False
            if clearly_slower(old.walls, new.walls):
                return True
            if (new.median or 0.0) > (old.median or 0.0) * (1 - margin * self.precision):
                return False
        return self._carried_by_median(new, old)

    @staticmethod
    def _carried_by_median(new: Trial, old: Trial) -> bool:
        """``new``, still faster by median after every check, carries the climb, unless
        a failed run or the budget cut its checks short; ``old``, the smaller pool,
        stays beside it for the tie rule."""
        last = CLIMB_CHECKS[-1][0]
        if new.failed or old.failed or min(len(new.walls), len(old.walls)) < last:
            return False
        if old.config.pool_size < new.config.pool_size:
            new.over = old
        return True

    def _top_up(self, trial: Trial, runs: int) -> None:
        before = trial.runs
        while trial.runs < runs and not trial.failed and not self._out_of_time():
            self._one_run(trial)
        if trial.runs > before:
            self._report(trial)

    def largest(self, model: str) -> int:
        """The largest pool size the search tries for ``model``."""
        return min(self.max_pool, self.in_flight.get(model, self.max_pool))

    def _search_pooled(self, model: str) -> None:
        sizes = doubling(self.largest(model))
        best: Trial | None = None
        tried: list[Trial] = []
        for size in sizes:
            trial = self._probe(Config(model, size))
            if trial is None:
                break
            tried.append(trial)
            if not trial.walls:
                trial.fate = "dropped: no run succeeded"
                break
            if best is None or self._faster(trial, best):
                if best is not None:
                    best.fate = _passed_over(best, trial)
                best = self.best[model] = trial
                trial.fate = "kept"
                if self._out_of_reach(trial):
                    return
                continue
            trial.fate = f"dropped: no significant gain over {best.config}"
            break
        if best is None or self.exhausted:
            return
        leader = self.leader()
        if leader is not None and self._beaten(best, leader):
            return
        middle = self._midpoint(best, tried)
        if middle is None:  # nothing to refine: the final rounds compare it with the rest
            return
        if leader is not None and self._behind(best, leader):
            return
        self._refine(model, best, middle)

    def _behind(self, best: Trial, leader: Trial) -> bool:
        """Before refining a model whose best is not yet clearly slower than the leader
        (another model's): where it only looks slower (by more than twice the
        precision), both get the runs a U test needs, and the model is dropped if that
        shows it beaten: the leader's runs count towards its precision later, and a
        refinement of a model out of the running would be runs spent for nothing."""
        if leader.config.model == best.config.model or (
                (best.median or 0.0) <= (leader.median or 0.0) * (1 + 2 * self.precision)):
            return False
        self._top_up(leader, MIN_VALUES_FOR_U_TEST)
        self._top_up(best, MIN_VALUES_FOR_U_TEST)
        return self._beaten(best, leader)

    def _beaten(self, best: Trial, by: Trial, *beside: Trial) -> bool:
        """A model's best (and the smaller pools kept ``beside`` it) all clearly slower
        than another model's configuration: drop the model."""
        own = [best, *beside]
        if by.config.model == best.config.model or not all(
                beaten(t.walls, by.walls) for t in own):
            return False
        for trial in own:
            trial.drop(f"dropped: model beaten by {by.config}")
        self.dropped.add(best.config.model)
        return True

    def _out_of_reach(self, trial: Trial) -> bool:
        """Even perfect scaling from here to the largest pool tried would not catch the
        leader (of another model) by a decisive margin: the model is dropped without
        climbing further."""
        leader = self.leader()
        if leader is None or leader.config.model == trial.config.model:
            return False
        size, largest = trial.config.pool_size, self.largest(trial.config.model)
        if size >= largest:
            return False
        best_case = (trial.median or 0.0) * size / largest
        if best_case <= (leader.median or 0.0) * DECISIVE:
            return False
        trial.drop(f"dropped: even linear scaling to {largest} workers would not "
                   f"catch {leader.config}")
        self.dropped.add(trial.config.model)
        return True

    def _midpoint(self, best: Trial, tried: list[Trial]) -> int | None:
        """The pool size between the best size and its faster tried neighbour (where a
        curve has one optimum, it lies on that side), or None: no size lies between, or
        the best is decisively faster than that neighbour too (the curve still rose
        steeply there, so its optimum lies at the best size or beyond, not between)."""
        at = tried.index(best)
        neighbours = [t for t in (tried[at - 1] if at > 0 else None,
                                  tried[at + 1] if at + 1 < len(tried) else None)
                      if t is not None and t.walls]
        if not neighbours:
            return None
        other = min(neighbours, key=lambda t: t.median or 0.0)
        middle = (best.config.pool_size + other.config.pool_size) // 2
        if middle in (best.config.pool_size, other.config.pool_size) or decisively_faster(
                best.walls, other.walls):
            return None
        return middle

    def _refine(self, model: str, best: Trial, middle: int) -> None:
        """Try the midpoint; it replaces the best where it is faster."""
        if self.exhausted:
            return
        trial = self._probe(Config(model, middle))
        if trial is None:
            return
        if trial.walls and not decisively_faster(best.walls, trial.walls) and self._faster(
                trial, best):
            best.fate = _passed_over(best, trial)
            trial.fate = "kept"
            smaller = best.over
            if trial.over is None and smaller is not None and (
                    smaller.config.pool_size < trial.config.pool_size):
                trial.over = smaller  # still a finalist for the tie rule
            self.best[model] = trial
        else:
            trial.fate = f"dropped: no significant gain over {best.config}"

    def finalists(self) -> list[Trial]:
        """The best of each model still in, with the smaller pools each was kept over by
        median only; where every model was dropped, their bests; else the leader."""
        kept = [t for model, t in self.best.items() if model not in self.dropped and t.walls]
        leader = self.leader()  # cut short before any model had a best: the leader
        chosen = kept or [t for t in self.best.values() if t.walls] or (
            [leader] if leader is not None else [])
        for best in list(chosen):
            smaller = best.over
            while smaller is not None:
                if smaller.walls and all(smaller is not t for t in chosen):
                    chosen.append(smaller)
                smaller = smaller.over
        return chosen

    def _final_round(self) -> None:
        """Drop the finalists clearly beaten by the fastest (a decisive step needs no more
        runs); measure the rest in interleaved rounds, each round one run of every
        finalist still in, until each is precise or clearly beaten by the fastest, with
        FINAL_RUNS rounds at least and MAX_RUNS runs a finalist at most (beyond that only
        its FINAL_RUNS)."""
        self._drop_beaten()
        finalists = self.finalists()
        rival = self._rival(finalists)
        lead = min(finalists, key=lambda t: t.median or 0.0, default=None)
        if rival is not None and lead is not None and decisively_faster(lead.walls,
                                                                         rival.walls):
            # Far behind: enough runs for a U test to say so, not interleaved rounds.
            self._top_up(rival, MIN_VALUES_FOR_U_TEST)
            self._top_up(lead, MIN_VALUES_FOR_U_TEST)
            rival = None
        elif rival is not None:  # close: measured beside the answer, as the finalists are
            finalists.append(rival)
        if not finalists:  # no run of any configuration succeeded
            return
        side_by_side = len(finalists) > 1
        limit = {id(t): max(MAX_RUNS, t.runs + (FINAL_RUNS if side_by_side else 0))
                 for t in finalists}
        before = {id(t): t.runs for t in finalists}
        rounds = 0
        while not self._out_of_time():
            fastest = min(finalists, key=lambda t: t.median or 0.0)
            due = [t for t in finalists if t.runs < limit[id(t)] and self._due(
                t, fastest, finalists, side_by_side and rounds < FINAL_RUNS)]
            if not due:
                break
            for trial in due:
                if self._out_of_time():
                    break
                self._one_run(trial)
            rounds += 1
        for trial in finalists:  # a line each, as the rounds left it
            if trial.runs > before[id(trial)]:
                self._report(trial)
        self._drop_beaten()

    def _due(self, trial: Trial, fastest: Trial, finalists: list[Trial],
             re_measuring: bool) -> bool:
        """``trial`` gets another run in this round: not failed, not clearly slower than
        ``fastest``, and either still being re-measured or neither precise nor outdone
        by a cheaper finalist still in: one at least as fast by median, which the tie
        rule names unless ``trial`` became significantly faster than it."""
        if trial.failed:
            return False
        if trial is not fastest and beaten(trial.walls, fastest.walls):
            trial.note = f"stopped early: slower than {fastest.config}"
            return False
        if trial.runs >= MIN_RUNS and precise_enough(trial.walls, self.precision) and (
                not re_measuring):
            trial.note = ""
            return False
        cheaper = [t for t in finalists if t is not trial and rank(t) < rank(trial)
                   and (t.median or 0.0) <= (trial.median or 0.0) and level_with(t, fastest)]
        if cheaper and not re_measuring:
            trial.note = f"stopped early: no faster than the cheaper {cheaper[0].config}"
            return False
        trial.note = ""  # due (again): whatever stopped it before no longer holds
        return True

    def _rival(self, finalists: list[Trial]) -> Trial | None:
        """The best of another model where one model's finalists are left: the runner-up."""
        if len({t.config.model for t in finalists}) != 1:
            return None
        others = [t for t in self.best.values()
                  if t.walls and t.config.model != finalists[0].config.model]
        return min(others, key=lambda t: t.median or 0.0, default=None)

    def _drop_beaten(self) -> None:
        """Drop each model whose finalists (its best and the smaller pools kept beside
        it) are all clearly slower than the fastest finalist, another model's."""
        finalists = self.finalists()
        fastest = min(finalists, key=lambda t: t.median or 0.0, default=None)
        if fastest is None:
            return
        for model in {t.config.model for t in finalists} - {fastest.config.model}:
            best, *beside = [t for t in finalists if t.config.model == model]
            self._beaten(best, fastest, *beside)

    def answer(self) -> Answer:
        """The fastest measured finalist, or, where the runner-up is not significantly
        slower (as ``clearly_slower`` tells), the cheaper model and then the smaller pool
        among those tied."""
        # Dropped models still rank (the runner-up may be one); only the finalists
        # were re-measured.
        ranked = [*self.finalists(), *(t for m, t in self.best.items()
                                       if m in self.dropped and t.walls)]
        ordered = sorted({id(t): t for t in ranked}.values(), key=lambda t: t.median or 0.0)
        if not ordered:
            return Answer(None, None, None, False, self.exhausted, self.trials)
        # A configuration whose drop stands is not named, even where the one that beat it
        # slowed down since: it may only be the runner-up.
        candidates = [t for t in ordered if not t.drop_stands] or ordered
        fastest = candidates[0]
        tied = [t for t in candidates if level_with(t, fastest)]
        # A smaller pool kept for the tie rule is named only where its own model's
        # larger one does not clearly beat it.
        tied = [t for t in tied if not any(
            o is not t and o.config.model == t.config.model and beaten(t.walls, o.walls)
            for o in tied)] or tied
        chosen = min(tied, key=rank)
        others = [t for t in ordered if t.config.model != chosen.config.model]
        runner_up = others[0] if others else None
        tie = runner_up is not None and level_with(runner_up, chosen)
        chosen.fate = "chosen"
        for trial in self.finalists():
            if trial is not chosen:
                trial.fate = f"finalist: {chosen.config} preferred"
        return Answer(chosen, runner_up,
                      p_value(chosen.walls, runner_up.walls) if runner_up else None,
                      tie, self.exhausted, self.trials)


def _passed_over(old: Trial, new: Trial) -> str:
    """The fate of a model's best when ``new`` takes its place."""
    if new.over is old:
        return f"kept for the tie rule: {new.config} is faster by median only"
    return f"dropped: {new.config} is faster"
