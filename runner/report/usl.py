"""Gunther's Universal Scalability Law, fitted to throughput against pool size.

    X(N) = lambda N / (1 + sigma (N - 1) + kappa N (N - 1))

lambda is the throughput of one worker, sigma the contention (the serial share
of the work: 0 scales linearly, 1 not at all) and kappa the coherency cost that
grows with pairs of workers; with kappa > 0 throughput peaks at
N* = sqrt((1 - sigma) / kappa) (Gunther, *Guerrilla Capacity Planning*, 2007,
ch. 4).

The fit uses the law's linear form: N / X(N) = a + b (N - 1) + c N (N - 1) with
a = 1/lambda, b = sigma/lambda, c = kappa/lambda, all non-negative. That is a
linear least-squares problem with two sign constraints, solved exactly by
trying each set of active constraints (numpy's ``lstsq`` on each) and keeping
the best feasible one. Each row is weighted by 1 / (N / X), so that the
residuals are relative errors of the throughput and a fast configuration counts
as much as a slow one.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

#: Fewest distinct pool sizes a fit needs: three parameters.
MIN_POINTS = 3
#: Below this r2 (of the throughput, not of the linear form) a fit is too poor to quote.
POOR_FIT_R2 = 0.8
#: Bootstrap resamples for the intervals of sigma and the peak pool.
BOOTSTRAP_SAMPLES = 200
BOOTSTRAP_SEED = 1


@dataclass(frozen=True)
class UslFit:
    lambda_per_s: float  # throughput at one worker
    sigma: float  # contention: the serial share
    kappa: float  # coherency: the cost that grows with pairs of workers
    r2: float  # of the fitted throughput against the measured one
    points: int  # distinct pool sizes fitted

    def throughput(self, pool_size: float) -> float:
        n = pool_size
        return self.lambda_per_s * n / (1 + self.sigma * (n - 1) + self.kappa * n * (n - 1))

    @property
    def peak_pool(self) -> float | None:
        """N* = sqrt((1 - sigma) / kappa), where kappa > 0 (no peak otherwise)."""
        if self.kappa <= 0 or self.sigma >= 1:
            return None
        return math.sqrt((1 - self.sigma) / self.kappa)

    @property
    def peak_throughput_per_s(self) -> float | None:
        peak = self.peak_pool
        return None if peak is None else self.throughput(peak)

    @property
    def poor(self) -> bool:
        return self.r2 < POOR_FIT_R2


def fit(pool_sizes: Sequence[float], throughputs: Sequence[float]) -> UslFit | None:
    """The USL through (pool size, throughput) points; None with fewer than 3 pool sizes
    or any throughput that is not positive."""
    import numpy as np

    if len(set(pool_sizes)) < MIN_POINTS or len(pool_sizes) != len(throughputs):
        return None
    if any(not x > 0 or not math.isfinite(x) for x in throughputs):
        return None
    n = np.asarray(pool_sizes, dtype=float)
    x = np.asarray(throughputs, dtype=float)
    y = n / x
    design = np.column_stack([np.ones_like(n), n - 1, n * (n - 1)])
    weights = 1 / y
    best: tuple[float, np.ndarray] | None = None
    # Columns 1 (sigma) and 2 (kappa) may each be held at zero: four active sets.
    for free in itertools.product((True, False), repeat=2):
        columns = [0] + [i + 1 for i, keep in enumerate(free) if keep]
        solution, *_ = np.linalg.lstsq(design[:, columns] * weights[:, None], y * weights,
                                       rcond=None)
        coefficients = np.zeros(3)
        coefficients[columns] = solution
        if coefficients[0] <= 0 or (coefficients[1:] < 0).any():
            continue
        error = float(np.sum(((design @ coefficients - y) * weights) ** 2))
        if best is None or error < best[0]:
            best = (error, coefficients)
    if best is None:
        return None
    a, b, c = best[1]
    result = UslFit(lambda_per_s=1 / a, sigma=b / a, kappa=c / a, r2=0.0, points=len(set(n)))
    predicted = np.array([result.throughput(size) for size in n])
    total = float(np.sum((x - x.mean()) ** 2))
    r2 = 1 - float(np.sum((x - predicted) ** 2)) / total if total > 0 else 1.0
    return UslFit(result.lambda_per_s, result.sigma, result.kappa, r2, result.points)


@dataclass(frozen=True)
class Intervals:
    """95% percentile-bootstrap intervals of sigma and of the peak pool."""

    sigma: tuple[float, float]
    peak_pool: tuple[float, float] | None  # None where most resamples have no peak


def bootstrap(samples: dict[float, Sequence[float]], *, resamples: int = BOOTSTRAP_SAMPLES,
              seed: int = BOOTSTRAP_SEED) -> Intervals | None:
    """Refit on resampled runs: each pool size's throughputs drawn with replacement, their
    median taken, the law fitted again (Efron & Tibshirani, *An Introduction to the
    Bootstrap*, 1993, ch. 13: percentile intervals)."""
    import statistics

    rng = random.Random(seed)
    sizes = sorted(samples)
    sigmas: list[float] = []
    peaks: list[float] = []
    for _ in range(resamples):
        medians = [statistics.median(rng.choices(list(samples[s]), k=len(samples[s])))
                   for s in sizes]
        refit = fit(sizes, medians)
        if refit is None:
            continue
        sigmas.append(refit.sigma)
        if refit.peak_pool is not None:
            peaks.append(refit.peak_pool)
    if len(sigmas) < resamples // 2:
        return None
    peak = _percentiles(peaks) if len(peaks) >= len(sigmas) // 2 else None
    return Intervals(sigma=_percentiles(sigmas), peak_pool=peak)


def _percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    low = ordered[int(0.025 * (len(ordered) - 1))]
    high = ordered[math.ceil(0.975 * (len(ordered) - 1))]
    return low, high
