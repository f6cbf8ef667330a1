"""What a report says, built once from summary, runs and metadata; renderers format it.

``build`` derives the content (facts, warnings, per-workload tables, verdicts,
failures, environment); ``markdown`` renders report.md and ``runner.report.html``
renders report.html from the same content, so the two never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from runner.report import caps as capped
from runner.report import interference, tracebacks, usl
from runner.report.advised import AdviceHeadline, advice_of
from runner.report.headline import Headline, Walls, headline
from runner.report.hosts import (
    by_host,
    group_note,
    host_cores,
    host_rows,
    host_warnings,
    placement_of,
    several_host_groups,
)
from runner.report.overview import NUMERIC as OVERVIEW_NUMERIC
from runner.report.overview import Overview, overviews
from runner.report.plots import Drawing
from runner.report.scaling import group_rows, scaling_notes, workers
from runner.report.stats import (
    BUSY_LOAD_PER_CORE,
    OUTLIER_MIN_DEVIATION,
    TUKEY_K,
    is_missing,
    ratio,
)
from runner.report.summary import ComparisonGroup, comparison_groups, noise_reasons
from runner.report.told import DEFAULT_PRECISION
from runner.report.tracebacks import Shown
from runner.report.verdict import verdict
from runner.results.rows import Status

if TYPE_CHECKING:
    import pandas as pd

    from runner.config.pythons import Interpreter
    from runner.results.failures import FailedRun
    from runner.results.metadata import RunMetadata

MAX_LISTED_FAILURES = 20

COLUMNS = ("rank", "model", "pool", "median (s)", "mean ± 95% CI (s)", "CV",
           "speedup vs sync", "ideal (s)", "efficiency", "runs (failed)")
FAILURE_COLUMNS = ("cell", "repetition", "status", "error or reason", "where")
HOST_COLUMNS = ("cell", "host", "ok runs", "median (s)", "speedup vs sync (same host)")
SCALING_COLUMNS = ("model", "points", "λ (tasks/s)", "σ (95% CI)", "κ", "peak pool (95% CI)",
                   "peak (tasks/s)", "r2")
SCALING_INTRO = (
    "Gunther's Universal Scalability Law X(N) = λN / (1 + σ(N − 1) + κN(N − 1)) fitted to "
    "the median throughput X (tasks per second) at each pool size N: λ is the throughput of "
    "one worker, σ the serial share (contention: 0 scales linearly, 1 not at all), κ the "
    "crosstalk that grows with pairs of workers; where κ > 0 throughput peaks at "
    "N* = √((1 − σ) / κ). Intervals: 95% bootstrap over the runs. Fits with r2 below "
    f"{usl.POOR_FIT_R2} are not quoted.")
#: Columns of the tables above that hold numbers (right-aligned).
NUMERIC_COLUMNS = frozenset({"rank", "pool", "median (s)", "mean ± 95% CI (s)", "CV",
                             "speedup vs sync", "ideal (s)", "efficiency", "runs (failed)",
                             "repetition", "ok runs", "speedup vs sync (same host)",
                             "usable cores", "logical cores", "memory (GiB)",
                             *SCALING_COLUMNS[1:], *OVERVIEW_NUMERIC})

Row = dict[str, str]  # one table row: column name -> cell text


@dataclass(frozen=True)
class Group:
    """One workload with one set of parameter values."""

    name: str
    headline: Headline | None  # fastest, level, not told apart or the advice; None when
    # nothing succeeded
    verdict: str
    rows: list[Row]  # COLUMNS, ranked by median
    noise: list[str]  # "cell: reason" per noisy cell
    failures: list[Row]  # FAILURE_COLUMNS, where no run of the group succeeded
    more_failures: int = 0  # failures of the group beyond those listed
    note: str = ""  # measured on several hosts: why, and how it is compared
    columns: tuple[str, ...] = COLUMNS  # with "host" where it ran on several hosts
    crowned: int | None = None  # the row of the cell the headline names best, if any


@dataclass(frozen=True)
class ScalingTable:
    """The fits of one comparison group: a row per pooled model."""

    name: str
    rows: list[Row]  # SCALING_COLUMNS


@dataclass(frozen=True)
class Content:
    title: str
    description: str
    warnings: list[str]
    facts: list[str]
    groups: list[Group]
    failures: list[Row]  # FAILURE_COLUMNS, of groups where some run succeeded
    more_failures: int
    environment: list[tuple[str, str]]
    per_host: list[Row]  # HOST_COLUMNS: the cells of groups measured on several hosts
    scaling: list[ScalingTable] = field(default_factory=list)  # groups with a fit
    hosts: list[Row] = field(default_factory=list)  # HOSTS_COLUMNS: a cluster's hosts
    #: The first failure of each cell that raised, said once per distinct exception.
    tracebacks: list[Shown] = field(default_factory=list)
    #: Per comparison group, its models that stop at a cap: about how many calls at once.
    caps: dict[str, dict[str, int]] = field(default_factory=dict)
    #: Each sweep's overview (a workload with several parameter sets), before the groups.
    overview: list[Overview] = field(default_factory=list)


def build(summary: pd.DataFrame, runs: pd.DataFrame, metadata: RunMetadata, *,
          scaling: pd.DataFrame | None = None,
          advice: Sequence[AdviceHeadline] = (), raised: Sequence[FailedRun] = (),
          tasks: pd.DataFrame | None = None) -> Content:
    """The report's content; ``scaling``: scaling.csv's table, where it was fitted;
    ``advice``: an advise run's advice (``advised.read_advice``), which heads its groups;
    ``raised``: errors.jsonl's runs (their exceptions, where in the user's code);
    ``tasks``: tasks.csv, where recorded, by which a verdict names a cap."""
    experiment = metadata.experiment
    failed = runs[runs["status"] != Status.OK]
    # The innermost frame of the user's code where each run raised, file:line.
    where = {(run.cell, run.repetition): run.failure.where for run in raised}
    failed = failed.assign(where=[where.get((cell, int(repetition)), "") for cell, repetition
                                  in zip(failed["cell"], failed["repetition"], strict=True)])
    groups: list[Group] = []
    listed: list[str] = []
    placed = by_host(comparison_groups(summary, runs))
    task_rows = capped.task_rows(tasks)
    walls = _walls(runs, summary["cell"].tolist())  # once: per group, it was a tenth of this
    caps_of: dict[str, dict[str, int]] = {}  # group -> capped model -> about k calls
    for group in placed:
        table = summary[summary["cell"].isin(group.cells)]
        caps = capped.find_caps(table, task_rows)
        caps_of[group.name] = {cap.model: cap.about for cap in caps}
        notes = (scaling_notes(group_rows(scaling, table, runs),
                               table.loc[table["model"] != "sync", "pool_size"].max(),
                               capped={cap.model: cap.about for cap in caps})
                 if scaling is not None else None)
        groups.append(_group(group.name, table, failed,
                             cores=host_cores(group, metadata.hosts) or metadata.usable_cores,
                             notes=notes, note=group_note(group, metadata),
                             walls={c: walls[c] for c in group.cells if c in walls},
                             precision=_precision(metadata),
                             advice=advice_of(advice, table), caps=caps))
        if groups[-1].headline is None:  # nothing succeeded: its section lists its failures
            listed += group.cells
    failed = failed[~failed["cell"].isin(listed)]
    return Content(
        title=f"runexp report: {experiment['name']}",
        description=str(experiment.get("description") or "").strip(),
        warnings=(_warnings(metadata, placed) + _imprecise(summary, metadata)
                  + interference.report_warnings(summary, runs, placed)),
        facts=_facts(runs, metadata, placed) + [f for f in [interference.fact(runs)] if f],
        groups=groups,
        failures=_failures(failed),
        more_failures=max(0, len(failed) - MAX_LISTED_FAILURES),
        environment=_environment(metadata),
        per_host=_per_host(summary, runs, placed),
        scaling=_scaling_tables(scaling, summary, placed, runs, caps_of),
        hosts=host_rows(metadata, runs, placed),
        caps=caps_of,
        tracebacks=tracebacks.distinct(raised),
        overview=overviews(summary, placed, [group.headline for group in groups], walls,
                           _precision(metadata)),
    )


def _imprecise(summary: pd.DataFrame, metadata: RunMetadata) -> list[str]:
    """Cells that reached ``max`` repetitions without the precision asked for."""
    if "stop" not in summary:
        return []
    policy = metadata.options.repetitions or metadata.experiment.get("repetitions")
    if not isinstance(policy, dict):
        return []
    stopped = summary[summary["stop"] == "max"]
    if stopped.empty:
        return []
    cells = "; ".join(f"{row['cell']} ±{row['ci_rel_halfwidth']:.1%}"
                      if not is_missing(row["ci_rel_halfwidth"]) else f"{row['cell']} (no spread)"
                      for row in stopped.to_dict("records"))
    return [f"{len(stopped)} of {len(summary)} cells reached {policy['max']} repetitions without "
            f"the precision asked for (95% CI within ±{policy['precision']:.0%} of the median): "
            f"{cells}. Their medians are less certain than the others'."]


def _scaling_tables(scaling: pd.DataFrame | None, summary: pd.DataFrame,
                    groups: list[ComparisonGroup], runs: pd.DataFrame,
                    caps_of: dict[str, dict[str, int]]) -> list[ScalingTable]:
    tables = []
    for group in groups:
        fits = group_rows(scaling, summary[summary["cell"].isin(group.cells)], runs)
        if not fits.empty:
            capped_at = caps_of.get(group.name, {})
            tables.append(ScalingTable(group.name, [
                _fit_row(fit, capped_at.get(str(fit["model"])))
                for fit in fits.to_dict("records")]))
    return tables


def _fit_row(fit: dict[Any, Any], cap: int | None = None) -> Row:
    """A fit's cells of SCALING_COLUMNS; a poor fit's numbers give way to saying so; a
    capped model's peak is the cap, not the law's (which a plateau bends into a peak)."""
    row = {"model": str(fit["model"]), "points": str(fit["points"])}
    if fit["r2"] < usl.POOR_FIT_R2:
        return {**row, "λ (tasks/s)": f"poor fit (r2 {fit['r2']:.2f}): parameters not quoted",
                **dict.fromkeys(SCALING_COLUMNS[3:], "")}
    sigma = f"{fit['sigma']:.2f}"
    if not is_missing(fit["sigma_ci95_low"]):
        sigma += f" ({fit['sigma_ci95_low']:.2f}–{fit['sigma_ci95_high']:.2f})"
    peak = "none"
    if cap is not None:
        peak = f"capped at about {cap} calls at once"
    elif not is_missing(fit["peak_pool"]):
        peak = workers(fit["peak_pool"])
        if not is_missing(fit["peak_pool_ci95_low"]):
            peak += (f" ({workers(fit['peak_pool_ci95_low'])}–"
                     f"{workers(fit['peak_pool_ci95_high'])})")
    return {**row, "λ (tasks/s)": _num(fit["lambda_per_s"]), "σ (95% CI)": sigma,
            "κ": f"{fit['kappa']:.2g}", "peak pool (95% CI)": peak,
            "peak (tasks/s)": _num(fit["peak_throughput_per_s"]), "r2": f"{fit['r2']:.2f}"}


def _failures(failed: pd.DataFrame) -> list[Row]:
    return [{"cell": str(r["cell"]), "repetition": str(r["repetition"]),
             "status": str(r["status"]),
             "error or reason": "" if is_missing(r["error"]) else str(r["error"]),
             "where": str(r["where"])}
            for _, r in failed.head(MAX_LISTED_FAILURES).iterrows()]


def _per_host(summary: pd.DataFrame, runs: pd.DataFrame,
              groups: list[ComparisonGroup]) -> list[Row]:
    """Per cell and host, the cells of groups measured on several hosts, each compared with
    the sync runs of the same host."""
    ok = runs[runs["status"] == Status.OK]
    rows = []
    for group in groups:
        if len(group.hosts) < 2:
            continue
        cells = ok[ok["cell"].isin(group.cells)]
        syncs = set(summary.loc[summary["cell"].isin(group.cells)
                                & (summary["model"] == "sync"), "cell"])
        sync = {str(host): float(there["wall_s"].median()) for host, there in
                cells[cells["cell"].isin(syncs)].groupby("host")}
        for (cell, host), there in cells.groupby(["cell", "host"], sort=False):
            median = float(there["wall_s"].median())
            rows.append({"cell": str(cell), "host": str(host), "ok runs": str(len(there)),
                         "median (s)": _num(median), "speedup vs sync (same host)": _times(
                             ratio(sync.get(str(host)), median))})
    return rows


def _warnings(metadata: RunMetadata, groups: list[ComparisonGroup]) -> list[str]:
    warnings = []
    load = metadata.load_average_at_start
    cores = metadata.usable_cores
    if load and cores and load[0] / cores > BUSY_LOAD_PER_CORE:
        warnings.append(f"The machine was busy when the run started (load average "
                        f"{load[0]:.2f} on {cores} cores); timings may be inflated and noisy.")
    if metadata.interrupted:
        warnings.append("The run was interrupted: the tables show only the runs that finished.")
    if metadata.stopped_early:
        warnings.append("The run stopped at the first failed run (--fail-fast).")
    warnings += host_warnings(metadata)
    if (spread := several_host_groups(groups)) and placement_of(metadata) != "run":
        warnings.append(f"{len(spread)} comparison group{'s were' if len(spread) > 1 else ' was'}"
                        f" measured on more than one host ({'; '.join(spread)}): their "
                        "speedups are computed per host (see their sections).")
    return warnings


def _facts(runs: pd.DataFrame, metadata: RunMetadata,
           groups: list[ComparisonGroup]) -> list[str]:
    statuses = ", ".join(f"{n} {status}" for status, n in runs["status"].value_counts().items())
    settings = metadata.experiment
    isolation = "inline" if metadata.options.inline else settings.get("isolation", "process")
    facts = [
        f"run {metadata.run_id}, {metadata.started_at} to {metadata.ended_at or 'unfinished'}",
        f"{len(runs)} timed runs of {runs['cell'].nunique()} cells: {statuses}",
        f"isolation {isolation}, order {settings.get('order', 'interleaved')}, "
        f"{settings.get('warmups', 0)} warmups before each timed run",
    ]
    facts += [f"resumed at {resume.at} ({resume.runs} runs to go"
              + (f", --repetitions {resume.repetitions}" if resume.repetitions else "") + ")"
              for resume in metadata.resumes]
    if metadata.hosts:
        placement = placement_of(metadata)
        facts.append(f"measured on {len(metadata.hosts)} host"
                     f"{'s' * (len(metadata.hosts) > 1)} of a Dask cluster, placement "
                     f"{placement}" + (": each comparison group on one host" if placement ==
                                       "group" else ": any run on any host"))
    facts.append("times are wall-clock seconds per run; median and mean with Student's t 95% "
                 "CI of the mean; speedup = sync median / median; efficiency = ideal / median; "
                 f"outliers beyond Tukey's {TUKEY_K:g}×IQR fences and over "
                 f"{OUTLIER_MIN_DEVIATION:.0%} from the median")
    return facts


def _group(name: str, table: pd.DataFrame, failed: pd.DataFrame, *,
           cores: int | None = None, notes: list[str] | None = None, note: str = "",
           walls: Walls | None = None, precision: float = DEFAULT_PRECISION,
           advice: AdviceHeadline | None = None, caps: Sequence[capped.Cap] = ()) -> Group:
    """The ranked table, headline and verdict of a group's summary rows; ``failed``: the
    failed runs of the experiment, listed here where none of the group's succeeded;
    ``walls``: the cells' ok wall times, which tell the leader apart or not; ``caps``:
    the group's capped models, which its verdict names."""
    ranked = table.sort_values("wall_median_s", na_position="last", kind="stable")
    head = headline(table, walls or {}, precision, advice)
    rows = []
    crowned = None
    for rank, (_, row) in enumerate(ranked.iterrows(), start=1):
        has_time = not is_missing(row["wall_median_s"])
        if head is not None and row["cell"] == head.crowned:
            crowned = rank - 1
        rows.append({
            "rank": str(rank) if has_time else "–", "model": str(row["model"]),
            "pool": str(row["pool_size"]), "median (s)": _num(row["wall_median_s"]),
            "mean ± 95% CI (s)": _mean_ci(row), "CV": _pct(row["wall_cv"]),
            "speedup vs sync": _times(row["speedup_vs_sync"]), "ideal (s)": _num(row["ideal_s"]),
            "efficiency": _pct(row["efficiency"]),
            "runs (failed)": f"{row['runs']} ({row['failed']})",
            "host": "" if is_missing(row.get("host")) else str(row.get("host"))})
    own = failed[failed["cell"].isin(table["cell"])] if head is None else failed.iloc[:0]
    said = verdict(table, cores=cores, notes=notes, walls=walls, precision=precision,
                   leader=advice.cell if advice is not None else None, caps=caps)
    return Group(name, head, said, rows, _noise(ranked), _failures(own),
                 max(0, len(own) - MAX_LISTED_FAILURES), note=note,
                 columns=(*COLUMNS, "host") if note else COLUMNS, crowned=crowned)


def _walls(runs: pd.DataFrame, cells: Sequence[str]) -> dict[str, list[float]]:
    """The ok runs' wall times of each of ``cells``."""
    ok = runs[(runs["status"] == Status.OK) & runs["cell"].isin(cells) & (runs["wall_s"] > 0)]
    return {str(cell): there["wall_s"].astype(float).tolist()
            for cell, there in ok.groupby("cell", sort=False)}


def _precision(metadata: RunMetadata) -> float:
    """The precision adaptive repetitions asked for, where they did, else the default."""
    policy = metadata.options.repetitions or metadata.experiment.get("repetitions")
    if isinstance(policy, dict) and isinstance(policy.get("precision"), int | float):
        return float(policy["precision"])
    return DEFAULT_PRECISION


def _noise(table: pd.DataFrame) -> list[str]:
    """``cell: reasons`` per noisy cell, by the rule metadata's count uses."""
    return [f"{row['cell']}: {'; '.join(reasons)}" for row in table.to_dict("records")
            if (reasons := noise_reasons(row))]


def _environment(metadata: RunMetadata) -> list[tuple[str, str]]:
    env = metadata.environment
    python, cpu = env.python, env.cpu
    git = env.git
    commit = (f"{git.commit[:12]}{' (uncommitted changes)' if git.dirty else ''}"
              if git else "not a git checkout")
    return [
        ("Python", f"{python.version} ({python.implementation}), GIL "
                   f"{'enabled' if python.gil_enabled else 'disabled'}"
                   + (f"; process pools start workers by {python.start_method} unless a "
                      "cell sets start_method" if python.start_method else "")),
        ("CPU", f"{cpu.model}, {cpu.logical_cores} logical cores ({cpu.usable_cores} usable)"),
        ("Memory", f"{env.memory_gib} GiB"),
        ("OS", f"{env.os.platform}; host {env.host}"),
        *([("Measured on", "the cluster's hosts (see Hosts); the lines here describe the "
                           "machine that ran runexp")] if metadata.hosts else []),
        ("Packages", ", ".join(f"{k} {v}" for k, v in env.packages.items() if v)),
        ("Git", commit),
        ("Command", metadata.command),
        *[(f"Interpreter {i.label}", _interpreter(i)) for i in metadata.interpreters],
    ]


def _interpreter(interpreter: Interpreter) -> str:
    if interpreter.problem:
        return f"not used: {interpreter.problem}"
    gil = "enabled" if interpreter.gil_enabled else "disabled (free-threaded)"
    return (f"{interpreter.implementation} {interpreter.version} at {interpreter.executable}, "
            f"GIL {gil}" + (f", process pools start workers by {interpreter.start_method}"
                            if interpreter.start_method else ""))


#: What the section of a group says, in bold then plain, where none of its runs succeeded.
NO_SUCCESS = "No run succeeded"
NO_SUCCESS_DETAIL = "there is nothing to rank or plot. Its failed and skipped runs:"


def plots_problem(drawing: Drawing) -> str:
    """The sentence that says why plots are missing, or "" when all were drawn."""
    if not drawing.problem:
        return ""
    which = "The remaining plots" if drawing.plots else "The plots"
    return f"{which} could not be drawn ({drawing.problem})."


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
