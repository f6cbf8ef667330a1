"""The cluster failing, told apart from the work failing.

A run that failed on a worker (its task raised, or Dask gave up on it after killing
workers: KilledWorker) is an ``error`` row, as a local failure is. A run cut off
because the scheduler, or this client's connection to it, was lost is no result at
all: distributed's client cancels every future it holds when its connection drops
(reason ``scheduler-connection-lost``), and its calls then fail with CommClosedError,
OSError or TimeoutError. Such a run gets no row: the batch stops with
ClusterLostError once every result that did arrive is written, and ``--resume``
finishes the rest. While the client is not connected, distributed's own log records
(reconnection attempts, with tracebacks) are kept off the terminal: runexp says what
happened in one line.

Nothing here imports Dask at module level: the pipeline words the message.
"""

from __future__ import annotations

import contextlib
import logging
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runner.errors import ClusterLostError
from runner.execution.local import Finished, Settings, make_record, utc_now
from runner.execution.worker import RunResult, describe
from runner.plan.schedule import Job
from runner.results.rows import Status

if TYPE_CHECKING:
    from distributed import Client, Future

    from runner.execution.connection import ClusterTls

#: The reason distributed's client gives the futures it cancels when its connection drops.
LOST_REASON = "scheduler-connection-lost"
#: Loggers whose records, while the client is not connected, are its reconnection attempts.
_QUIETED = ("distributed", "tornado", "asyncio")
#: How long a count of the scheduler's workers waits for its answer: over a connection
#: gone silent, asking would otherwise hold the run for the client's whole connect
#: timeout, results and the notice of the loss included.
ANSWER_WAIT_S = 5.0


def lost(client: Client, error: BaseException, future: Future | None = None) -> bool:
    """Whether ``error`` (from ``future``'s result, or from a call to the scheduler) means
    the scheduler or the connection to it was lost, rather than the run failing."""
    if future is not None and future.status == "error":  # raised on a worker: the run's own
        return False
    if getattr(error, "reason", None) == LOST_REASON or client.status != "running":
        return True
    if future is not None and future.status == "cancelled":  # cancelled at the scheduler
        return False
    from distributed.comm.core import CommClosedError

    return isinstance(error, CommClosedError | OSError | TimeoutError)


def scheduler_workers(client: Client, address: str) -> dict[str, Any] | None:
    """The scheduler's workers by address, with what it knows of each; None where it did
    not answer within ANSWER_WAIT_S (the client's own connection says whether it is
    lost); ClusterLostError where the client is no longer connected."""
    if client.status != "running" or client.scheduler is None:
        raise lost_error(address)
    try:
        identity = client.sync(client.scheduler.identity, n_workers=-1,
                               callback_timeout=ANSWER_WAIT_S)
    except (OSError, TimeoutError):
        return None
    return dict(identity["workers"])


def lost_error(address: str) -> ClusterLostError:
    return ClusterLostError(f"lost the connection to the Dask scheduler at {address}")


def outcome(future: Future, job: Job, settings: Settings, client: Client, address: str
            ) -> tuple[Finished, dict[str, Any]]:
    """A finished future's run and its host's facts; an error row where the run failed on
    the cluster; ClusterLostError where the scheduler was lost (the run has no result)."""
    try:
        finished, facts = future.result()
        return Finished(*finished), facts
    except Exception as error:  # KilledWorker, or cancelled at the scheduler
        if lost(client, error, future):
            raise lost_error(address) from None
        result = RunResult(Status.ERROR, message=f"on the cluster: {describe(error)}")
        return Finished(make_record(job, settings, utc_now(), result, settings.python)), {}


class _WhileDisconnected(logging.Filter):
    def __init__(self, client: Client) -> None:
        super().__init__()
        self.client = client

    def filter(self, record: logging.LogRecord) -> bool:
        return self.client.status == "running" or not record.name.startswith(_QUIETED)


@contextlib.contextmanager
def quiet_while_disconnected(client: Client) -> Iterator[None]:
    """Keep distributed's log records off the terminal while ``client`` is not connected
    (reconnecting, closing, closed); while it is, they show as before."""
    quiet = _WhileDisconnected(client)
    handlers = {handler for name in (None, *_QUIETED)
                for handler in logging.getLogger(name).handlers}
    if logging.lastResort is not None:
        handlers.add(logging.lastResort)
    for handler in handlers:
        handler.addFilter(quiet)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(quiet)


def how_to_go_on(address: str, *, done: int, planned: int | None, file: Path, run_dir: Path,
                 tls: ClusterTls | None) -> str:
    """The one line a run stopped by a lost scheduler ends with: what is kept, what is
    not, and the commands that finish it (``planned``: None where rounds decide)."""
    runs = f"{done} of {planned} runs" if planned is not None else f"{done} runs"
    out = f"the {planned - done} runs still out" if planned is not None else "the runs out"
    resume = shlex.join(["runexp", "run", str(file), "--resume", str(run_dir)])
    certificates = "" if tls is None else " " + shlex.join(
        ["--cluster-tls", f"{tls.ca},{tls.cert},{tls.key}"])
    return (f"lost the connection to the Dask scheduler at {address} after {runs}; {out} "
            f"are not recorded: when the cluster is back, finish them with `{resume}"
            f"{certificates}` (or add `--cluster none` to finish them on this machine, or "
            "`--cluster ADDRESS` for a scheduler elsewhere)")
