from __future__ import annotations

import re

import pandas as pd

from runner.report.content import build
from runner.report.markdown import render as markdown
from runner.report.plots import Drawing
from runner.report.summary import summarize_runs
from runner.results.metadata import RunMetadata
from tests.helpers import sample_metadata


def runs(walls_by_cell: dict[str, list[float]]) -> pd.DataFrame:
    rows = []
    for cell, walls in walls_by_cell.items():
        model = cell.split("/")[1]
        for rep, wall in enumerate(walls, start=1):
            rows.append({"run_id": "r", "experiment": "e", "cell": cell, "workload": "fib",
                         "n": 20, "model": model, "pool_size": 1, "repetition": rep,
                         "status": "ok", "wall_s": wall, "tasks": 4, "error": None})
    return pd.DataFrame(rows)


def metadata(load: float) -> RunMetadata:
    return sample_metadata(load_average_at_start=(load, load, load))


def test_noisy_cells_and_a_busy_machine_are_flagged() -> None:
    table = runs({"fib/sync": [1.0, 1.01, 0.99, 1.0, 1.02, 3.0],
                  "fib/threads/p1": [1.0, 1.5, 0.7, 1.2, 0.9]})
    summary = summarize_runs(table, {}, ["tasks", "n"], cores=2)
    text = markdown(build(summary, table, metadata(load=3.0)), Drawing([]))
    assert "The machine was busy when the run started (load average 3.00 on 2 cores)" in text
    assert "- `fib/sync: CV" in text and "1 outlier beyond 1.5×IQR" in text
    assert "- `fib/threads/p1: CV" in text and "is over 10%" in text


def test_a_quiet_run_has_no_warnings() -> None:
    table = runs({"fib/sync": [1.0, 1.01, 1.02, 1.03]})
    summary = summarize_runs(table, {}, ["tasks", "n"], cores=2)
    text = markdown(build(summary, table, metadata(0.1)), Drawing([]))
    assert "Warning" not in text
    assert "Noisy cells" not in text
    assert "**Fastest: sync, median 1.015 s.** Sync is fastest" in text


def failing(cells: dict[str, list[float | None]], workload: str, path: str) -> pd.DataFrame:
    """runs.csv rows of cells ``model`` or ``model/pN`` of a workload with a ``path``
    parameter; None is a failed run."""
    rows = []
    for name, walls in cells.items():
        model, _, pool = name.partition("/p")
        for rep, wall in enumerate(walls, start=1):
            rows.append({"run_id": "r", "experiment": "e",
                         "cell": f"{workload}[path={path}]/{name}", "workload": workload,
                         "tasks": 4, "path": path, "model": model, "pool_size": int(pool or 1),
                         "repetition": rep, "status": "ok" if wall else "error",
                         "wall_s": wall, "error": None if wall else f"RuntimeError: {name}",
                         "python": "cpython-3.11.7"})
    return pd.DataFrame(rows)


def report_of(table: pd.DataFrame, drawing: Drawing | None = None) -> str:
    summary = summarize_runs(table, {}, ["tasks", "path"], cores=2)
    return markdown(build(summary, table, metadata(0.1)), drawing or Drawing([]))


def section(text: str, heading: str) -> str:
    return text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]


def test_a_parameter_value_with_a_slash_keeps_its_groups_apart() -> None:
    table = pd.concat([failing({"sync": [1.0, 1.1], "threads/p2": [0.6, 0.5]}, "w", "a/b"),
                       failing({"sync": [2.0, 2.1], "threads/p2": [0.9, 1.0]}, "w", "a/c")])
    text = report_of(table)
    # each group's headline comes from its own runs (a step of 1.5x or more run for run:
    # told apart with two runs a cell)
    assert "**Fastest: threads, pool 2, median 0.55 s.**" in section(text, "w[path=\"a/b\"]")
    assert "**Fastest: threads, pool 2, median 0.95 s.**" in section(text, "w[path=\"a/c\"]")
    assert section(text, "w[path=\"a/b\"]").count("| threads | 2 |") == 1


def test_a_group_with_no_successful_run_says_so_and_shows_its_failures_first() -> None:
    table = pd.concat([failing({"sync": [1.0, 1.1], "threads/p2": [0.6, 0.5]}, "good", "x"),
                       failing({"sync": [None], "threads/p2": [None, None]}, "bad", "x")])
    text = report_of(table)
    bad = section(text, "bad")
    assert "Fastest" not in bad
    assert bad.index("**No run succeeded**") < bad.index("RuntimeError: threads")
    failure = "| bad[path=x]/threads/p2 | 2 | error | RuntimeError: threads/p2 |"
    assert bad.index(failure) < bad.index("| rank | model |")
    assert "Failed and skipped runs" not in text  # already listed where they belong


def test_a_plot_failure_is_stated_where_the_plots_would_be() -> None:
    table = failing({"sync": [1.0, 1.1], "threads/p2": [0.6, 0.5]}, "w", "x")
    text = report_of(table, Drawing([], "RuntimeError: no usable font"))
    assert "The plots could not be drawn (RuntimeError: no usable font)." in section(text, "Plots")


def test_a_quiet_cell_with_a_run_1_percent_off_is_not_noisy() -> None:
    table = runs({"fib/sync": [0.1011, 0.1012, 0.1013, 0.1014, 0.1015, 0.1021]})
    summary = summarize_runs(table, {}, ["tasks", "n"], cores=2)
    assert summary["outliers"].tolist() == [0]
    assert "Noisy cells" not in markdown(build(summary, table, metadata(0.1)), Drawing([]))


def test_the_noisy_cell_count_of_metadata_and_the_report_agree() -> None:
    from runner.report.summary import result_counts

    table = runs({"fib/sync": [1.0, 1.01, 0.99, 1.0, 1.02, 1.01, 0.99, 1.0, 1.01, 1.3],
                  "fib/threads/p1": [1.0, 1.5, 0.7, 1.2, 0.9],  # CV over 10%
                  "fib/threads/p2": [0.1011, 0.1012, 0.1013, 0.1014, 0.1015, 0.1021]})
    summary = summarize_runs(table, {}, ["tasks", "n"], cores=2)
    content = build(summary, table, metadata(0.1))
    noise = [note for group in content.groups for note in group.noise]
    assert sorted(note.split(":")[0] for note in noise) == ["fib/sync", "fib/threads/p1"]
    # CV 9%, under the limit, but one run 30% off:
    assert "fib/sync: 1 outlier beyond 1.5×IQR and over 5% from the median" in noise
    assert result_counts(table, summary)["noisy_cells"] == len(noise) == 2


def test_the_terminal_summary_gives_each_group_its_winner_and_verdict() -> None:
    from runner.report.markdown import terminal_summary

    table = pd.concat([failing({"sync": [1.0, 1.1], "threads/p2": [0.8, 0.9]}, "good", "x"),
                       failing({"sync": [None], "threads/p2": [None, None]}, "bad", "x")])
    table["cpu_s"] = table["wall_s"] * 0.02
    summary = summarize_runs(table, {}, ["tasks", "path"], cores=2)
    text = terminal_summary(build(summary, table, metadata(0.1)))
    assert text == (
        "good: not told apart: threads, pool 2 (0.85 s) and sync (1.05 s): ratio 1.24\n"
        "  from 2 and 2 runs, too few for an interval; about 4 runs each would tell\n"
        "  Threads take 0.85 s with pool 2. The sync run spends 2% of its time on the\n"
        "  CPU: the work is waiting.\n"
        "\n"
        "bad: no run succeeded\n"
        "  bad[path=x]/sync run 1: error: RuntimeError: sync\n"
        "  bad[path=x]/threads/p2 run 1: error: RuntimeError: threads/p2\n"
        "  bad[path=x]/threads/p2 run 2: error: RuntimeError: threads/p2\n")


def usl_cells(model: str, lam: float, sigma: float, kappa: float,
              pools: tuple[int, ...] = (1, 2, 4, 8)) -> dict[str, list[float | None]]:
    """Cells ``model/pN`` of 4-task runs whose throughput follows the law, a little spread."""
    from runner.report.usl import UslFit

    law = UslFit(lam, sigma, kappa, 1.0, len(pools))
    return {f"{model}/p{pool}": [4 / (law.throughput(pool) * f) for f in (0.98, 1.0, 1.03)]
            for pool in pools}


ZIGZAG = {f"processes/p{pool}": [4 / rate] * 2
          for pool, rate in zip((1, 2, 3, 4, 5, 6), (10.0, 40.0, 5.0, 60.0, 8.0, 50.0),
                                strict=True)}


def scaling_report(table: pd.DataFrame) -> str:
    from runner.report.scaling import scaling_table

    summary = summarize_runs(table, {}, ["tasks", "path"], cores=2)
    scaling = scaling_table(summary, table, ["tasks", "path"])
    return markdown(build(summary, table, metadata(0.1), scaling=scaling), Drawing([]))


def test_the_scaling_section_quotes_each_fit_with_its_intervals() -> None:
    table = pd.concat([
        failing({"sync": [0.4, 0.41], **usl_cells("threads", 10.0, 0.1, 0.05),
                 **usl_cells("asyncio", 10.0, 0.0, 0.0)}, "w", "a"),
        failing({"sync": [0.4], "threads/p2": [0.3], "threads/p4": [0.2]}, "w", "b")])
    scaling = section(scaling_report(table), "Scaling")
    assert "X(N) = λN / (1 + σ(N − 1) + κN(N − 1))" in scaling
    assert "### w[path=a]" in scaling and "w[path=b]" not in scaling  # 2 pool sizes: no fit
    rows = [line for line in scaling.splitlines() if line.startswith("| ")]
    assert rows[0] == ("| model | points | λ (tasks/s) | σ (95% CI) | κ | peak pool (95% CI) "
                       "| peak (tasks/s) | r2 |")
    threads, asyncio = rows[1].split(" | "), rows[2].split(" | ")
    assert threads[:3] == ["| threads", "4", "10"]
    assert re.fullmatch(r"0\.10 \(0\.\d\d–0\.\d\d\)", threads[3]), threads
    assert threads[4] == "0.05"
    assert re.fullmatch(r"4\.2 \(\d\.\d–\d\.\d\)", threads[5]), threads
    assert threads[6:] == ["21.085", "1.00 |"]
    assert asyncio[:5] == ["| asyncio", "4", "10", asyncio[3], "0"]
    assert asyncio[5:7] == ["none", "–"]


def test_a_poor_fit_is_not_quoted() -> None:
    table = failing({"sync": [0.4, 0.41], **ZIGZAG}, "w", "a")
    scaling = section(scaling_report(table), "Scaling")
    assert re.search(r"\| processes \| 6 \| poor fit \(r2 -?0\.\d\d\): parameters not quoted "
                     r"\|  \|  \|  \|  \|  \|\n", scaling), scaling


def test_a_report_built_without_a_scaling_table_has_no_scaling_section() -> None:
    table = failing({"sync": [0.4, 0.41], **usl_cells("threads", 10.0, 0.1, 0.05)}, "w", "a")
    assert "## Scaling" in scaling_report(table)
    assert "Scaling" not in report_of(table)


# --- a cluster's hosts ------------------------------------------------------------------


def on_hosts(placed: dict[str, list[tuple[str, float]]]) -> pd.DataFrame:
    """runs.csv rows of ``w[path=X]/model[/pN]`` cells: per cell its (host, wall_s) runs."""
    rows = []
    for cell, runs_of in placed.items():
        group, model_pool = cell.split("/", 1)
        model, _, pool = model_pool.partition("/p")
        for rep, (host, wall) in enumerate(runs_of, start=1):
            rows.append({"run_id": "r", "experiment": "e", "cell": cell, "workload": "w",
                         "tasks": 4, "path": group[len("w[path="):-1], "model": model,
                         "pool_size": int(pool or 1), "repetition": rep, "status": "ok",
                         "wall_s": wall, "error": None, "host": host,
                         "python": "cpython-3.11.7"})
    return pd.DataFrame(rows)


def cluster_report(table: pd.DataFrame, **changes: object) -> str:
    from runner.results.metadata import HostFacts

    facts = {"a": HostFacts("EPYC", 2, "a", usable_cores=2, memory_gib=8.0, python="3.11.7"),
             "b": HostFacts("EPYC", 2, "b", usable_cores=1, memory_gib=8.0, python="3.11.7")}
    summary = summarize_runs(table, {}, ["tasks", "path"], cores=2)
    metadata = sample_metadata(load_average_at_start=(0.1, 0.1, 0.1),
                               hosts={**facts, **changes})
    return markdown(build(summary, table, metadata), Drawing([]))


TWO_GROUPS = {"w[path=x]/sync": [("b", 1.0)] * 2, "w[path=x]/threads/p2": [("b", 0.5)] * 2,
              "w[path=y]/sync": [("a", 1.0)] * 2, "w[path=y]/threads/p2": [("a", 0.5)] * 2}


def test_groups_are_named_and_ordered_by_the_host_that_measured_them() -> None:
    text = cluster_report(on_hosts(TWO_GROUPS))
    headings = re.findall(r"^## (.*)$", text, flags=re.MULTILINE)
    assert headings[:3] == ["Overview", "w[path=y] on a", "w[path=x] on b"]  # a sweep of path


def test_the_hosts_table_shows_each_hosts_environment_and_warns_where_they_differ() -> None:
    text = cluster_report(on_hosts(TWO_GROUPS))
    assert ("> **Warning:** The cluster's hosts differ (usable cores: a 2, b 1): each "
            "comparison group was measured on one host") in text
    hosts = section(text, "Hosts")
    assert "| a | EPYC | 2 | 2 | 8.0 | 3.11.7 | 1 | 4 |  |" in hosts
    assert "| b | EPYC | 1 | 2 | 8.0 | 3.11.7 | 1 | 4 |  |" in hosts
    assert "Measured on: the cluster's hosts" in section(text, "Environment")


def test_a_group_measured_on_two_hosts_says_why_and_is_compared_per_host() -> None:
    from runner.results.metadata import HostFacts

    table = on_hosts({"w[path=x]/sync": [("b", 2.0), ("b", 2.0), ("a", 1.0), ("a", 1.0)],
                      "w[path=x]/threads/p2": [("a", 0.5), ("a", 0.5)],
                      "w[path=x]/threads/p4": [("b", 1.0), ("a", 0.25)]})
    lost = HostFacts("EPYC", 2, "b", usable_cores=1, lost_at="2026-01-01T00:00:09Z")
    text = cluster_report(table, b=lost)
    assert ("1 comparison group was measured on more than one host (w on a and b): their "
            "speedups are computed per host") in text
    group = section(text, "w on a and b")
    assert ("Measured on 2 hosts (a, b): b left the cluster mid-run (noticed at "
            "2026-01-01T00:00:09Z), and the group's remaining runs finished on another "
            "host.") in group
    assert "| 1 | threads | 2 | 0.5 | 0.5 ± 0 | 0.0% | – | – | – | 2 (0) | a |" in group
    per_host = section(text, "Per host")
    assert "| w[path=x]/threads/p4 | b | 1 | 1 | 2.00× |" in per_host
    assert "| w[path=x]/threads/p4 | a | 1 | 0.25 | 4.00× |" in per_host
    assert "| w[path=x]/threads/p2 | a | 2 | 0.5 | 2.00× |" in per_host


def test_a_run_on_one_machine_says_nothing_of_hosts() -> None:
    text = cluster_report(on_hosts({cell: [("here", wall) for _, wall in runs_of]
                                    for cell, runs_of in TWO_GROUPS.items()}))
    # metadata names hosts here, so the table shows; but no group is named by its host
    assert "## w[path=x]\n" in text and " on here" not in text
    assert "more than one host" not in text
