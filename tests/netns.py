"""Hosts of their own for cluster tests: Linux network namespaces on a bridge.

Each host is a network namespace with one end of a veth pair; the other ends hang
on a bridge in the root namespace, which holds an address of the same subnet,
so a client here reaches every host and the hosts reach each other. Commands
run inside with ``ip netns exec`` and ``unshare --uts``, so each host has its own
loopback, address and host name. Everything made is deleted on ``close``, also
after a failure. Needs root, iproute2 and util-linux (``unshare``, ``taskset``); the
tests that use it make TLS certificates with openssl.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import signal
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

#: Subnets 10.231.N.0/24 are tried in turn until one is free on this machine.
SUBNET_PREFIX = "10.231"
BRIDGE_HOST = 254  # the root namespace's address on the bridge
_made = itertools.count()


def why_not() -> str | None:
    """Why namespaced hosts cannot be made here, or None where they can."""
    if os.geteuid() != 0:
        return "network namespaces need root (CI runs as root)"
    for tool in ("ip", "unshare", "taskset", "openssl"):
        if shutil.which(tool) is None:
            return f"`{tool}` is not installed (apt-get install iproute2 util-linux openssl)"
    probe = f"rxprobe{os.getpid()}"
    made = _ip("netns", "add", probe, check=False)
    if made.returncode != 0:
        return f"`ip netns add` failed: {made.stderr.strip()}"
    _ip("netns", "delete", probe, check=False)
    return None


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {done.stderr.strip()}")
    return done


@dataclass(frozen=True)
class NsHost:
    """One host: its namespace, host name, address and the root end of its veth."""

    name: str
    namespace: str
    address: str
    veth: str

    def popen(self, args: Sequence[str], *, log: Path, env: Mapping[str, str],
              cpus: str | None = None) -> subprocess.Popen[bytes]:
        """Start ``args`` on this host (under ``taskset -c cpus`` where given), in a process
        group of its own, output to ``log``."""
        pinned = ["taskset", "-c", cpus] if cpus else []
        command = ["ip", "netns", "exec", self.namespace, "unshare", "--uts", "sh", "-c",
                   f'hostname {self.name} && exec "$@"', "sh", *pinned, *args]
        with log.open("w") as out:
            return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=dict(env),
                                    start_new_session=True)

    def cut(self) -> None:
        """Take the host off the network, as a pulled cable would."""
        _ip("link", "set", self.veth, "down")

    def traffic_bytes(self) -> int:
        """Bytes that crossed the host's link so far, both ways."""
        base = Path("/sys/class/net") / self.veth / "statistics"
        return sum(int((base / f"{way}_bytes").read_text()) for way in ("rx", "tx"))


class Network:
    """A bridge and the hosts on it; ``close`` deletes all of it."""

    def __init__(self) -> None:
        self.tag = f"{os.getpid() % 100000}{next(_made)}"
        self.bridge = f"rxb{self.tag}"
        self.hosts: list[NsHost] = []
        self.subnet = _free_subnet()
        _ip("link", "add", self.bridge, "type", "bridge")
        try:
            _ip("addr", "add", f"{self.subnet}.{BRIDGE_HOST}/24", "dev", self.bridge)
            _ip("link", "set", self.bridge, "up")
        except BaseException:
            self.close()
            raise

    def add_host(self, name: str) -> NsHost:
        index = len(self.hosts) + 1
        host = NsHost(name, f"rxn{self.tag}{index}", f"{self.subnet}.{index}",
                      f"rxv{self.tag}{index}")
        self.hosts.append(host)  # before it exists: close deletes what was made of it
        inner = f"rxp{self.tag}{index}"
        _ip("netns", "add", host.namespace)
        _ip("link", "add", host.veth, "type", "veth", "peer", "name", inner)
        _ip("link", "set", inner, "netns", host.namespace)
        _ip("link", "set", host.veth, "master", self.bridge)
        _ip("link", "set", host.veth, "up")
        _ip("-n", host.namespace, "addr", "add", f"{host.address}/24", "dev", inner)
        _ip("-n", host.namespace, "link", "set", inner, "up")
        _ip("-n", host.namespace, "link", "set", "lo", "up")
        return host

    def close(self) -> None:
        """Kill what still runs in the hosts, then delete veths, namespaces and bridge."""
        for host in self.hosts:
            listed = _ip("netns", "pids", host.namespace, check=False).stdout.split()
            for pid in listed:
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid), signal.SIGKILL)
            # Deleting the root end deletes the pair at once; a namespace's own ends
            # would otherwise linger until the kernel gets round to them.
            _ip("link", "delete", host.veth, check=False)
            _ip("netns", "delete", host.namespace, check=False)
        _ip("link", "delete", self.bridge, check=False)


def _free_subnet() -> str:
    """A 10.231.N subnet no interface here uses (another test session may hold one)."""
    used = _ip("-4", "addr").stdout
    for third in range(os.getpid() % 200, os.getpid() % 200 + 250):
        subnet = f"{SUBNET_PREFIX}.{third % 250}"
        if f" {subnet}." not in used:
            return subnet
    raise RuntimeError(f"no free {SUBNET_PREFIX}.N.0/24 subnet")
