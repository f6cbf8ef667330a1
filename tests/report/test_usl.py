"""The USL fit on synthetic throughput curves with known parameters."""

from __future__ import annotations

import random

import pytest

from runner.report.usl import UslFit, bootstrap, fit

POOLS = [1, 2, 4, 8, 16, 32]


def curve(lam: float, sigma: float, kappa: float, pools: list[int] = POOLS,
          noise: float = 0.0, seed: int = 0) -> list[float]:
    rng = random.Random(seed)
    law = UslFit(lam, sigma, kappa, 1.0, len(pools))
    return [law.throughput(n) * (1 + rng.gauss(0, noise)) for n in pools]


@pytest.mark.parametrize(("sigma", "kappa"), [(0.05, 0.002), (0.3, 0.01), (0.02, 0.0005)])
def test_known_sigma_and_kappa_are_recovered_within_ten_percent(sigma: float,
                                                                kappa: float) -> None:
    found = fit(POOLS, curve(50.0, sigma, kappa, noise=0.01, seed=3))
    assert found is not None
    assert found.sigma == pytest.approx(sigma, rel=0.1)
    assert found.kappa == pytest.approx(kappa, rel=0.1)
    assert found.lambda_per_s == pytest.approx(50.0, rel=0.05)
    assert found.peak_pool == pytest.approx(((1 - sigma) / kappa) ** 0.5, rel=0.1)
    assert found.r2 > 0.95


def test_linear_scaling_has_no_contention_and_no_peak() -> None:
    found = fit(POOLS, [10.0 * n for n in POOLS])
    assert found is not None
    assert found.sigma == pytest.approx(0, abs=1e-9)
    assert found.kappa == pytest.approx(0, abs=1e-9)
    assert found.peak_pool is None
    assert found.peak_throughput_per_s is None


def test_no_gain_at_all_is_a_serial_share_of_one() -> None:
    found = fit([1, 2, 4, 8], [5.0, 5.0, 5.0, 5.0])
    assert found is not None
    assert found.sigma == pytest.approx(1, abs=0.01)


def test_fits_never_go_negative() -> None:
    # throughput that rises faster than linear would need sigma < 0: held at 0 instead
    found = fit([1, 2, 4], [10.0, 21.0, 45.0])
    assert found is not None
    assert found.sigma >= 0
    assert found.kappa >= 0


def test_too_few_points_or_failed_points_give_no_fit() -> None:
    assert fit([1, 2], [1.0, 2.0]) is None
    assert fit([1, 2, 2], [1.0, 2.0, 2.1]) is None
    assert fit([1, 2, 4], [1.0, 0.0, 2.0]) is None


def test_a_poor_fit_says_so() -> None:
    found = fit([1, 2, 3, 4, 5, 6], [10.0, 40.0, 5.0, 60.0, 8.0, 50.0])
    assert found is not None
    assert found.poor


def test_bootstrap_intervals_hold_the_true_values() -> None:
    rng = random.Random(7)
    law = UslFit(40.0, 0.1, 0.01, 1.0, 5)
    samples = {float(n): [law.throughput(n) * (1 + rng.gauss(0, 0.02)) for _ in range(7)]
               for n in (1, 2, 4, 8, 16)}
    intervals = bootstrap(samples)
    assert intervals is not None
    low, high = intervals.sigma
    assert low <= 0.1 <= high
    assert intervals.peak_pool is not None
    assert intervals.peak_pool[0] <= (0.9 / 0.01) ** 0.5 <= intervals.peak_pool[1]


def test_no_interval_where_a_pool_size_has_a_single_run() -> None:
    # resampling one run always draws that run: the interval would claim a certainty
    # the data does not have
    law = UslFit(40.0, 0.1, 0.01, 1.0, 4)
    samples = {float(n): [law.throughput(n) * f for f in (0.98, 1.0, 1.02)] for n in (1, 2, 4)}
    samples[8.0] = [law.throughput(8)]
    assert bootstrap(samples) is None
    samples[8.0] = [law.throughput(8) * f for f in (0.99, 1.01)]
    assert bootstrap(samples) is not None
