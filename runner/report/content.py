"""What a report says, built once from summary, runs and metadata; renderers format it.

``build`` derives the content (facts, warnings, per-workload tables, verdicts,
failures, environment); ``markdown`` renders report.md and ``runner.report.html``
renders report.html from the same content, so the two never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from runner.plan.grid import group_of
from runner.report.plots import Plot
from runner.report.stats import BUSY_LOAD_PER_CORE, NOISY_CV, is_missing
from runner.report.verdict import verdict

if TYPE_CHECKING:
    import pandas as pd

MAX_LISTED_FAILURES = 20

COLUMNS = ("rank", "model", "pool", "median (s)", "mean ± 95% CI (s)", "CV",
           "speedup vs sync", "ideal (s)", "efficiency", "runs (failed)")


@dataclass(frozen=True)
class Group:
    """One workload with one set of parameter values."""

    name: str
    fastest: str  # "asyncio, pool 40: median 0.222 s", or "" when nothing succeeded
    verdict: str
    rows: list[list[str]]  # COLUMNS, ranked by median
    noise: list[str]  # "cell: reason" per noisy cell


@dataclass(frozen=True)
class Content:
    title: str
    description: str
    warnings: list[str]
    facts: list[str]
    groups: list[Group]
    failures: list[list[str]]  # cell, repetition, status, message
    more_failures: int
    environment: list[tuple[str, str]]
    per_host: list[list[str]]  # cell, host, ok runs, median: cells run on several hosts


def build(summary: pd.DataFrame, runs: pd.DataFrame, metadata: dict[str, Any]) -> Content:
    experiment = metadata.get("experiment", {})
    groups = [_group(str(name), table) for name, table in
              summary.groupby(summary["cell"].map(group_of), sort=False)]
    failed = runs[runs["status"] != "ok"]
    failures = [[str(r["cell"]), str(r["repetition"]), str(r["status"]),
                 "" if is_missing(r["error"]) else str(r["error"])]
                for _, r in failed.head(MAX_LISTED_FAILURES).iterrows()]
    return Content(
        title=f"runexp report: {experiment.get('name', '?')}",
        description=str(experiment.get("description") or "").strip(),
        warnings=_warnings(metadata),
        facts=_facts(runs, metadata),
        groups=groups,
        failures=failures,
        more_failures=max(0, len(failed) - MAX_LISTED_FAILURES),
        environment=_environment(metadata),
        per_host=_per_host(runs),
    )


def _per_host(runs: pd.DataFrame) -> list[list[str]]:
    """Per cell and host, where more than one host ran the cell (cluster runs)."""
    if "host" not in runs:
        return []
    ok = runs[runs["status"] == "ok"]
    shared = ok.groupby("cell")["host"].nunique()
    rows = []
    for (cell, host), group in ok[ok["cell"].isin(shared[shared > 1].index)].groupby(
            ["cell", "host"], sort=False):
        rows.append([str(cell), str(host), str(len(group)), _num(group["wall_s"].median())])
    return rows


def _warnings(metadata: dict[str, Any]) -> list[str]:
    warnings = []
    load = metadata.get("load_average_at_start")
    cores = metadata.get("environment", {}).get("cpu", {}).get("usable_cores")
    if load and cores and load[0] / cores > BUSY_LOAD_PER_CORE:
        warnings.append(f"The machine was busy when the run started (load average "
                        f"{load[0]:.2f} on {cores} cores); timings may be inflated and noisy.")
    if metadata.get("interrupted"):
        warnings.append("The run was interrupted: the tables show only the runs that finished.")
    if metadata.get("stopped_early"):
        warnings.append("The run stopped at the first failed run (--fail-fast).")
    hosts = metadata.get("hosts") or {}
    kinds = {(facts.get("cpu_model"), facts.get("logical_cores")) for facts in hosts.values()}
    if len(kinds) > 1:
        described = "; ".join(f"{host}: {facts.get('cpu_model')}, {facts.get('logical_cores')} "
                              "cores" for host, facts in sorted(hosts.items()))
        warnings.append(f"The cluster's hosts differ in CPU model or core count ({described}): "
                        "compare cells measured on the same host.")
    return warnings


def _facts(runs: pd.DataFrame, metadata: dict[str, Any]) -> list[str]:
    statuses = ", ".join(f"{n} {status}" for status, n in runs["status"].value_counts().items())
    settings = metadata.get("experiment", {})
    inline = metadata.get("options", {}).get("inline")
    isolation = "inline" if inline else settings.get("isolation", "process")
    return [
        f"run {metadata.get('run_id', '?')}, {metadata.get('started_at', '?')} to "
        f"{metadata.get('ended_at') or 'unfinished'}",
        f"{len(runs)} timed runs of {runs['cell'].nunique()} cells: {statuses}",
        f"isolation {isolation}, order {settings.get('order', '?')}, "
        f"{settings.get('warmups', 0)} warmups before each timed run",
        "times are wall-clock seconds per run; median and mean with Student's t 95% CI of "
        "the mean; speedup = sync median / median; efficiency = ideal / median; outliers by "
        "Tukey's 1.5×IQR fences",
    ]


def _group(name: str, table: pd.DataFrame) -> Group:
    ranked = table.sort_values("wall_median_s", na_position="last", kind="stable")
    winner = ranked.iloc[0]
    fastest = ""
    if not is_missing(winner["wall_median_s"]):
        pool = "" if winner["model"] == "sync" else f", pool {winner['pool_size']}"
        fastest = f"{winner['model']}{pool}, median {_num(winner['wall_median_s'])} s"
    rows = []
    for rank, (_, row) in enumerate(ranked.iterrows(), start=1):
        has_time = not is_missing(row["wall_median_s"])
        rows.append([str(rank) if has_time else "–", str(row["model"]), str(row["pool_size"]),
                     _num(row["wall_median_s"]), _mean_ci(row), _pct(row["wall_cv"]),
                     _times(row["speedup_vs_sync"]), _num(row["ideal_s"]),
                     _pct(row["efficiency"]), f"{row['runs']} ({row['failed']})"])
    return Group(name, fastest, verdict(table), rows, _noise(ranked))


def _noise(table: pd.DataFrame) -> list[str]:
    notes = []
    for _, row in table.iterrows():
        reasons = []
        if not is_missing(row["wall_cv"]) and row["wall_cv"] > NOISY_CV:
            reasons.append(f"CV {_pct(row['wall_cv'])} is over {NOISY_CV:.0%}")
        if row["outliers"]:
            reasons.append(f"{row['outliers']} outlier{'s' * (row['outliers'] > 1)} "
                           "beyond 1.5×IQR")
        if reasons:
            notes.append(f"{row['cell']}: {'; '.join(reasons)}")
    return notes


def _environment(metadata: dict[str, Any]) -> list[tuple[str, str]]:
    env = metadata.get("environment", {})
    python, cpu, osinfo = env.get("python", {}), env.get("cpu", {}), env.get("os", {})
    git = env.get("git") or {}
    commit = (f"{git['commit'][:12]}{' (uncommitted changes)' if git.get('dirty') else ''}"
              if git else "not a git checkout")
    return [
        ("Python", f"{python.get('version', '?')} ({python.get('implementation', '?')}), GIL "
                   f"{'enabled' if python.get('gil_enabled', True) else 'disabled'}"),
        ("CPU", f"{cpu.get('model', '?')}, {cpu.get('logical_cores', '?')} logical cores "
                f"({cpu.get('usable_cores', '?')} usable)"),
        ("Memory", f"{env.get('memory_gib', '?')} GiB"),
        ("OS", f"{osinfo.get('platform', '?')}; host {env.get('host', '?')}"),
        ("Packages", ", ".join(f"{k} {v}" for k, v in env.get("packages", {}).items() if v)),
        ("Git", commit),
        ("Command", str(metadata.get("command", "?"))),
        *[(f"Interpreter {i['label']}", _interpreter(i))
          for i in metadata.get("interpreters") or []],
    ]


def _interpreter(facts: dict[str, Any]) -> str:
    if facts.get("problem"):
        return f"not used: {facts['problem']}"
    gil = "enabled" if facts.get("gil_enabled") else "disabled (free-threaded)"
    return (f"{facts.get('implementation')} {facts.get('version')} at {facts.get('executable')}, "
            f"GIL {gil}")


def markdown(content: Content, plots: list[Plot]) -> str:
    """report.md: the content as Markdown, linking the PNG plots."""
    parts = [f"# {content.title}", ""]
    if content.description:
        parts += [content.description, ""]
    parts += [f"> **Warning:** {w}\n" for w in content.warnings]
    parts += [f"- {fact}" for fact in content.facts] + [""]
    for group in content.groups:
        parts += [f"## {group.name}", ""]
        if group.fastest:
            parts += [f"**Fastest: {group.fastest}.** {group.verdict}", ""]
        parts += ["| " + " | ".join(COLUMNS) + " |",
                  "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        parts += ["| " + " | ".join(row) + " |" for row in group.rows] + [""]
        if group.noise:
            parts += ["Noisy cells (compare them with care):", ""]
            parts += [f"- `{cell}`" for cell in group.noise] + [""]
    if plots:
        parts += ["## Plots", ""]
        parts += [f"![{plot.title}](plots/{plot.png.name})\n" for plot in plots]
    if content.per_host:
        parts += ["## Per host", "", "| cell | host | ok runs | median (s) |",
                  "|---|---|---:|---:|"]
        parts += ["| " + " | ".join(row) + " |" for row in content.per_host] + [""]
    if content.failures:
        parts += ["## Failed and skipped runs", "",
                  "| cell | repetition | status | error or reason |", "|---|---:|---|---|"]
        parts += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |"
                  for row in content.failures]
        if content.more_failures:
            parts.append(f"\n…and {content.more_failures} more in runs.csv.")
        parts.append("")
    parts += ["## Environment", ""]
    parts += [f"- {label}: {value}" for label, value in content.environment]
    return "\n".join(parts).rstrip() + "\n"



def _num(value: Any) -> str:
    if is_missing(value):
        return "–"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:.3f}".rstrip("0").rstrip(".")


def _mean_ci(row: pd.Series) -> str:
    if is_missing(row["wall_mean_s"]):
        return "–"
    if is_missing(row["wall_ci95_high_s"]):
        return _num(row["wall_mean_s"])
    return f"{_num(row['wall_mean_s'])} ± {_num(row['wall_ci95_high_s'] - row['wall_mean_s'])}"


def _pct(value: Any) -> str:
    return "–" if is_missing(value) else f"{100 * value:.1f}%"


def _times(value: Any) -> str:
    return "–" if is_missing(value) else f"{value:.2f}×"
