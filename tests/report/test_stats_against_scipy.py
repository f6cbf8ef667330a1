"""The hand-written statistics against scipy's, on hypothesis-generated samples.

runexp computes its statistics itself (the measuring side imports no scipy); scipy,
a dev dependency only, checks them here. Exact quantities agree within 1e-9; the
normal approximation of the U test with ties is scipy's ``asymptotic`` method with
the same continuity correction, so it agrees within 1e-9 too; the USL fit, a
bounded linear least-squares problem solved by active sets, agrees with scipy's
``lsq_linear`` within 1e-6 relative (the condition of the problem, not rounding,
sets that tolerance).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runner.report.stats import EXACT_U_LIMIT, mann_whitney_u, median_interval, t_quantile
from runner.report.usl import fit

scipy_stats = pytest.importorskip("scipy.stats")
scipy_optimize = pytest.importorskip("scipy.optimize")

EXACT = 1e-9


@settings(max_examples=200, deadline=None)
@given(probability=st.floats(0.5005, 0.9999), df=st.integers(1, 400))
def test_t_quantiles_match_scipy(probability: float, df: int) -> None:
    ours, theirs = t_quantile(probability, df), scipy_stats.t.ppf(probability, df)
    assert ours == pytest.approx(theirs, rel=EXACT, abs=EXACT)
    assert t_quantile(1 - probability, df) == pytest.approx(-theirs, rel=EXACT, abs=EXACT)


#: Distinct values: the exact distribution applies (up to EXACT_U_LIMIT a side).
distinct_pair = st.integers(1, 12).flatmap(lambda m: st.integers(1, 12).flatmap(
    lambda n: st.lists(st.floats(0.001, 10, allow_nan=False), min_size=m + n,
                       max_size=m + n, unique=True).map(lambda values: (values[:m],
                                                                        values[m:]))))


@settings(max_examples=200, deadline=None)
@given(samples=distinct_pair)
def test_the_exact_u_test_matches_scipy(samples: tuple[list[float], list[float]]) -> None:
    a, b = samples
    assert max(len(a), len(b)) <= EXACT_U_LIMIT
    u, p = mann_whitney_u(a, b)
    theirs = scipy_stats.mannwhitneyu(a, b, alternative="two-sided", method="exact")
    assert u == theirs.statistic
    assert p == pytest.approx(theirs.pvalue, rel=EXACT, abs=EXACT)


#: Few distinct values (ties), so the normal approximation with tie correction applies.
tied_pair = st.tuples(st.lists(st.integers(0, 5).map(float), min_size=2, max_size=40),
                      st.lists(st.integers(0, 5).map(float), min_size=2, max_size=40))


@settings(max_examples=200, deadline=None)
@given(samples=tied_pair)
def test_the_normal_u_test_with_ties_matches_scipy(
        samples: tuple[list[float], list[float]]) -> None:
    a, b = samples
    pooled = a + b
    if len(set(pooled)) == len(pooled) or len(set(pooled)) == 1:
        return  # no ties (the exact branch), or nothing to rank (both give p = 1)
    u, p = mann_whitney_u(a, b)
    theirs = scipy_stats.mannwhitneyu(a, b, alternative="two-sided", method="asymptotic",
                                      use_continuity=True)
    assert u == theirs.statistic
    assert p == pytest.approx(theirs.pvalue, rel=EXACT, abs=EXACT)


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.floats(0, 100, allow_nan=False), min_size=1, max_size=200),
       confidence=st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_the_median_interval_has_the_binomial_coverage(values: list[float],
                                                       confidence: float) -> None:
    interval = median_interval(values, confidence)
    ordered, n = sorted(values), len(values)
    # Coverage of [x_(j), x_(n-j+1)] is P(j <= B <= n - j), B ~ Binomial(n, 1/2).
    coverage = {j: scipy_stats.binom.cdf(n - j, n, 0.5) - scipy_stats.binom.cdf(j - 1, n, 0.5)
                for j in range(1, (n + 1) // 2 + 1)}
    reaching = [j for j, c in coverage.items() if c >= confidence]
    j = max(reaching) if reaching else 1  # the narrowest reaching it, else [min, max]
    assert (interval.low, interval.high) == (ordered[j - 1], ordered[n - j])
    assert interval.coverage == pytest.approx(coverage[j], rel=EXACT, abs=EXACT)


def usl(n: np.ndarray, lam: float, sigma: float, kappa: float) -> np.ndarray:
    return lam * n / (1 + sigma * (n - 1) + kappa * n * (n - 1))


@settings(max_examples=60, deadline=None)
@given(lam=st.floats(1, 1000), sigma=st.floats(0, 0.5), kappa=st.floats(0, 0.05),
       noise=st.lists(st.floats(-0.05, 0.05), min_size=7, max_size=7))
def test_the_usl_fit_is_scipys_bounded_least_squares(lam: float, sigma: float, kappa: float,
                                                     noise: list[float]) -> None:
    """The fit solves, in N / X = a + b (N - 1) + c N (N - 1) weighted by X / N (relative
    error), a least-squares problem with a, b, c >= 0: scipy's lsq_linear solves it too."""
    pools = np.array([1.0, 2, 4, 8, 16, 32, 64])
    throughputs = usl(pools, lam, sigma, kappa) * (1 + np.array(noise))
    ours = fit(list(pools), list(throughputs))
    assert ours is not None
    design = np.column_stack([np.ones_like(pools), pools - 1, pools * (pools - 1)])
    weighted = design * (throughputs / pools)[:, None]
    theirs = scipy_optimize.lsq_linear(weighted, np.ones(len(pools)), bounds=(0, np.inf),
                                       method="bvls", tol=1e-14)
    a = 1 / ours.lambda_per_s
    mine = np.array([a, ours.sigma * a, ours.kappa * a])

    def error(coefficients: np.ndarray) -> float:
        return float(np.sum((weighted @ coefficients - 1) ** 2))

    # As good a fit as scipy's, to rounding, and the same coefficients where they matter.
    assert error(mine) <= error(theirs.x) * (1 + 1e-9) + 1e-15
    assert ours.lambda_per_s == pytest.approx(1 / theirs.x[0], rel=1e-6)
    assert ours.sigma == pytest.approx(theirs.x[1] / theirs.x[0], rel=1e-6, abs=1e-9)
    assert ours.kappa == pytest.approx(theirs.x[2] / theirs.x[0], rel=1e-6, abs=1e-9)
