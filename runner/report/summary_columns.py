"""summary.csv's columns after ``model, pool_size``, in order, and what each holds.

The reference docs are generated from ``STAT_COLUMN_DOCS``, and the columns are its
keys: a column cannot be added without saying what it holds.
"""

from __future__ import annotations

from collections.abc import Mapping

#: What the parameter columns of summary.csv hold (between ``workload`` and ``model``).
PARAMS_DOC = "One column per workload parameter, `tasks` included."

STAT_COLUMN_DOCS: Mapping[str, str] = {
    "runs": "The cell's rows in runs.csv, whatever their status.",
    "failed": "Its `error` and `timeout` rows (skipped runs are not failures).",
    "wall_median_s": "The median wall time of the ok runs: the headline, and the basis of "
                     "speedup.",
    "wall_mean_s": "The mean wall time of the ok runs.",
    "wall_std_s": "The sample standard deviation of their wall times.",
    "wall_min_s": "The fastest ok run.",
    "wall_max_s": "The slowest ok run.",
    "wall_ci95_low_s": "The low end of Student's t 95% confidence interval of the mean.",
    "wall_ci95_high_s": "Its high end.",
    "wall_cv": "The coefficient of variation, `wall_std_s` / `wall_mean_s`.",
    "speedup_vs_sync": "The median of the sync cell of the same workload and parameters, "
                       "measured on the same host (any host with `placement: run`), over "
                       "this cell's median; empty where there is no such sync cell or the "
                       "cell is `mixed`.",
    "ideal_s": "The physical lower bound of a run's wall time, from the workload (see the "
               "workloads table); CPU work needs the experiment's sync cell for it; empty "
               "where the workload gives none.",
    "efficiency": "`ideal_s` / `wall_median_s`.",
    "outliers": "ok runs beyond Tukey's fences (1.5 × IQR from the quartiles) and more "
                "than 5% from the median.",
    "startup_median_s": "The median `startup_s` of the ok runs.",
    "cpu_share": "The ok runs' median `cpu_s` / their median `wall_s`: near 1 for a run "
                 "that computes on one core, near 0 for one that waits, above 1 where a "
                 "pool computes on several cores.",
    "ci_rel_halfwidth": "The half-width of the 95% confidence interval over the median: "
                        "what `repetitions: auto` compares with its precision.",
    "stop": "Why a cell measured to a precision stopped: `precise`, `max` or `failed`; "
            "empty for a fixed count.",
    "python": "The interpreter's label where the file has a `python:` axis; empty "
              "otherwise.",
    "host": "The host all the cell's ok runs ran on; `mixed` where they ran on several.",
    "others_cores_median": "The median `others_cores` of the ok runs; empty where none was "
                           "measured.",
    "in_flight_max": "Calls in flight at once, from tasks.csv: per run the most tasks "
                     "running at one moment, the median over the cell's runs; empty where "
                     "tasks were not recorded.",
    "in_flight_mean": "The mean number of tasks running (Little's law): per run the "
                      "tasks' summed latency over the span from the first start to the "
                      "last end, the median over the cell's runs; empty where tasks were "
                      "not recorded.",
}
STAT_COLUMNS: tuple[str, ...] = tuple(STAT_COLUMN_DOCS)
#: Integer columns among STAT_COLUMNS; ``stop``, ``python`` and ``host`` are text; the rest
#: are floats.
COUNT_COLUMNS = ("runs", "failed", "outliers")
TEXT_COLUMNS = ("stop", "python", "host")
