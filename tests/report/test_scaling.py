"""scaling.csv from runs frames built on known scaling laws: recovered parameters,
which groups get a row, failed runs, dtypes, plain-words notes."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from runner.report.scaling import group_rows, scaling_notes, scaling_table
from runner.report.summary import comparison_groups, summarize_runs
from runner.report.usl import UslFit
from runner.results.rundir import write_table as write_scaling

PARAMS = ["tasks", "n"]
POOLS = (1, 2, 4, 8, 16, 32)
TASKS = 64


def runs_of(laws: dict[str, tuple[float, float, float]], pools: tuple[int, ...] = POOLS,
            repetitions: int = 5, noise: float = 0.01, n: int = 20, workload: str = "w",
            python: str = "cpython-3.11.7", seed: int = 0,
            spread: tuple[float, ...] = ()) -> pd.DataFrame:
    """runs.csv rows of a sync cell and of each model's cells at ``pools``, the throughput
    following the law (lambda, sigma, kappa) given for the model, within ``noise`` (or
    times the factors ``spread``, one per repetition)."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []

    def add(model: str, pool: int, throughput: float) -> None:
        cell = f"{workload}[n={n}]/{model}" + ("" if model == "sync" else f"/p{pool}")
        for repetition in range(1, repetitions + 1):
            rate = throughput * (spread[repetition - 1] if spread else 1 + rng.gauss(0, noise))
            rows.append({"run_id": "r", "experiment": "e", "cell": f"{cell}@{python}",
                         "workload": workload, "n": n, "model": model, "pool_size": pool,
                         "repetition": repetition, "status": "ok", "wall_s": TASKS / rate,
                         "cpu_s": 0.01, "max_rss_mb": 20.0, "tasks": TASKS,
                         "throughput_per_s": rate, "error": None, "python": python})

    add("sync", 1, 10.0)
    for model, (lam, sigma, kappa) in laws.items():
        law = UslFit(lam, sigma, kappa, 1.0, len(pools))
        for pool in pools:
            add(model, pool, law.throughput(pool))
    return pd.DataFrame(rows)


def table_of(runs: pd.DataFrame) -> pd.DataFrame:
    summary = summarize_runs(runs, {}, PARAMS, cores=2)
    return scaling_table(summary, runs, PARAMS)


LAWS = {"threads": (10.0, 0.05, 0.002), "processes": (9.0, 0.3, 0.01)}


def test_known_serial_shares_and_crosstalk_are_recovered() -> None:
    table = table_of(runs_of(LAWS))
    assert table["model"].tolist() == ["threads", "processes"]
    for row in table.to_dict("records"):
        lam, sigma, kappa = LAWS[row["model"]]
        peak = ((1 - sigma) / kappa) ** 0.5
        assert row["points"] == len(POOLS)
        assert row["lambda_per_s"] == pytest.approx(lam, rel=0.05)
        assert row["sigma"] == pytest.approx(sigma, rel=0.15)
        assert row["kappa"] == pytest.approx(kappa, rel=0.15)
        assert row["peak_pool"] == pytest.approx(peak, rel=0.1)
        law = UslFit(lam, sigma, kappa, 1.0, 6)
        assert row["peak_throughput_per_s"] == pytest.approx(law.throughput(peak), rel=0.05)
        assert row["r2"] > 0.95
        assert row["sigma_ci95_low"] <= sigma <= row["sigma_ci95_high"]
        assert row["peak_pool_ci95_low"] <= peak <= row["peak_pool_ci95_high"]
        assert (row["experiment"], row["workload"], row["tasks"], row["n"]) == ("e", "w", TASKS,
                                                                                 20)


def test_the_columns_are_the_files_in_order() -> None:
    table = table_of(runs_of(LAWS))
    assert list(table.columns) == [
        "experiment", "workload", "tasks", "n", "model", "points", "lambda_per_s", "sigma",
        "kappa", "peak_pool", "peak_throughput_per_s", "r2", "sigma_ci95_low",
        "sigma_ci95_high", "peak_pool_ci95_low", "peak_pool_ci95_high"]


def test_linear_scaling_has_no_peak() -> None:
    table = table_of(runs_of({"asyncio": (10.0, 0.0, 0.0)}, noise=0.0))
    row = table.iloc[0]
    assert row["sigma"] == pytest.approx(0, abs=1e-6)
    assert row["kappa"] == pytest.approx(0, abs=1e-9)
    assert pd.isna(row["peak_pool"]) and pd.isna(row["peak_throughput_per_s"])


def test_a_model_with_two_pool_sizes_gets_no_row() -> None:
    runs = pd.concat([runs_of({"threads": LAWS["threads"]}),
                      runs_of({"processes": LAWS["processes"]}, pools=(1, 4))])
    runs = runs.drop_duplicates(["cell", "repetition"])  # one sync cell
    assert table_of(runs)["model"].tolist() == ["threads"]
    assert table_of(runs_of(LAWS, pools=(2, 8))).empty


def test_failed_runs_are_ignored() -> None:
    runs = runs_of({"threads": LAWS["threads"]}, pools=(1, 2, 4, 8))
    clean = table_of(runs)
    failed = runs[runs["model"] == "threads"].copy()
    failed["status"] = "timeout"
    failed["throughput_per_s"] = 1e6  # whatever a failed run holds, it is no measurement
    failed["repetition"] += 10
    assert table_of(pd.concat([runs, failed])).equals(clean)
    # a pool size whose every run failed is no point of the fit: 3 left, then 2
    without = pd.concat([runs[runs["pool_size"] != 8], failed[failed["pool_size"] == 8]])
    assert table_of(without)["points"].tolist() == [3]
    assert table_of(without[without["pool_size"] != 4]).empty


def test_runs_without_a_throughput_use_tasks_over_wall_time() -> None:
    runs = runs_of({"threads": LAWS["threads"]})
    expected = table_of(runs)
    found = table_of(runs.drop(columns="throughput_per_s"))
    pd.testing.assert_frame_equal(found, expected, rtol=1e-9)


def test_pandas_reads_the_written_file_with_the_right_dtypes(tmp_path: Path) -> None:
    runs = pd.concat([runs_of(LAWS, noise=0.0), runs_of({"asyncio": (10.0, 0.0, 0.0)},
                                                        noise=0.0, n=25)])
    runs = runs.drop_duplicates(["cell", "repetition"])
    table = table_of(runs)
    assert table["lambda_per_s"].tolist() == pytest.approx([10.0, 9.0, 10.0])  # 6 digits: 10
    assert table["kappa"].iloc[2] == 0
    write_scaling(tmp_path / "scaling.csv", table)
    read = pd.read_csv(tmp_path / "scaling.csv")
    assert read["points"].dtype == "int64" and read["n"].dtype == "int64"
    floats = ["lambda_per_s", "sigma", "kappa", "peak_pool", "peak_throughput_per_s", "r2",
              "sigma_ci95_low", "sigma_ci95_high", "peak_pool_ci95_low", "peak_pool_ci95_high"]
    assert (read[floats].dtypes == "float64").all()
    assert all(pd.api.types.is_string_dtype(read[c]) for c in ("experiment", "workload", "model"))
    # with no noise every resample is the data: no peak anywhere for the linear one
    only_linear = table_of(runs[runs["n"] == 25])
    write_scaling(tmp_path / "scaling.csv", only_linear)
    read = pd.read_csv(tmp_path / "scaling.csv")
    assert (read[floats].dtypes == "float64").all()
    assert read["peak_pool"].isna().all()
    assert read["sigma"].tolist() == [0.0] and read["kappa"].tolist() == [0.0]


def test_each_parameter_set_and_interpreter_gets_its_own_rows() -> None:
    one = runs_of({"threads": LAWS["threads"]}, n=20)
    other = runs_of({"threads": (20.0, 0.5, 0.0)}, n=25)
    table = table_of(pd.concat([one, other]))
    assert table[["n", "model"]].values.tolist() == [[20, "threads"], [25, "threads"]]
    assert "python" not in table
    assert table["sigma"].iloc[1] == pytest.approx(0.5, rel=0.1)
    newer = runs_of({"threads": (20.0, 0.5, 0.0)}, n=20, python="cpython-3.13.1")
    table = table_of(pd.concat([one, newer]))
    assert table[["n", "model", "python"]].values.tolist() == [
        [20, "threads", "cpython-3.11.7"], [20, "threads", "cpython-3.13.1"]]
    assert list(table.columns).index("python") == list(table.columns).index("model") + 1


def test_a_groups_rows_are_found_from_its_summary_rows() -> None:
    runs = pd.concat([runs_of({"threads": LAWS["threads"]}, n=20),
                      runs_of(LAWS, n=25), runs_of(LAWS, n=25, python="cpython-3.13.1")])
    summary = summarize_runs(runs, {}, PARAMS, cores=2)
    table = scaling_table(summary, runs, PARAMS)
    found = {group.name: group_rows(table, summary[summary["cell"].isin(group.cells)], runs)
             for group in comparison_groups(summary, runs)}
    assert {name: rows["model"].tolist() for name, rows in found.items()} == {
        "w[n=20]@cpython-3.11.7": ["threads"],
        "w[n=25]@cpython-3.11.7": ["threads", "processes"],
        "w[n=25]@cpython-3.13.1": ["threads", "processes"]}
    assert group_rows(None, summary, runs).empty


def test_notes_say_what_bounds_each_model_in_plain_words() -> None:
    table = table_of(runs_of({**LAWS, "asyncio": (10.0, 0.0, 0.0),
                              "flat": (10.0, 0.97, 0.0)}, noise=0.0))
    assert scaling_notes(table) == [
        "threads: serial share 0.05, crosstalk 0.002: peaks near 22 workers",
        "processes: serial share 0.30, crosstalk 0.01: peaks near 8.4 workers",
        "asyncio: serial share 0.00: scales linearly over the pools measured",
        "flat: serial share 0.97: levels off below 1.03× one worker",
    ]


def test_notes_do_not_quote_a_poor_fit() -> None:
    runs = runs_of({"threads": LAWS["threads"]}, pools=(1, 2, 3, 4, 5, 6))
    zigzag = dict(zip((1, 2, 3, 4, 5, 6), (10.0, 40.0, 5.0, 60.0, 8.0, 50.0), strict=True))
    pooled = runs["model"] == "threads"
    runs.loc[pooled, "throughput_per_s"] = runs.loc[pooled, "pool_size"].map(zigzag)
    runs["wall_s"] = TASKS / runs["throughput_per_s"]
    table = table_of(runs)
    assert table["r2"].iloc[0] < 0.8
    assert scaling_notes(table) == []


def test_no_peak_interval_is_quoted_for_a_fit_without_a_peak() -> None:
    # medians on a law with no peak, runs spread around them: most resamples find a small
    # kappa and a peak, but the fit has none, and an interval for one would contradict it
    table = table_of(runs_of({"threads": (10.0, 0.9, 0.0)}, pools=(1, 2, 4, 8, 16),
                             repetitions=3, spread=(0.98, 1.0, 1.03)))
    row = table.iloc[0]
    assert pd.isna(row["peak_pool"])
    assert pd.isna(row["peak_pool_ci95_low"]) and pd.isna(row["peak_pool_ci95_high"])
    assert row["sigma_ci95_low"] <= 0.9 <= row["sigma_ci95_high"]


def test_notes_do_not_point_at_a_peak_far_beyond_the_pools_measured() -> None:
    table = table_of(runs_of({"threads": LAWS["threads"]}, pools=(1, 2, 4, 8), noise=0.0))
    assert scaling_notes(table, largest_pool=8) == [
        "threads: serial share 0.05, crosstalk 0.002: still gains at pool 8 (the fit puts the "
        "peak near 22 workers, far beyond the pools measured)"]
    assert scaling_notes(table, largest_pool=16) == [
        "threads: serial share 0.05, crosstalk 0.002: peaks near 22 workers"]


def test_a_peak_below_two_workers_says_one_worker_is_best() -> None:
    rows = pd.DataFrame([{"model": "processes", "sigma": 0.9, "kappa": 0.2, "peak_pool": 0.7,
                          "r2": 0.99}])
    [note] = scaling_notes(rows, largest_pool=8)
    assert note == "processes: serial share 0.90, crosstalk 0.2: one worker is best; every " \
                   "added worker costs throughput"
