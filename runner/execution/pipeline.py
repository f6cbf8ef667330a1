"""The run pipeline: load -> expand -> execute -> write -> report.

Used by the CLI; it raises RunexpError subclasses and never prints or exits.
"""

from __future__ import annotations

import contextlib
import random
import shlex
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from runner.config.experiment import MAX_CELLS_WITHOUT_YES, Experiment
from runner.config.loader import ExperimentFile, load
from runner.config.pythons import probe
from runner.errors import ClusterLostError, GridError, ResultsError, UsageError, WriteError
from runner.execution.address import cluster_address
from runner.execution.connection import check_cluster
from runner.execution.environment import environment, host_facts, load_average
from runner.execution.local import Finished, Settings, execute
from runner.execution.outputs import write_reports
from runner.execution.signals import sigterm_as_interrupt
from runner.plan.grid import Cell, expand, select
from runner.plan.rounds import OnRound, Rounds
from runner.plan.schedule import Job, missing, schedule
from runner.report.precision import precise_enough
from runner.report.stats import is_missing
from runner.results import readers
from runner.results import rundir as results
from runner.results.metadata import (
    HostFacts,
    OptionsRecord,
    Resume,
    RunMetadata,
    read_metadata,
    write_metadata,
)
from runner.results.rows import RunRecord, Status, columns

if TYPE_CHECKING:
    from runner.execution.connection import ClusterTls
    from runner.report.content import Content


@dataclass(frozen=True)
class RunOptions:
    """What the command line adds to the experiment file."""

    out: Path | None = None
    results_root: Path = Path("results")
    repetitions: int | None = None
    only: Mapping[str, list[str]] = field(default_factory=dict)
    inline: bool = False
    fail_fast: bool = False
    resume: Path | None = None
    cluster: str | None = None  # a Dask scheduler's address (none: here); wins over the file
    cluster_tls: ClusterTls | None = None  # a TLS cluster's certificates, else Dask's config
    yes: bool = False  # run grids above MAX_CELLS_WITHOUT_YES cells

    def check(self) -> None:
        """Refuse a --cluster choice that means nothing, before anything runs."""
        from runner.execution.address import NO_CLUSTER

        if self.cluster is not None and not self.cluster.strip():
            raise UsageError("--cluster '': give the scheduler's address, e.g. "
                             f"tcp://10.0.0.5:8786, or {NO_CLUSTER} to run on this machine")
        if self.cluster is not None and self.cluster.lower() == NO_CLUSTER and \
                self.cluster_tls is not None:
            raise UsageError(f"--cluster-tls is for a tls:// cluster: it cannot go with "
                             f"--cluster {NO_CLUSTER}, which runs on this machine")


@dataclass(frozen=True)
class RunOutcome:
    run_dir: Path
    runs: int  # rows written by this invocation
    failed: int  # of them, with status error or timeout
    interrupted: bool
    stopped_early: bool  # --fail-fast stopped at a failed run
    content: Content | None = None  # what the report says; None where none was written


class Progress:
    """Hooks the CLI implements to show progress; the defaults do nothing."""

    def start(self, total: int, run_dir: Path, adaptive: bool = False) -> None:
        """``total`` timed runs are about to start (``adaptive``: then more, in rounds)."""

    def advance(self, job: Job, record: RunRecord) -> None:
        """One timed run ended."""

    def round(self, number: int, cells: int, runs: int) -> None:
        """Adaptive repetitions: round ``number`` measures ``cells`` cells not yet precise,
        ``runs`` more timed runs."""

    def finish(self) -> None:
        """The grid ended, was interrupted or failed."""

    def note(self, text: str) -> None:
        """Something to know before the runs start (a cluster run resumed here)."""


def plan_cells(experiment: Experiment, only: Mapping[str, list[str]]) -> list[Cell]:
    """The cells a run would measure: the grid, narrowed by --only."""
    cells = expand(experiment)
    if only:
        cells = select(cells, only, experiment.param_columns())
    return cells


#: The timed runs of a run: a list where the repetitions are fixed, rounds where they
#: are measured to a precision (decided as the rows come in).
Jobs = list[Job] | Rounds


def plan_jobs(experiment: Experiment, only: Mapping[str, list[str]],
              repetitions: int | None, seed: int | None = None,
              on_round: OnRound | None = None) -> tuple[list[Cell], Jobs]:
    """The cells and the timed runs, in order, that a run would execute.

    ``repetitions`` (--repetitions) forces a fixed count even where the file asks
    for a precision.
    """
    cells = plan_cells(experiment, only)
    policy = repetitions or experiment.repetitions
    seed = seed if seed is not None else experiment.seed
    if isinstance(policy, int):
        return cells, schedule(cells, policy, experiment.order, seed)
    precision = policy.precision
    return cells, Rounds(cells, policy, lambda walls: precise_enough(walls, precision),
                         order=experiment.order, seed=seed, on_round=on_round)


def _count(jobs: Jobs) -> int:
    """Timed runs certain to run: all of a list, the first ``min`` rounds of rounds."""
    return len(jobs) if isinstance(jobs, list) else jobs.owed()


def run(path: Path, options: RunOptions, progress: Progress | None = None) -> RunOutcome:
    """Run an experiment file (or resume a run of it) and write the run directory."""
    options.check()
    source = load(path)
    if options.inline and source.experiment.python:
        raise UsageError("--inline cannot run other interpreters (the file has python:)")
    if options.resume is not None:
        return _resume(source, options, progress or Progress())
    experiment = source.experiment
    seed = experiment.seed
    if experiment.order == "random" and seed is None:
        seed = random.SystemRandom().randrange(2**32)
    progress = progress or Progress()
    cells, jobs = plan_jobs(experiment, options.only, options.repetitions, seed,
                            on_round=progress.round)
    if len(cells) > MAX_CELLS_WITHOUT_YES and not options.yes:
        raise GridError(f"{path}: the grid has {len(cells):,} cells, more than "
                        f"{MAX_CELLS_WITHOUT_YES:,}; check it with `runexp plan` and pass --yes "
                        "to run it anyway")
    check_cluster(cluster_address(options.cluster, experiment), options.cluster_tls)
    run_id, run_dir = results.create_run_dir(options.results_root, experiment.name,
                                             results.new_run_id(), options.out)
    results.write_text(run_dir / results.INPUT, source.text)
    metadata = _start_metadata(source, options, run_id, seed=seed, cells=len(cells),
                               jobs=_count(jobs))
    settings = _settings(source, options, run_id, metadata)
    write_metadata(run_dir / results.METADATA, metadata)
    if options.out is None:
        results.link_latest(run_dir)
    return _execute_into(run_dir, source, jobs, settings=settings, metadata=metadata,
                         progress=progress, tls=options.cluster_tls)


def _resume(source: ExperimentFile, options: RunOptions, progress: Progress) -> RunOutcome:
    """Run only the (cell, repetition) pairs missing from an earlier run's runs.csv."""
    run_dir = options.resume
    assert run_dir is not None
    if options.out is not None or options.only:
        raise UsageError("--resume continues a run as it was planned: it takes no --out or "
                         "--only (the run's own --only is reused)")
    # Everything is checked before the first byte is written into the folder.
    readers.check_run_dir(run_dir)
    readers.check_outputs(run_dir)
    metadata = read_metadata(run_dir / results.METADATA)
    original = load(run_dir / results.INPUT, imports=False).experiment
    _refuse_changed_grid(source.experiment, original, run_dir)
    done = readers.read_done(run_dir, original.name)
    readers.check_appendable(run_dir, columns(source.experiment.param_columns()))
    in_flight = readers.tasks_in_flight(run_dir, done)  # checks tasks.csv too
    stored = metadata.options
    repetitions = options.repetitions or stored.repetitions
    _, jobs = plan_jobs(source.experiment, stored.only, repetitions, metadata.seed,
                        on_round=progress.round)
    todo: Jobs
    if isinstance(jobs, Rounds):  # the rounds go on from what was recorded
        # (a run killed before its first row was whole has a header and nothing else)
        runs = readers.read_runs(run_dir) if done else None
        for cell, repetition, status, wall_s in [] if runs is None else zip(
                runs["cell"], runs["repetition"], runs["status"], runs["wall_s"], strict=True):
            jobs.record(str(cell), int(repetition), bool(status == Status.OK),
                        None if is_missing(wall_s) else float(wall_s))
        todo = jobs
    else:
        todo = list(missing(jobs, done))
    # The cluster it resumes on, checked before the first byte is written as well.
    check_cluster(cluster_address(options.cluster or stored.cluster, source.experiment),
                  options.cluster_tls)
    if in_flight is not None:  # tasks of a run whose row never came: it runs again
        results.cut_lines(run_dir / results.TASKS, in_flight)
    resume = Resume(at=now(), command=_command(), file=str(source.path),
                    runs=_count(todo), repetitions=options.repetitions)
    metadata = replace(metadata, resumes=[*metadata.resumes, resume], options=replace(
        stored, repetitions=repetitions, cluster=options.cluster or stored.cluster))
    settings = _settings(source, options, metadata.run_id, metadata)
    if metadata.hosts and cluster_address(metadata.options.cluster, source.experiment) is None:
        progress.note(f"resuming here a run measured on a Dask cluster: its missing runs are "
                      f"measured on this machine ({settings.host}); the report compares each "
                      "cell with the sync runs of its own host")
    return _execute_into(run_dir, source, todo, settings=settings, metadata=metadata,
                         progress=progress, tls=options.cluster_tls)


def _refuse_changed_grid(current: Experiment, original: Experiment, run_dir: Path) -> None:
    if current.name != original.name:
        raise ResultsError(f"--resume {run_dir}: that run is of experiment {original.name!r}, "
                           f"not {current.name!r}")
    before = {cell.id: cell.fingerprint() for cell in expand(original)}
    after = {cell.id: cell.fingerprint() for cell in expand(current)}
    if before == after:
        return
    changes = [f"{len(after.keys() - before.keys())} cells added",
               f"{len(before.keys() - after.keys())} removed",
               f"{sum(before[c] != after[c] for c in before.keys() & after.keys())} changed"]
    example = next(iter(sorted((after.keys() ^ before.keys()) or
                               {c for c in before if before[c] != after.get(c)})))
    raise ResultsError(f"--resume {run_dir}: the experiment file changed in a way that alters "
                       f"the grid ({', '.join(changes)}; e.g. {example}); run it afresh "
                       "instead, or restore the file")


def _settings(source: ExperimentFile, options: RunOptions, run_id: str,
              metadata: RunMetadata) -> Settings:
    """How the runs execute, with the interpreters metadata recorded when the run began."""
    experiment = source.experiment
    interpreters = metadata.interpreters
    isolation = "inline" if options.inline else experiment.isolation
    return Settings(run_id=run_id, experiment=experiment.name, isolation=isolation,
                    warmups=experiment.warmups, timeout_s=experiment.timeout_s,
                    fail_fast=options.fail_fast,
                    interpreters={i.label: i for i in interpreters})


def _execute_into(run_dir: Path, source: ExperimentFile, jobs: Jobs, *,
                  settings: Settings, metadata: RunMetadata, progress: Progress,
                  tls: ClusterTls | None = None) -> RunOutcome:
    counts = {"runs": 0, "failed": 0}
    hosts: dict[str, HostFacts] = dict(metadata.hosts)  # cluster runs add theirs
    interrupted = stopped_early = False
    failure: WriteError | None = None
    lost: ClusterLostError | None = None
    progress.start(_count(jobs), run_dir, adaptive=isinstance(jobs, Rounds))
    try:
        with results.RunsWriter(run_dir, source.experiment.param_columns()
                                ) as out, sigterm_as_interrupt():
            def sink(finished: Finished) -> None:
                out.write(*finished)
                record = finished.record
                if isinstance(jobs, Rounds):
                    jobs.record(record.cell, record.repetition, record.status == Status.OK,
                                record.wall_s)
                counts["runs"] += 1
                counts["failed"] += record.status in (Status.ERROR, Status.TIMEOUT)

            address = cluster_address(metadata.options.cluster, source.experiment)
            if address is None:
                _add_this_host(hosts, settings.host)
                # The cells still to run (a resumed run's finished ones need no zygote).
                cells = [c for c in jobs.cells if jobs.stop(c.id) is None] if isinstance(
                    jobs, Rounds) else list({job.cell.id: job.cell for job in jobs}.values())
                stopped_early = not execute(jobs, settings, sink, on_run=progress.advance,
                                            cells=cells)
            else:
                from runner.execution.cluster import continuing, execute_on_cluster

                placement = continuing(run_dir, source.experiment)  # a resume's groups stay
                batches = jobs.batches() if isinstance(jobs, Rounds) else [jobs]
                for batch in batches:  # a round at a time: the next depends on its rows
                    stopped_early = not execute_on_cluster(
                        address, batch, settings, source, sink=sink, on_run=progress.advance,
                        hosts=hosts, placement=placement, tls=tls)
                    if stopped_early:
                        break
    except KeyboardInterrupt:
        interrupted = True
    except ClusterLostError as error:  # the cluster failed, not the work: stop, as Ctrl-C does
        interrupted, lost = True, error
    except WriteError as error:  # a full disk: stop, keeping every row already written
        failure = error
    finally:
        progress.finish()
        metadata = replace(metadata, ended_at=now(), interrupted=interrupted,
                           stopped_early=stopped_early, hosts=hosts)
        # After a failed write this one may fail too: the first error is the one to tell.
        with contextlib.suppress(WriteError) if failure else contextlib.nullcontext():
            write_metadata(run_dir / results.METADATA, metadata)
    if failure is not None:
        raise WriteError(f"{failure}; the run stopped there, keeping the {counts['runs']} runs "
                         "it finished: free some space, then continue it with "
                         f"`runexp run {source.path} --resume {run_dir}`")
    content = None
    if (run_dir / results.RUNS).exists() and readers.read_done(run_dir):
        try:
            content = write_reports(run_dir)
        except WriteError as error:
            raise WriteError(f"{error}; every run is kept in {results.RUNS}: free some "
                             f"space, then rebuild the reports with `runexp report {run_dir}`"
                             ) from None
    if lost is not None:
        raise _how_to_go_on(str(address), counts["runs"], jobs, source, run_dir=run_dir, tls=tls)
    return RunOutcome(run_dir, counts["runs"], counts["failed"], interrupted, stopped_early,
                      content)


def _add_this_host(hosts: dict[str, HostFacts], host: str) -> None:
    """A cluster run resumed here: this machine's facts beside the worker hosts'."""
    if hosts:
        hosts.setdefault(host, HostFacts(**host_facts()))


def _how_to_go_on(address: str, done: int, jobs: Jobs, source: ExperimentFile, *,
                  run_dir: Path, tls: ClusterTls | None) -> ClusterLostError:
    from runner.execution.lost import how_to_go_on

    planned = len(jobs) if isinstance(jobs, list) else None
    return ClusterLostError(how_to_go_on(address, done=done, planned=planned,
                                         file=source.path, run_dir=run_dir, tls=tls))


def _start_metadata(source: ExperimentFile, options: RunOptions, run_id: str, *,
                    seed: int | None, cells: int, jobs: int) -> RunMetadata:
    """metadata.json as a run begins; the file's interpreters are probed here, once."""
    return RunMetadata(
        run_id=run_id,
        started_at=now(),
        command=_command(),
        experiment_file=str(source.path),
        experiment=source.experiment.model_dump(mode="json", by_alias=True),
        options=OptionsRecord(repetitions=options.repetitions, only=dict(options.only),
                              inline=options.inline, fail_fast=options.fail_fast,
                              cluster=options.cluster),
        seed=seed,
        cells=cells,
        planned_runs=jobs,
        load_average_at_start=load_average(),
        environment=environment(source.path.parent.resolve()),
        interpreters=[probe(name, label)
                      for name, label in source.experiment.python_labels().items()],
    )


def _command() -> str:
    return shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]])


def now() -> str:
    """UTC now, to the second, as metadata.json writes times."""
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")

