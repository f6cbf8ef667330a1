"""Real Dask clusters for tests, each process in its own process group, stopped workers
first: a scheduler and two workers on 127.0.0.1 (``Cluster``), or on hosts of their own
in network namespaces (``HostsCluster``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tests.helpers import ROOT, free_port
from tests.netns import Network, NsHost

if TYPE_CHECKING:
    from distributed.security import Security


def dask(*args: str, log: Path, host: NsHost | None = None, cpus: str | None = None,
         env: Mapping[str, str] | None = None, cwd: Path | None = None
         ) -> subprocess.Popen[bytes]:
    """``dask ARGS`` here (in ``cwd``), or on ``host`` (pinned to ``cpus`` where given)."""
    # TMPDIR too: a worker killed mid-run cannot remove its run's temporary folder.
    (log.parent / "tmp").mkdir(exist_ok=True)
    full_env = {**os.environ, "DASK_TEMPORARY_DIRECTORY": str(log.parent / "dask-tmp"),
                "TMPDIR": str(log.parent / "tmp"), "PYTHONPATH": str(ROOT), **(env or {})}
    command = [str(Path(sys.executable).with_name("dask")), *args]
    if host is not None:
        return host.popen(command, log=log, env=full_env, cpus=cpus)
    with log.open("w") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                                env=full_env, start_new_session=True, cwd=cwd)


def wait_for_workers(address: str, count: int, timeout: float = 60,
                     security: Security | None = None) -> None:
    from distributed import Client

    with Client(address, timeout="30s", security=security) as client:
        client.wait_for_workers(count, timeout=timeout)


def stop(process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
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

    def kill_scheduler(self) -> None:
        """SIGKILL the scheduler, as a crash would."""
        os.killpg(self.scheduler.pid, signal.SIGKILL)
        self.scheduler.wait()

    def restart(self) -> None:
        """A new scheduler on the same address and new workers: the old workers are
        killed outright (one whose scheduler is gone lingers ~40 s)."""
        for process in (*self.workers, self.scheduler):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        port = self.address.rsplit(":", 1)[1]
        self.scheduler = dask("scheduler", "--host", "127.0.0.1", "--port", port,
                              "--no-dashboard", log=self.folder / "scheduler-2.log")
        self.workers = [self.add_worker(i) for i in range(2, 4)]
        wait_for_workers(self.address, 2)

    def close(self) -> None:
        for worker in self.workers:  # workers first: an orphaned worker lingers ~40 s
            stop(worker)
        stop(self.scheduler)


@dataclass(frozen=True)
class Tls:
    """A throwaway CA and one certificate it signed, shared by scheduler, workers and
    client (Dask checks the chain, not host names)."""

    ca: Path
    cert: Path
    key: Path

    @property
    def option(self) -> str:
        """The value of ``--cluster-tls``."""
        return f"{self.ca},{self.cert},{self.key}"

    def args(self) -> list[str]:
        return ["--tls-ca-file", str(self.ca), "--tls-cert", str(self.cert),
                "--tls-key", str(self.key)]

    def security(self) -> Security:
        from distributed.security import Security

        return Security(tls_ca_file=str(self.ca), tls_client_cert=str(self.cert),
                        tls_client_key=str(self.key), require_encryption=True)


def make_tls(folder: Path, name: str = "cluster") -> Tls:
    """A CA of its own and a certificate it signed, with the openssl command line."""
    folder.mkdir(parents=True, exist_ok=True)
    ca, ca_key = folder / f"{name}-ca.pem", folder / f"{name}-ca.key"
    cert, key = folder / f"{name}.pem", folder / f"{name}.key"
    request, extensions = folder / f"{name}.csr", folder / f"{name}.ext"
    curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl = ["openssl"]
    subprocess.run([*openssl, "req", "-x509", *curve, "-keyout", str(ca_key), "-out", str(ca),
                    "-days", "2", "-subj", f"/CN={name} test CA",
                    "-addext", "basicConstraints=critical,CA:TRUE",
                    "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
                   check=True, capture_output=True)
    subprocess.run([*openssl, "req", *curve, "-keyout", str(key), "-out", str(request),
                    "-subj", f"/CN={name} node"], check=True, capture_output=True)
    extensions.write_text("basicConstraints=CA:FALSE\n"
                          "keyUsage=critical,digitalSignature,keyEncipherment\n"
                          "extendedKeyUsage=serverAuth,clientAuth\n"
                          "authorityKeyIdentifier=keyid\n")
    subprocess.run([*openssl, "x509", "-req", "-in", str(request), "-CA", str(ca), "-CAkey",
                    str(ca_key), "-CAcreateserial", "-out", str(cert), "-days", "2",
                    "-extfile", str(extensions)], check=True, capture_output=True)
    return Tls(ca, cert, key)


class HostsCluster:
    """A scheduler and two worker hosts, each in a network namespace with its own address
    and host name; the second worker host is pinned to one CPU. The client (the test)
    stays in the root namespace, or, with ``client_host``, gets a host of its own
    (``self.client``) whose link a test can cut."""

    PORT = 8786  # each host has its own ports
    NAMES = ("runexp-a", "runexp-b")

    def __init__(self, folder: Path, *, tls: Tls | None = None, worker_ttl: str | None = None,
                 client_host: bool = False) -> None:
        self.folder, self.tls = folder, tls
        folder.mkdir(parents=True, exist_ok=True)
        self.network = Network()
        self.client: NsHost | None = None
        self.workers: list[subprocess.Popen[bytes]] = []
        self.scheduler: subprocess.Popen[bytes] | None = None
        try:
            self._start(worker_ttl)
            if client_host:
                self.client = self.network.add_host("runexp-client")
        except BaseException:
            self.close()
            raise

    def _start(self, worker_ttl: str | None) -> None:
        scheduler_host = self.network.add_host("runexp-scheduler")
        self.hosts = [self.network.add_host(name) for name in self.NAMES]
        protocol = "tls" if self.tls else "tcp"
        self.address = f"{protocol}://{scheduler_host.address}:{self.PORT}"
        tls_args = self.tls.args() if self.tls else []
        # A silent worker is dropped after the TTL and a failed attempt to restart it
        # through its nanny, which lasts Dask's connect timeout: both short here.
        ttl = {"DASK_DISTRIBUTED__SCHEDULER__WORKER_TTL": worker_ttl,
               "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"} if worker_ttl else {}
        self.scheduler = dask("scheduler", "--host", scheduler_host.address, "--port",
                              str(self.PORT), "--protocol", protocol, "--no-dashboard",
                              *tls_args, log=self.folder / "scheduler.log",
                              host=scheduler_host, env=ttl)
        for index, host in enumerate(self.hosts):
            self.workers.append(dask(
                "worker", self.address, "--host", host.address, "--nworkers", "1",
                "--nthreads", "1", "--resources", "runexp=1", "--no-dashboard", *tls_args,
                log=self.folder / f"{host.name}.log", host=host,
                cpus="0" if index == 1 else None))
        wait_for_workers(self.address, len(self.hosts),
                         security=self.tls.security() if self.tls else None)

    def close(self) -> None:
        for worker in self.workers:  # workers first; a cut one cannot say goodbye
            stop(worker, timeout=5)
        if self.scheduler is not None:
            stop(self.scheduler)
        self.network.close()
