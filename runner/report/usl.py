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
trying each set of active constraints (numpy's SVD pseudo-inverse on each) and
keeping the best feasible one. Each row is weighted by 1 / (N / X), so that the
residuals are relative errors of the throughput and a fast configuration counts
as much as a slow one. The bootstrap solves all its resamples at once (one
stacked pseudo-inverse per active set): a report fits every pooled model of
every parameter set, and 200 fits one by one took a tenth of a second per model.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

#: Fewest distinct pool sizes a fit needs: three parameters.
MIN_POINTS = 3
#: Below this r2 (of the throughput, not of the linear form) a fit is too poor to quote.
POOR_FIT_R2 = 0.8
#: Bootstrap resamples for the intervals of sigma and the peak pool.
BOOTSTRAP_SAMPLES = 200
#: Runs each pool size needs for an interval: resampling a single run always draws it.
MIN_RUNS_FOR_INTERVAL = 2
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
    (a, b, c), = _coefficients(n, x[None, :])
    if math.isnan(a):
        return None
    result = UslFit(lambda_per_s=1 / a, sigma=b / a, kappa=c / a, r2=0.0, points=len(set(n)))
    predicted = np.array([result.throughput(size) for size in n])
    total = float(np.sum((x - x.mean()) ** 2))
    r2 = 1 - float(np.sum((x - predicted) ** 2)) / total if total > 0 else 1.0
    return UslFit(result.lambda_per_s, result.sigma, result.kappa, r2, result.points)


def _coefficients(n: np.ndarray, x: np.ndarray) -> np.ndarray:
    """(a, b, c) of the linear form for each row of ``x`` (throughputs at pool sizes ``n``),
    NaN where no active set gives a feasible solution."""
    import numpy as np

    design = np.column_stack([np.ones_like(n), n - 1, n * (n - 1)])
    # Weighted by 1 / y = X / N, the target y * (1 / y) is 1 in every row.
    weighted = design[None, :, :] * (x / n)[:, :, None]
    best_error = np.full(len(x), np.inf)
    best = np.full((len(x), 3), np.nan)
    # Columns 1 (sigma) and 2 (kappa) may each be held at zero: four active sets.
    for free in itertools.product((True, False), repeat=2):
        columns = [0] + [i + 1 for i, keep in enumerate(free) if keep]
        system = weighted[:, :, columns]
        solution = np.linalg.pinv(system) @ np.ones(len(n))
        coefficients = np.zeros((len(x), 3))
        coefficients[:, columns] = solution
        error = np.sum((np.einsum("rkm,rm->rk", system, solution) - 1) ** 2, axis=1)
        better = ((coefficients[:, 0] > 0) & (coefficients[:, 1:] >= 0).all(axis=1)
                  & (error < best_error))
        best_error[better] = error[better]
        best[better] = coefficients[better]
    return best


@dataclass(frozen=True)
class Intervals:
    """95% percentile-bootstrap intervals of sigma and of the peak pool."""

    sigma: tuple[float, float]
    peak_pool: tuple[float, float] | None  # None where most resamples have no peak


def bootstrap(samples: Mapping[float, Sequence[float]], *, resamples: int = BOOTSTRAP_SAMPLES,
              seed: int = BOOTSTRAP_SEED) -> Intervals | None:
    """Refit on resampled runs: each pool size's throughputs drawn with replacement, their
    median taken, the law fitted again (Efron & Tibshirani, *An Introduction to the
    Bootstrap*, 1993, ch. 13: percentile intervals).

    None with fewer than 3 pool sizes, a pool size with fewer than 2 runs or a
    throughput that is not positive, or where most resamples give no fit.
    """
    import numpy as np

    sizes = sorted(samples)
    values = [np.asarray(samples[s], dtype=float) for s in sizes]
    if (len(sizes) < MIN_POINTS or any(len(v) < MIN_RUNS_FOR_INTERVAL for v in values)
            or any(not (v > 0).all() or not np.isfinite(v).all() for v in values)):
        return None
    rng = np.random.default_rng(seed)
    medians = np.column_stack([np.median(v[rng.integers(0, len(v), (resamples, len(v)))],
                                         axis=1) for v in values])
    a, b, c = _coefficients(np.asarray(sizes, dtype=float), medians).T
    fitted = ~np.isnan(a)
    if fitted.sum() < resamples // 2:
        return None
    sigmas = b[fitted] / a[fitted]
    kappas = c[fitted] / a[fitted]
    with_peak = (kappas > 0) & (sigmas < 1)
    peaks = np.sqrt((1 - sigmas[with_peak]) / kappas[with_peak])
    peak = _percentiles(peaks) if len(peaks) >= len(sigmas) // 2 else None
    return Intervals(sigma=_percentiles(sigmas), peak_pool=peak)


def _percentiles(values: np.ndarray) -> tuple[float, float]:
    ordered = sorted(float(v) for v in values)
    low = ordered[int(0.025 * (len(ordered) - 1))]
    high = ordered[math.ceil(0.975 * (len(ordered) - 1))]
    return low, high
