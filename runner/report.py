"""summary.csv + metadata -> report.md: a table per workload, the winner, the environment."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from runner.stats import BUSY_LOAD_PER_CORE, NOISY_CV

if TYPE_CHECKING:
    import pandas as pd

MAX_LISTED_FAILURES = 20


def markdown(summary: pd.DataFrame, runs: pd.DataFrame, metadata: dict[str, Any]) -> str:
    """The whole report.md."""
    experiment = metadata.get("experiment", {})
    parts = [f"# runexp report: {experiment.get('name', '?')}", ""]
    if experiment.get("description"):
        parts += [str(experiment["description"]).strip(), ""]
    parts += _run_facts(runs, metadata)
    for group, table in summary.groupby(summary["cell"].str.split("/").str[0], sort=False):
        parts += _group_section(str(group), table)
    parts += _failures(runs)
    parts += _environment(metadata)
    return "\n".join(parts).rstrip() + "\n"


def _run_facts(runs: pd.DataFrame, metadata: dict[str, Any]) -> list[str]:
    statuses = ", ".join(f"{n} {status}" for status, n in runs["status"].value_counts().items())
    settings = metadata.get("experiment", {})
    inline = metadata.get("options", {}).get("inline")
    isolation = "inline" if inline else settings.get("isolation", "process")
    lines = [
        *_busy_warning(metadata),
        f"- run: `{metadata.get('run_id', '?')}`, {metadata.get('started_at', '?')} to "
        f"{metadata.get('ended_at') or 'unfinished'}",
        f"- {len(runs)} timed runs of {runs['cell'].nunique()} cells: {statuses}",
        f"- isolation {isolation}, order {settings.get('order', '?')}, "
        f"{settings.get('warmups', 0)} warmups before each timed run",
    ]
    if metadata.get("interrupted"):
        lines.append("- **interrupted**: the tables show only the runs that finished")
    if metadata.get("stopped_early"):
        lines.append("- **stopped at the first failed run** (--fail-fast)")
    lines += [
        "- times are wall-clock seconds per run; median and mean with Student's t 95% CI of "
        "the mean; speedup = sync median / median; efficiency = ideal / median; outliers by "
        "Tukey's 1.5×IQR fences",
        "",
    ]
    return lines


def _busy_warning(metadata: dict[str, Any]) -> list[str]:
    load = metadata.get("load_average_at_start")
    cores = metadata.get("environment", {}).get("cpu", {}).get("usable_cores")
    if not load or not cores or load[0] / cores <= BUSY_LOAD_PER_CORE:
        return []
    return [f"> **Warning:** the machine was busy when the run started (load average "
            f"{load[0]:.2f} on {cores} cores); timings may be inflated and noisy.", ""]


def _group_section(group: str, table: pd.DataFrame) -> list[str]:
    ranked = table.sort_values("wall_median_s", na_position="last", kind="stable")
    lines = [f"## {group}", ""]
    winner = ranked.iloc[0]
    if not _missing(winner["wall_median_s"]):
        lines += [_verdict(winner), ""]
    lines += [
        "| rank | model | pool | median (s) | mean ± 95% CI (s) | CV | speedup vs sync | "
        "ideal (s) | efficiency | runs (failed) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for rank, (_, row) in enumerate(ranked.iterrows(), start=1):
        has_time = not _missing(row["wall_median_s"])
        lines.append(
            f"| {rank if has_time else '–'} | {row['model']} | {row['pool_size']} | "
            f"{_num(row['wall_median_s'])} | {_mean_ci(row)} | {_pct(row['wall_cv'])} | "
            f"{_times(row['speedup_vs_sync'])} | {_num(row['ideal_s'])} | "
            f"{_pct(row['efficiency'])} | {row['runs']} ({row['failed']}) |"
        )
    return [*lines, "", *_noise_warnings(ranked)]


def _noise_warnings(table: pd.DataFrame) -> list[str]:
    warnings = []
    for _, row in table.iterrows():
        reasons = []
        if not _missing(row["wall_cv"]) and row["wall_cv"] > NOISY_CV:
            reasons.append(f"CV {_pct(row['wall_cv'])} is over {NOISY_CV:.0%}")
        if row["outliers"]:
            reasons.append(f"{row['outliers']} outlier{'s' * (row['outliers'] > 1)} "
                           "beyond 1.5×IQR")
        if reasons:
            warnings.append(f"- `{row['cell']}`: {'; '.join(reasons)}")
    if not warnings:
        return []
    return ["Noisy cells (compare them with care):", "", *warnings, ""]


def _verdict(row: pd.Series) -> str:
    pool = "" if row["model"] == "sync" else f", pool {row['pool_size']}"
    text = f"**Fastest: {row['model']}{pool}**, median {_num(row['wall_median_s'])} s"
    details = []
    if not _missing(row["speedup_vs_sync"]) and row["model"] != "sync":
        details.append(f"{_times(row['speedup_vs_sync'])} faster than sync")
    if not _missing(row["efficiency"]):
        details.append(f"{_pct(row['efficiency'])} of the ideal {_num(row['ideal_s'])} s")
    return text + (f" ({', '.join(details)})." if details else ".")


def _failures(runs: pd.DataFrame) -> list[str]:
    failed = runs[runs["status"] != "ok"]
    if failed.empty:
        return []
    lines = ["## Failed and skipped runs", "",
             "| cell | repetition | status | error or reason |", "|---|---:|---|---|"]
    for _, row in failed.head(MAX_LISTED_FAILURES).iterrows():
        error = "" if _missing(row["error"]) else str(row["error"]).replace("|", "\\|")
        lines.append(f"| {row['cell']} | {row['repetition']} | {row['status']} | {error} |")
    if len(failed) > MAX_LISTED_FAILURES:
        lines.append(f"\n…and {len(failed) - MAX_LISTED_FAILURES} more in runs.csv.")
    return [*lines, ""]


def _environment(metadata: dict[str, Any]) -> list[str]:
    env = metadata.get("environment", {})
    python, cpu, osinfo = env.get("python", {}), env.get("cpu", {}), env.get("os", {})
    packages = ", ".join(f"{k} {v}" for k, v in env.get("packages", {}).items() if v)
    git = env.get("git") or {}
    commit = (f"{git['commit'][:12]}{' (uncommitted changes)' if git.get('dirty') else ''}"
              if git else "not a git checkout")
    return [
        "## Environment", "",
        f"- Python {python.get('version', '?')} ({python.get('implementation', '?')}), "
        f"GIL {'enabled' if python.get('gil_enabled', True) else 'disabled'}",
        f"- CPU: {cpu.get('model', '?')}, {cpu.get('logical_cores', '?')} logical cores "
        f"({cpu.get('usable_cores', '?')} usable), memory {env.get('memory_gib', '?')} GiB",
        f"- OS: {osinfo.get('platform', '?')}; host {env.get('host', '?')}",
        f"- packages: {packages}",
        f"- git: {commit}",
        f"- command: `{metadata.get('command', '?')}`",
        "",
    ]


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _num(value: Any) -> str:
    if _missing(value):
        return "–"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:.3f}".rstrip("0").rstrip(".")


def _mean_ci(row: pd.Series) -> str:
    if _missing(row["wall_mean_s"]):
        return "–"
    if _missing(row["wall_ci95_high_s"]):
        return _num(row["wall_mean_s"])
    return f"{_num(row['wall_mean_s'])} ± {_num(row['wall_ci95_high_s'] - row['wall_mean_s'])}"


def _pct(value: Any) -> str:
    return "–" if _missing(value) else f"{100 * value:.1f}%"


def _times(value: Any) -> str:
    return "–" if _missing(value) else f"{value:.2f}×"

