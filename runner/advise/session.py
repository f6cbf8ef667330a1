"""`runexp advise` for real: the search of each parameter set, measured by the runner's
own runs into an ordinary run directory.

Every run is a row of runs.csv; at the end experiment.yaml is rewritten with, as each
model's pool sizes, exactly those advise tried, so ``runexp report`` (and summary.csv,
scaling.csv, the plots) see the run as a grid of those cells. The library raises
RunexpError subclasses and never prints; progress goes through ``AdviseProgress``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from runner.advise.advice import (
    Measured,
    Searched,
    advice_for,
    cpu_share,
    grid_cost,
)
from runner.advise.advice_file import ADVICE, Advice, AdviceFile, write_advice
from runner.advise.budget import Limit, cut, limit
from runner.advise.groups import Group, parameter_sets
from runner.advise.paired import Run
from runner.advise.record import ended, final_experiment_text, start_metadata
from runner.advise.search import Search
from runner.advise.section import add_to_reports
from runner.advise.trial import Config, Trial
from runner.config.loader import ExperimentFile, parse
from runner.errors import AdviseError
from runner.execution.address import cluster_address
from runner.execution.connection import check_cluster
from runner.execution.environment import usable_cores
from runner.execution.local import (
    Finished,
    Resources,
    Settings,
    run_once,
    start_fork_servers,
    task_of,
)
from runner.execution.placement import Placement
from runner.execution.signals import sigterm_as_interrupt
from runner.models import MODELS
from runner.plan.schedule import Job
from runner.results import rundir as results
from runner.results.failures import FailedRun
from runner.results.metadata import HostFacts, RunMetadata, read_metadata, write_metadata
from runner.results.rows import RunRecord, Status
from runner.workloads.task import Task

if TYPE_CHECKING:
    from runner.execution.connection import ClusterTls

DEFAULT_BUDGET_S = 300.0
DEFAULT_PRECISION = 0.05
MAX_POOL_LIMIT = 10_000
MAX_TIMEOUT_S = 86_400.0  # as the file's timeout_s


@dataclass(frozen=True)
class AdviseOptions:
    budget_s: float = DEFAULT_BUDGET_S
    precision: float = DEFAULT_PRECISION
    max_pool: int | None = None  # None: the task count, at most DEFAULT_MAX_POOL
    out: Path | None = None
    results_root: Path = Path("results")
    cluster: str | None = None  # a Dask scheduler's address; wins over the file's executor
    cluster_tls: ClusterTls | None = None  # a TLS cluster's certificates, else Dask's config
    timeout_s: float | None = None  # per run; None: the file's timeout_s

    def check(self) -> None:
        """Refuse impossible options before anything runs."""
        if not self.budget_s > 0:
            raise AdviseError(f"--budget {self.budget_s:g}: must be more than 0 seconds")
        if not 0 < self.precision < 1:
            raise AdviseError(f"--precision {self.precision:g}: must lie between 0 and 1, "
                              "e.g. 0.05 for 5%")
        if self.max_pool is not None and not 1 <= self.max_pool <= MAX_POOL_LIMIT:
            raise AdviseError(f"--max-pool {self.max_pool}: must be from 1 to "
                              f"{MAX_POOL_LIMIT:,}")
        if self.timeout_s is not None and not 0 < self.timeout_s <= MAX_TIMEOUT_S:
            raise AdviseError(f"--timeout {self.timeout_s:g}: must be more than 0 seconds "
                              f"and at most {MAX_TIMEOUT_S:,.0f}")


class AdviseProgress:
    """Hooks the CLI implements; the defaults do nothing."""

    def trial(self, group: str, trial: Trial, leader: Trial | None, used_s: float,
              budget_s: float) -> None:
        """One configuration was measured."""


@dataclass(frozen=True)
class AdviseOutcome:
    run_dir: Path
    advice: AdviceFile
    searched: list[Searched]
    runs: int
    failed: int  # runs that failed; not those the budget's end stopped
    interrupted: bool
    #: Every run that raised, in order (errors.jsonl has them too).
    failures: list[FailedRun] = field(default_factory=list)


def advise(source: ExperimentFile, options: AdviseOptions,
           progress: AdviseProgress | None = None,
           clock: Callable[[], float] = time.monotonic) -> AdviseOutcome:
    """Search every parameter set of the file and write the run directory and advice."""
    options.check()
    experiment = source.experiment
    if experiment.python:
        raise AdviseError(f"{source.path}: advise measures under this interpreter only; "
                          "remove `python:` from the file")
    groups = parameter_sets(source, options.max_pool)
    address = cluster_address(options.cluster, experiment)
    check_cluster(address, options.cluster_tls)  # before a run folder or latest exists
    run_id, run_dir = results.create_run_dir(options.results_root, experiment.name,
                                             results.new_run_id(), options.out)
    (run_dir / results.INPUT).write_text(source.text, encoding="utf-8")
    metadata = start_metadata(source, run_id, len(groups), address)
    write_metadata(run_dir / results.METADATA, metadata)
    if options.out is None:
        results.link_latest(run_dir)
    session = _Session(source, run_id, run_dir, options, address,
                       progress=progress or AdviseProgress(), clock=clock)
    interrupted = False
    try:
        with sigterm_as_interrupt():
            session.search(groups)
    except KeyboardInterrupt:
        interrupted = True
    return session.finish(groups, metadata, interrupted)


class _Session:
    def __init__(self, source: ExperimentFile, run_id: str, run_dir: Path,
                 options: AdviseOptions, address: str | None, *, progress: AdviseProgress,
                 clock: Callable[[], float]) -> None:
        experiment = source.experiment
        self.source, self.run_dir, self.options = source, run_dir, options
        self.address = address  # a Dask scheduler's, or None: every run measured here
        self.hosts: dict[str, HostFacts] = {}
        self.placement = Placement(experiment.executor.placement)  # kept over the batches
        self.progress, self.clock = progress, clock
        self.models = {name: MODELS[name].pooled for name in experiment.models.selected()}
        self.model_options = experiment.models.selected()
        self.timeout_s = (options.timeout_s if options.timeout_s is not None
                          else experiment.timeout_s)
        self.settings = Settings(run_id=run_id, experiment=experiment.name,
                                 isolation=experiment.isolation, warmups=experiment.warmups,
                                 timeout_s=self.timeout_s)
        self.started = clock()
        self.deadline = self.started + options.budget_s
        self.runs = self.failed = 0
        self.failures: list[FailedRun] = []
        self.current: Search | None = None
        self.sources: dict[Config, ExperimentFile] = {}  # sent to the cluster, per config

    def search(self, groups: list[Group]) -> None:
        deadline = self.deadline  # bounds the run in flight too (see advise.budget)
        params = self.source.experiment.param_columns()
        with Resources() as resources, results.RunsWriter(self.run_dir, params) as writer:
            for left, group in zip(range(len(groups), 0, -1), groups, strict=True):
                # Each parameter set gets an equal share of what is left, so a slow first
                # one cannot leave the others unanswered.
                share = min(deadline, self.clock() + (deadline - self.clock()) / left)
                measure = self._measure_for(group, resources, writer)
                group.in_flight = self._in_flight(group)
                self.current = Search(
                    self.models, group.max_pool, measure, precision=self.options.precision,
                    clock=self._clock_for(group), deadline=share,
                    on_trial=self._reporter(group.name), in_flight=group.in_flight)
                answer = self.current.run()
                if group.failing.alike() is not None and self.clock() < share:
                    answer = replace(answer, budget_exhausted=False)  # the rule ended it
                group.answer = answer
                self.current = None

    def _clock_for(self, group: Group) -> Callable[[], float]:
        """The search's clock: past every deadline once the group's runs all failed alike
        (the rule of ``advise.failing``), which ends the search as the budget's end
        does, with the answer from the runs so far."""

        def clock() -> float:
            return math.inf if group.failing.alike() is not None else self.clock()

        return clock

    def _in_flight(self, group: Group) -> dict[str, int]:
        """Per pooled model, the most of the group's units its pool can run at once,
        where that is below --max-pool: a pool of 64 threads runs 16 tasks as one of 16
        does, and a pool of 64 processes only starts 48 more."""
        units = group.base.params.get("tasks")
        if not isinstance(units, int):
            return {}
        limits = {}
        for name, options in self.model_options.items():
            most = MODELS[name].most_in_flight(units, options.model_dump())
            if self.models[name] and most is not None and most < group.max_pool:
                limits[name] = max(1, most)
        return limits

    def _reporter(self, name: str) -> Callable[[Trial, Trial | None], None]:
        def report(trial: Trial, leader: Trial | None) -> None:
            self.progress.trial(name, trial, leader, self.clock() - self.started,
                                self.options.budget_s)

        return report

    def _measure_for(self, group: Group, resources: Resources, writer: results.RunsWriter
                     ) -> Callable[[Config], Run | None]:
        tasks: dict[str, Task | Exception] = {}
        done: dict[Config, int] = {}
        if self.address is None:  # every model's first run comes: start their zygotes now
            start_fork_servers([group.candidate(Config(m, 1, pooled), self.model_options)
                                for m, pooled in self.models.items()], tasks, self.settings,
                               resources)

        def measure(config: Config) -> Run | None:
            """One run of ``config``: its wall time and the load beside it (None: failed)."""
            cell = group.cell(config, self.model_options)
            done[config] = done.get(config, 0) + 1
            job = Job(cell, done[config])
            bound = limit(self.timeout_s, self.deadline - self.clock(),
                          self.settings.isolation)
            settings = replace(self.settings, timeout_s=bound.timeout_s)
            made: list[Run] = []

            def sink(finished: Finished) -> None:
                record = self._sunk(finished, bound, group, writer)
                if record.status == Status.OK and record.wall_s is not None:
                    made.append(Run(record.wall_s, record.others_cores))
                    if record.cpu_s is not None:
                        group.cpus.setdefault(config, []).append(record.cpu_s)

            if self.address is not None:
                self._on_cluster(self.address, config, [job], sink, settings)
            else:
                sink(run_once(job, task_of(cell, tasks, resources), settings, resources))
            return made[0] if made else None

        return measure

    def _sunk(self, finished: Finished, bound: Limit, group: Group,
              writer: results.RunsWriter) -> RunRecord:
        """Write one run (saying so where the budget's end stopped it) and count it."""
        stopped = cut(finished.record, bound, self.options.budget_s)
        record = stopped or finished.record
        writer.write(record, finished.timings, finished.failure)
        self.runs += 1
        group.failing.add(record.model, record.status, finished.failure,
                          cut=stopped is not None)
        if finished.failure is not None:
            self.failures.append(FailedRun(record.cell, record.repetition, record.status,
                                           finished.failure))
        if stopped is None and record.status in (Status.ERROR, Status.TIMEOUT):
            self.failed += 1
        return record

    def _on_cluster(self, address: str, config: Config, jobs: list[Job],
                    sink: Callable[[Finished], None], settings: Settings) -> None:
        """One run of a configuration on the cluster: the search's next step depends on
        it, so nothing else is in flight."""
        from runner.execution.cluster import execute_on_cluster

        execute_on_cluster(address, jobs, settings, self._cluster_source(config),
                           sink=sink, on_run=None,
                           hosts=self.hosts, placement=self.placement,
                           tls=self.options.cluster_tls)

    def _cluster_source(self, config: Config) -> ExperimentFile:
        """The file sent with a configuration's runs, made once per configuration (each
        run is a batch of its own): a worker finds its cell in the text it is sent, and
        advise's pool sizes are not the file's, so the text is the file with this
        configuration as its grid."""
        if config not in self.sources:
            tried = {config.model: [config.pool_size]} if config.pooled else {}
            text = final_experiment_text(self.source, tried, self.models)
            self.sources[config] = ExperimentFile(path=self.source.path, text=text,
                                                  experiment=parse(text, self.source.path))
        return self.sources[config]

    def finish(self, groups: list[Group], metadata: RunMetadata,
               interrupted: bool) -> AdviseOutcome:
        if self.current is not None:  # interrupted inside a search: its best so far
            for group in groups:
                if group.answer is None:
                    group.answer = self.current.answer()
                    break
        used = self.clock() - self.started
        answered = [g for g in groups if g.answer is not None]
        advice = [self._advice(g) for g in answered]
        record = AdviceFile(
            experiment=self.source.experiment.name, budget_s=self.options.budget_s,
            seconds_used=round(used, 3), runs_used=self.runs,
            budget_exhausted=any(g.answer.budget_exhausted or g.failing.cut
                                 for g in answered if g.answer)
            or len(answered) < len(groups),
            advice=advice)
        searched = [Searched(g.name, g.answer.trials, g.max_pool, g.in_flight,
                             grid_cost(g.answer.trials, self.models, g.max_pool))
                    for g in answered if g.answer]
        tried = {m: sorted({c.pool_size for g in answered for c in g.cells if c.model == m})
                 for m in self.models}
        (self.run_dir / results.INPUT).write_text(
            final_experiment_text(self.source, tried, self.models), encoding="utf-8")
        final = ended(read_metadata(self.run_dir / results.METADATA), interrupted,
                      self.runs, cells=sum(len(g.cells) for g in groups))
        write_metadata(self.run_dir / results.METADATA,
                       replace(final, hosts={**final.hosts, **self.hosts}))
        write_advice(self.run_dir / ADVICE, record)
        if self.runs:
            from runner.execution.pipeline import write_reports

            write_reports(self.run_dir)
            add_to_reports(self.run_dir, record, searched, interrupted)
        return AdviseOutcome(self.run_dir, record, searched, self.runs, self.failed,
                             interrupted, self.failures)

    def _advice(self, group: Group) -> Advice:
        answer = group.answer
        assert answer is not None
        if group.failing.cut:  # the search may not have looked at the clock since
            answer = replace(answer, budget_exhausted=True)
        sync = next((t for t in answer.trials if not t.config.pooled and t.walls), None)
        share = cpu_share(sync.walls, group.cpus.get(sync.config, [])) if sync else None
        chosen = answer.chosen
        cell = group.cells[chosen.config].id if chosen and chosen.config in group.cells else None
        subject = "function" if group.base.workload.kind == "callable" else "workload"
        return advice_for(answer, Measured(group.base.workload.name, group.base.params,
                                           share, cell, usable_cores(),
                                           failure=group.failing.reason(subject)))


def progress_line(group: str, trial: Trial, leader: Trial | None, used_s: float,
                  budget_s: float) -> str:
    """``sleep: asyncio/p8: median 0.0111 s (3 runs); best asyncio/p8 0.0111 s; 1/60 s``"""
    median = f"median {trial.median:.4g} s" if trial.median else "no ok run"
    best = (f"best {leader.config} {leader.median:.4g} s" if leader and leader.median
            else "no best yet")
    runs = f"{trial.runs} run" + ("" if trial.runs == 1 else "s")
    return (f"{group}: {trial.config}: {median} ({runs}); {best}; "
            f"{used_s:.0f}/{budget_s:g} s")


__all__ = ["DEFAULT_BUDGET_S", "DEFAULT_PRECISION", "AdviseOptions",
           "AdviseOutcome", "AdviseProgress", "advise", "progress_line"]
