"""The paired comparison advise decides by, on synthetic series with drift, bursts of
load and plain noise (seeded: no timing)."""

from __future__ import annotations

import random

from runner.advise.paired import (
    CLEAR_PAIRS,
    DECISIVE,
    Pair,
    Run,
    Verdict,
    a_first,
    clear_step,
    judge,
)


def alternate(a: float, b: float, pairs: int, *, seed: int = 0, noise: float = 0.02,
              drift: float = 0.0, burst: float = 0.0) -> list[Pair]:
    """Pairs of A and B (true times a and b) made in blocks A B B A, the machine slowing by
    ``drift`` per run and a burst of load (x ``burst``, reported as one core) now and then."""
    rng = random.Random(seed)
    made: list[Pair] = []
    previous: bool | None = None
    run = 0
    for i in range(pairs):
        first = a_first(i, previous, rng)
        previous = first
        loaded = burst and rng.random() < 0.3
        times = []
        for wall in ((a, b) if first else (b, a)):
            slow = (1 + drift * run) * (burst if loaded else 1.0)
            times.append(Run(wall * slow * rng.gauss(1, noise), 1.0 if loaded else 0.0))
            run += 1
        made.append(Pair(times[0], times[1], True) if first else Pair(times[1], times[0], False))
    return made


def test_blocks_alternate_a_b_b_a_with_each_blocks_orientation_drawn() -> None:
    rng = random.Random(3)
    orders: list[bool] = []
    for i in range(40):
        orders.append(a_first(i, orders[-1] if orders else None, rng))
    assert all(orders[i] != orders[i + 1] for i in range(0, 40, 2))
    assert 5 < sum(orders[::2]) < 15  # the blocks' first pairs: both orientations


def test_a_steady_drift_does_not_make_equals_differ() -> None:
    # The machine slows 2% per run: 24 runs in, 46% slower. Run all A, then all B, and
    # B would look 1.2x slower; paired in A B B A blocks, they come out level.
    pairs = alternate(1.0, 1.0, 12, drift=0.02, noise=0.01)
    verdict = judge(pairs, precision=0.05)
    assert verdict.verdict is Verdict.LEVEL
    assert verdict.ci is not None and 0.95 <= verdict.ci[0] <= verdict.ci[1] <= 1.05


def test_bursts_of_load_that_hit_both_runs_of_a_pair_do_not_flip_a_real_step() -> None:
    told = 0
    for seed in range(20):
        pairs = alternate(1.0, 1.3, 8, seed=seed, burst=2.0)
        verdict = judge(pairs, precision=0.05)
        assert verdict.verdict in (Verdict.FASTER, Verdict.NOT_TOLD_APART)
        told += verdict.verdict is Verdict.FASTER
    assert told >= 18


def test_few_pairs_are_not_told_apart_and_never_level() -> None:
    verdict = judge(alternate(1.0, 1.02, 4), precision=0.05)
    assert verdict.verdict is Verdict.NOT_TOLD_APART and verdict.ci is None
    assert not verdict.significant


def test_a_decisive_pair_decides_only_under_one_load() -> None:
    same = Pair(Run(1.0, 0.1), Run(DECISIVE * 1.1, 0.2))
    assert judge([same], 0.05).verdict is Verdict.FASTER and judge([same], 0.05).decisive
    assert not judge([same], 0.05).significant  # seen, not tested
    moved = Pair(Run(1.0, 0.0), Run(DECISIVE * 1.1, 1.0))  # a hog came on between them
    assert judge([moved], 0.05).verdict is Verdict.NOT_TOLD_APART


def test_clear_pairs_each_past_four_times_the_precision_decide() -> None:
    step = clear_step(0.05)
    pairs = [Pair(Run(1.0), Run(step * 1.05))] * CLEAR_PAIRS
    assert judge(pairs, 0.05).verdict is Verdict.FASTER
    assert judge(pairs[:-1], 0.05).verdict is Verdict.NOT_TOLD_APART


def test_a_judgement_read_from_the_other_side() -> None:
    verdict = judge(alternate(1.0, 1.3, 8), precision=0.05)
    other = verdict.flipped()
    assert verdict.verdict is Verdict.FASTER and other.verdict is Verdict.SLOWER
    assert verdict.ci is not None and other.ci is not None
    assert abs(other.ci[0] * verdict.ci[1] - 1) < 1e-9
