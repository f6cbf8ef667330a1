"""Runs on a Dask cluster: each timed run of a cell is one task, measured alone on a worker.

Workers are started with ``--resources runexp=1`` and every task requires one
unit of it, so a worker never measures two runs at once. On the worker the run
is isolated exactly as locally (a fresh subprocess), and the embedded HTTP
server, when a workload needs it, runs on that worker's own loopback. Results
come back as they finish (``as_completed``) and are written at once; Dask
reschedules the runs of a lost worker, and a run it cannot finish becomes an
``error`` row. Nothing here is imported unless a cluster is asked for.
"""

from __future__ import annotations

import atexit
import functools
import os
import socket
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from runner.config.loader import ExperimentFile, parse
from runner.config.pythons import Interpreter
from runner.errors import ClusterError
from runner.execution.environment import cpu_model
from runner.execution.local import (
    OnRun,
    Resources,
    Settings,
    Sink,
    make_record,
    run_once,
    utc_now,
)
from runner.execution.worker import RunResult, describe
from runner.plan.grid import Cell, expand
from runner.plan.schedule import Job
from runner.results.metadata import HostFacts
from runner.results.rows import RunRecord, Status
from runner.workloads.task import Task

#: The worker resource a run needs one of (``dask worker --resources runexp=1``).
RESOURCE = "runexp"
CONNECT_TIMEOUT = "20s"

Timings = Sequence[tuple[float, float]]


def execute_on_cluster(address: str, jobs: list[Job], settings: Settings,
                       source: ExperimentFile, *, sink: Sink, on_run: OnRun | None,
                       hosts: dict[str, HostFacts]) -> bool:
    """Submit every job, write each record as it arrives; False if fail-fast stopped it.

    ``hosts`` collects, per worker host, the CPU model and core count it reported.
    """
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise ClusterError("--cluster needs Dask's distributed package: "
                           "pip install 'runexp[dask]'") from None
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as error:
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {error}") from None
    payload = {"text": source.text, "path": str(source.path.resolve()),
               "settings": _settings_data(settings)}
    futures = {}
    try:
        for index, job in enumerate(jobs):
            future = client.submit(run_remote, payload, job.cell.id, job.repetition,
                                   resources={RESOURCE: 1}, pure=False, priority=-index)
            futures[future] = job
        for future in as_completed(list(futures)):
            job = futures[future]
            record, timings, facts = _outcome(future, job, settings)
            if facts:
                hosts.setdefault(record.host, HostFacts(**facts))
            sink(record, timings)
            if on_run is not None:
                on_run(job, record)
            if settings.fail_fast and record.status in (Status.ERROR, Status.TIMEOUT):
                client.cancel(list(futures))
                return False
    except BaseException:  # Ctrl-C included: cancel what has not run, keep what has
        client.cancel(list(futures))
        raise
    finally:
        client.close()
    return True


def _outcome(future: Any, job: Job, settings: Settings
             ) -> tuple[RunRecord, Timings, dict[str, Any]]:
    try:
        return future.result()
    except Exception as error:  # e.g. KilledWorker: Dask gave up rescheduling it
        result = RunResult(Status.ERROR, message=f"on the cluster: {describe(error)}")
        return make_record(job, settings, utc_now(), result, settings.python), (), {}


def _settings_data(settings: Settings) -> dict[str, Any]:
    """What the workers need of the settings; host and python are the worker's own."""
    data = asdict(settings)
    for key in ("host", "python"):
        data.pop(key)
    return data


# --- on the worker ---------------------------------------------------------------


def run_remote(payload: dict[str, Any], cell_id: str, repetition: int
               ) -> tuple[RunRecord, Timings, dict[str, Any]]:
    """One timed run of one cell, on a Dask worker: the same isolation as a local run."""
    settings_data = dict(payload["settings"])
    settings_data["interpreters"] = {label: Interpreter(**facts) for label, facts
                                     in settings_data["interpreters"].items()}
    settings = Settings(**settings_data)
    cell = _cells(payload["text"], payload["path"])[cell_id]
    job = Job(cell, repetition)
    task: Task | Exception
    resources = _worker_resources()
    try:
        task = cell.workload.make_task(cell.params, resources)
    except Exception as error:
        task = error
    record, timings = run_once(job, task, settings, resources)
    facts = {"cpu_model": cpu_model(), "logical_cores": os.cpu_count(),
             "host": socket.gethostname()}
    return record, list(timings), facts


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
