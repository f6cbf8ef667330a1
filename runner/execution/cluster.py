"""Runs on a Dask cluster: each timed run of a cell is one task, measured alone on a worker.

Workers are started with ``--resources runexp=1`` and every task requires one
unit of it, so a worker never measures two runs at once. On the worker the run
is isolated exactly as locally (a fresh subprocess), and the embedded HTTP
server, when a workload needs it, runs on that worker's own loopback.

Where a run goes is ``runner.execution.placement``'s: by default all runs of a
comparison group are restricted to one worker host (Dask's own worker
restrictions, strict, so work stealing cannot move them). Results come back as
they finish and are written at once. A host that leaves mid-run (no worker of it
left at the scheduler) has its groups' unfinished runs cancelled and submitted
again to another host; a row is written only when a result arrives, so none is
lost or written twice. A lost scheduler or connection stops the batch with no row for
the runs then out (``runner.execution.lost``). Nothing here is imported unless a
cluster is asked for.
"""

from __future__ import annotations

import atexit
import functools
import socket
import time
import warnings
from collections.abc import Sequence
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runner.config.experiment import Experiment
from runner.config.loader import ExperimentFile, parse
from runner.config.pythons import Interpreter
from runner.errors import ClusterError, ClusterWarning
from runner.execution.connection import ClusterTls, connect
from runner.execution.environment import host_facts
from runner.execution.local import (
    Finished,
    OnRun,
    Resources,
    Settings,
    Sink,
    run_once,
    task_of,
    utc_now,
)
from runner.execution.lost import (
    lost,
    lost_error,
    outcome,
    quiet_while_disconnected,
    scheduler_workers,
)
from runner.execution.placement import Host, Placement, group_of
from runner.plan.grid import Cell, expand
from runner.plan.schedule import Job
from runner.report.hosts import shared_hosts_warning
from runner.report.stats import is_missing
from runner.results import readers
from runner.results.metadata import HostFacts
from runner.results.rows import Status, TaskTiming
from runner.results.rundir import RUNS

if TYPE_CHECKING:
    from distributed import Client, Future

#: The worker resource a run needs one of (``dask worker --resources runexp=1``).
RESOURCE = "runexp"
#: How long a run waits for a first worker with the resource before it gives up.
WORKER_WAIT_S = 30.0
#: How often the hosts are counted while runs are out, to notice one that left.
HOST_CHECK_S = 1.0
#: How long a host must stay without workers before its runs move: a worker that
#: crashed is back from its nanny within this, and its host keeps its groups.
HOST_GRACE_S = 5.0
#: How often a batch looks for finished runs (Dask's own as_completed polls at 0.1 s).
POLL_S = 0.05

Timings = Sequence[TaskTiming]
#: What a worker reports of its host; the rest (lost_at, slots) the client sees itself.
_FACTS = {field.name for field in fields(HostFacts)} - {"lost_at", "slots"}


def continuing(run_dir: Path, experiment: Experiment) -> Placement:
    """The placement of a run: where its groups already ran (a resume), else none yet."""
    placement = Placement(experiment.executor.placement)
    if not (run_dir / RUNS).exists() or not readers.read_done(run_dir):  # a fresh run
        return placement
    runs = readers.read_runs(run_dir)
    hosts = ("" if is_missing(host) else str(host) for host in runs["host"])
    rows = zip(runs["cell"].astype(str), hosts, strict=True)
    return Placement.from_rows(placement.mode, rows, expand(experiment))


def execute_on_cluster(address: str, jobs: list[Job], settings: Settings,
                       source: ExperimentFile, *, sink: Sink, on_run: OnRun | None,
                       hosts: dict[str, HostFacts], placement: Placement | None = None,
                       tls: ClusterTls | None = None) -> bool:
    """Submit every job, write each record as it arrives; False if fail-fast stopped it.

    ``hosts`` collects, per worker host, what it reported about itself and when it
    was lost; ``placement`` keeps each group's host from one call to the next.
    """
    client = connect(address, tls)
    with quiet_while_disconnected(client):
        try:
            batch = _Batch(client, address, settings, source, hosts=hosts,
                           placement=placement or Placement())
            return batch.run(jobs, sink, on_run)
        finally:
            client.close()


class _Batch:
    """The runs of one call: submitted where the placement says, collected as they end,
    moved to another host where theirs leaves."""

    def __init__(self, client: Client, address: str, settings: Settings,
                 source: ExperimentFile, *, hosts: dict[str, HostFacts],
                 placement: Placement) -> None:
        self.client, self.address, self.settings = client, address, settings
        self.hosts, self.placement = hosts, placement
        self.payload = {"text": source.text, "path": str(source.path.resolve()),
                        "settings": _settings_data(settings)}
        self.futures: dict[Future, tuple[int, Job, Host | None]] = {}
        self.names: dict[str, str] = {}  # worker address -> the host name it reports
        self.missing: dict[str, float] = {}  # host name -> since when it has no worker

    def run(self, jobs: list[Job], sink: Sink, on_run: OnRun | None) -> bool:
        try:
            live = self.live_hosts(wait_s=WORKER_WAIT_S)
            if not live:
                raise ClusterError(f"the Dask scheduler at {self.address} has no worker with "
                                   f"the resource {RESOURCE} (start workers with --resources "
                                   f"{RESOURCE}=1)")
            where = self.placement.assign(jobs, live)
            for index, job in enumerate(jobs):
                self.submit(index, job, where.get(group_of(job.cell)))
            return self.collect(sink, on_run)
        except ClusterError:  # a lost scheduler included: the client lost every future
            raise
        except BaseException as error:  # Ctrl-C included: cancel what has not run, keep what has
            if isinstance(error, Exception) and lost(self.client, error):
                raise lost_error(self.address) from None
            self.client.cancel(list(self.futures))
            raise

    def collect(self, sink: Sink, on_run: OnRun | None) -> bool:
        """Write each run as its result arrives; False if fail-fast stopped the batch."""
        from distributed import as_completed

        finished = as_completed(list(self.futures))
        checked = time.monotonic()
        while self.futures:
            for future in finished.next_batch(block=False):
                if future not in self.futures:  # cancelled: its run went elsewhere
                    continue
                _, job, host = self.futures.pop(future)
                finished_run = self.record(future, job, host)
                sink(finished_run)
                record = finished_run.record
                if on_run is not None:
                    on_run(job, record)
                if self.settings.fail_fast and record.status in (Status.ERROR, Status.TIMEOUT):
                    self.client.cancel(list(self.futures))
                    return False
            if time.monotonic() - checked >= HOST_CHECK_S:
                finished.update(self.move_from_lost_hosts())
                checked = time.monotonic()
            if not finished.has_ready():
                time.sleep(POLL_S)
        return True

    def submit(self, index: int, job: Job, host: Host | None) -> Future:
        restriction = {} if host is None else {"workers": list(host.addresses),
                                               "allow_other_workers": False}
        future = self.client.submit(run_remote, self.payload, job.cell.id, job.repetition,
                                    resources={RESOURCE: 1}, pure=False, priority=-index,
                                    **restriction)
        self.futures[future] = (index, job, host)
        return future

    def record(self, future: Future, job: Job, host: Host | None) -> Finished:
        (record, timings, failure), facts = outcome(future, job, self.settings,
                                                    self.client, self.address)
        if facts:
            known = self.hosts.get(record.host, HostFacts())
            # Only the facts this version knows: a worker may run another runexp version.
            self.hosts[record.host] = replace(known, **{k: v for k, v in facts.items()
                                                        if k in _FACTS})
        elif host is not None:  # Dask gave up on the run: it belongs to its group's host
            record = replace(record, host=host.name)
        return Finished(record, timings, failure)

    def move_from_lost_hosts(self) -> list[Future]:
        """Resubmit the unfinished runs of hosts that left to the least loaded host left."""
        waiting = {host.name for _, _, host in self.futures.values() if host is not None}
        if not waiting:
            return []
        live = self.live_hosts()
        if live is None:  # no answer this time: nothing is known to have left
            return []
        by_name = {host.name: host for host in live}
        now = time.monotonic()
        self.missing = {name: self.missing.get(name, now) for name in waiting - by_name.keys()}
        lost = {name for name, since in self.missing.items() if now - since >= HOST_GRACE_S}
        if not lost or not live:  # with no host at all, wait for one to come (back)
            return []
        load = {host.name: 0 for host in live}
        for _, _, host in self.futures.values():
            if host is not None and host.name in load:
                load[host.name] += 1
        moved: dict[str, Host] = {}
        stranded = [(future, index, job) for future, (index, job, host) in self.futures.items()
                    if host is not None and host.name in lost]
        self.client.cancel([future for future, _, _ in stranded])
        resubmitted = []
        for future, index, job in stranded:
            group = group_of(job.cell)
            if group not in moved:
                moved[group] = self.placement.move(group, live, load)
            load[moved[group].name] += 1
            del self.futures[future]
            resubmitted.append(self.submit(index, job, moved[group]))
        for name in lost:
            facts = self.hosts.get(name, HostFacts(host=name))
            self.hosts[name] = replace(facts, lost_at=facts.lost_at or utc_now())
        return resubmitted

    def live_hosts(self, wait_s: float = 0.0) -> list[Host] | None:
        """The worker hosts now at the scheduler with the ``runexp`` resource, by name;
        None where the scheduler did not answer in time.

        ``wait_s``: wait up to that long for a first one (a cluster still starting).
        """
        deadline = time.monotonic() + wait_s
        while True:
            found = scheduler_workers(self.client, self.address)
            workers = {address: info for address, info in (found or {}).items()
                       if info.get("resources", {}).get(RESOURCE, 0) >= 1}
            if workers or time.monotonic() >= deadline:
                break
            time.sleep(0.2)
        if found is None:
            return None
        unknown = [address for address in workers if address not in self.names]
        if unknown:
            names = self.client.run(socket.gethostname, workers=unknown, on_error="return")
            self.names.update({address: name for address, name in names.items()
                               if isinstance(name, str)})
        hosts: dict[str, tuple[list[str], int]] = {}
        for address, info in workers.items():
            name = self.names.get(address, str(info["host"]))
            addresses, slots = hosts.setdefault(name, ([], 0))
            if info["host"] not in addresses:
                addresses.append(str(info["host"]))
            hosts[name] = (addresses, slots + int(info["resources"][RESOURCE]))
        live = [Host(name, tuple(addresses), slots)
                for name, (addresses, slots) in sorted(hosts.items())]
        self.note_slots(live)
        return live

    def note_slots(self, live: list[Host]) -> None:
        """Keep each host's most runs at once; warn as soon as one measures several."""
        for host in live:
            known = self.hosts.get(host.name, HostFacts(host=host.name))
            if host.slots > (known.slots or 0):
                self.hosts[host.name] = replace(known, slots=host.slots)
                if (warning := shared_hosts_warning({host.name: host.slots})) is not None:
                    warnings.warn(warning, ClusterWarning, stacklevel=2)


def _settings_data(settings: Settings) -> dict[str, Any]:
    """What the workers need of the settings; host and python are the worker's own."""
    data = asdict(settings)
    for key in ("host", "python"):
        data.pop(key)
    return data


# --- on the worker ---------------------------------------------------------------


def run_remote(payload: dict[str, Any], cell_id: str, repetition: int
               ) -> tuple[Finished, dict[str, Any]]:
    """One timed run of one cell, on a Dask worker: the same isolation as a local run."""
    settings_data = dict(payload["settings"])
    settings_data["interpreters"] = {label: Interpreter(**facts) for label, facts
                                     in settings_data["interpreters"].items()}
    settings = Settings(**settings_data)
    cell = _cells(payload["text"], payload["path"])[cell_id]
    job = Job(cell, repetition)
    resources = _worker_resources()
    task = task_of(cell, {}, resources)
    record, timings, failure = run_once(job, task, settings, resources)
    return Finished(record, list(timings), failure), host_facts()


@functools.lru_cache(maxsize=4)
def _cells(text: str, path: str) -> dict[str, Cell]:
    return {cell.id: cell for cell in expand(parse(text, Path(path)))}


@functools.cache
def _worker_resources() -> Resources:
    """Kept for the worker process's life, so that the embedded server and the fork
    servers start once per worker."""
    resources = Resources().__enter__()
    atexit.register(resources.__exit__, None, None, None)
    return resources
