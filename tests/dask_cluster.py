"""A real Dask cluster for tests: a scheduler and two workers on 127.0.0.1, each in its
own process group, stopped workers first."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT, free_port


def dask(*args: str, log: Path) -> subprocess.Popen[bytes]:
    # TMPDIR too: a worker killed mid-run cannot remove its run's temporary folder.
    (log.parent / "tmp").mkdir(exist_ok=True)
    env = {**os.environ, "DASK_TEMPORARY_DIRECTORY": str(log.parent / "dask-tmp"),
           "TMPDIR": str(log.parent / "tmp"), "PYTHONPATH": str(ROOT)}
    dask_command = str(Path(sys.executable).with_name("dask"))
    with log.open("w") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen([dask_command, *args], stdout=out, stderr=subprocess.STDOUT,
                                env=env, start_new_session=True)


def wait_for_workers(address: str, count: int, timeout: float = 60) -> None:
    from distributed import Client

    with Client(address, timeout="30s") as client:
        client.wait_for_workers(count, timeout=timeout)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class Cluster:
    def __init__(self, folder: Path) -> None:
        port = free_port()
        self.address = f"tcp://127.0.0.1:{port}"
        self.folder = folder
        self.scheduler = dask("scheduler", "--host", "127.0.0.1", "--port", str(port),
                              "--no-dashboard", log=folder / "scheduler.log")
        self.workers = [self.add_worker(i) for i in range(2)]
        wait_for_workers(self.address, 2)

    def add_worker(self, index: int) -> subprocess.Popen[bytes]:
        return dask("worker", self.address, "--nworkers", "1", "--nthreads", "1",
                    "--resources", "runexp=1", "--no-dashboard",
                    log=self.folder / f"worker{index}.log")

    def close(self) -> None:
        for worker in self.workers:  # workers first: an orphaned worker lingers ~40 s
            stop(worker)
        stop(self.scheduler)
