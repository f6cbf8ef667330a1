"""The search of `runexp advise` on synthetic cost curves: how many runs it spends and
how often it names a configuration more than 10% slower than the curve's best.

No process runs and nothing is timed: each curve gives a configuration's true wall
time, a run draws it with Gaussian noise (a CV of --noise), and the search runs as
`runexp advise` runs it, seed after seed. This is how a change to the search's rules
is weighed before a real benchmark (bench/advise.py), which shows one draw of the
machine's noise per run; `--checks` replaces the climb's checks for a comparison.

    python bench/advise_search.py [--seeds 60] [--noise 0.05 --noise 0.10 ...]
                                  [--checks 3:2,4:2,5:2]
"""

from __future__ import annotations

import argparse
import random
import statistics
from collections.abc import Callable

import common  # noqa: F401  (puts the repository on sys.path)

from runner.advise import search
from runner.advise.paired import Run
from runner.advise.rules import doubling
from runner.advise.search import Search
from runner.advise.trial import Config

Curve = Callable[[str, int], float]
MODELS = {"sync": False, "asyncio": True, "threads": True, "processes": True}
TIE = 1.10


def gil(model: str, pool: int) -> float:
    """4 tasks of fib on 2 cores: processes/p2 to p4, the rest level with sync."""
    if model == "processes":
        return {1: 0.245, 2: 0.174, 3: 0.18, 4: 0.169}[pool]
    return 0.26


def fib(model: str, pool: int) -> float:
    """20 tasks of fib on 2 cores: processes/p2, each worker past 2 costs a little."""
    if model == "processes":
        return 0.36 / min(pool, 2) * (1 + 0.02 * max(0, pool - 2)) + 0.003 * pool
    return 0.35


def sleep(model: str, pool: int) -> float:
    """16 waits of 20 ms: asyncio or threads at 16; threads lose a little past 8."""
    base = 0.32 / min(pool, 16) + 0.004
    if model == "sync":
        return 0.32
    if model == "threads":
        return base * 1.15 if pool >= 8 else base
    return base + 0.004 * pool if model == "processes" else base


def hashing(model: str, pool: int) -> float:
    """sha256 on 2 cores: threads or processes at 2."""
    if model in ("threads", "processes"):
        extra = 0.005 * pool if model == "processes" else 0.0
        return 0.19 / min(pool, 2) * (1 + 0.03 * max(0, pool - 2)) + extra
    return 0.19


def flat(model: str, pool: int) -> float:
    """Tiny CPU work: nothing gains; a process pool only costs."""
    return 0.025 * (1.5 if model == "processes" and pool == 1 else 1) + (
        0.002 * pool if model == "processes" else 0)


def modest(model: str, pool: int) -> float:
    """A real but modest gain: threads/p2 1.25x faster than sync, and no further."""
    if model == "threads":
        return 0.3 if pool == 1 else 0.24
    return 0.33 + 0.01 * pool if model == "processes" else 0.3


#: name -> (curve, units a run has: the pool sizes' ceiling)
CURVES: dict[str, tuple[Curve, int]] = {
    "gil": (gil, 4), "fib": (fib, 20), "sleep": (sleep, 16), "hash": (hashing, 16),
    "flat": (flat, 16), "modest": (modest, 16)}


class Machine:
    """Runs drawn from a curve with a CV of ``noise``; the clock advances by each."""

    def __init__(self, curve: Curve, noise: float, seed: int) -> None:
        self.curve, self.noise = curve, noise
        self.random = random.Random(seed)
        self.now = 0.0
        self.runs = 0

    def measure(self, config: Config) -> Run:
        wall = self.curve(config.model, config.pool_size) * self.random.gauss(1, self.noise)
        self.now += wall
        self.runs += 1
        return Run(wall)

    def clock(self) -> float:
        return self.now


def one(curve: Curve, units: int, noise: float, seed: int) -> tuple[int, bool]:
    """Runs spent, and whether the configuration named is within 10% of the best."""
    machine = Machine(curve, noise, seed)
    answer = Search(MODELS, 64, machine.measure, precision=0.05, clock=machine.clock,
                    deadline=1e9, in_flight={m: units for m, pooled in MODELS.items()
                                             if pooled}).run()
    best = min(curve(m, p) for m, pooled in MODELS.items()
               for p in (doubling(units) if pooled else [1]))
    chosen = answer.chosen.config if answer.chosen else None
    good = chosen is not None and curve(chosen.model, chosen.pool_size) <= best * TIE
    return machine.runs, good


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=60)
    parser.add_argument("--noise", type=float, action="append", default=[])
    parser.add_argument("--checks", help="the climb's checks as PAIRS:MARGIN,... "
                                         f"(default {search.CLIMB_CHECKS})")
    args = parser.parse_args()
    if args.checks:
        try:
            search.CLIMB_CHECKS = tuple(
                (int(runs), float(margin)) for runs, margin in
                (pair.split(":") for pair in args.checks.split(",")))
        except ValueError:
            parser.error(f"--checks {args.checks!r}: expected PAIRS:MARGIN, "
                         "comma-separated, e.g. 2:1,4:2,6:2")
    print(f"climb checks {search.CLIMB_CHECKS}; {args.seeds} seeds a cell; runs are the "
          "mean per search, wrong the searches naming a configuration >10% off the best")
    for noise in args.noise or [0.05, 0.10, 0.15]:
        cells = []
        for name, (curve, units) in CURVES.items():
            results = [one(curve, units, noise, seed) for seed in range(args.seeds)]
            runs = statistics.fmean(r for r, _ in results)
            wrong = sum(not good for _, good in results)
            cells.append(f"{name} {runs:.1f} runs, {wrong} wrong")
        print(f"noise {noise:.2f}: " + "; ".join(cells), flush=True)


if __name__ == "__main__":
    main()
