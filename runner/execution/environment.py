"""The environment a run was measured in, for metadata.json and the report."""

from __future__ import annotations

import os
import platform
import socket
import subprocess
import sys
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

from runner.results.metadata import CpuInfo, Environment, GitInfo, OsInfo, PythonInfo

PACKAGES = ("runexp", "pydantic", "pyyaml", "pandas", "aiohttp", "requests", "typer")


def default_start_method() -> str:
    """How a process pool starts its workers here unless told: multiprocessing's default
    (asking fixes this process's to it, which is what its pools would use anyway)."""
    import multiprocessing

    return multiprocessing.get_context().get_start_method()


def host_facts() -> dict[str, Any]:
    """This host's facts as a cluster worker reports them (metadata.json's ``hosts``),
    taken here: a worker's machine may be of another kind than the client's."""
    return {"cpu_model": cpu_model(), "logical_cores": os.cpu_count(),
            "host": socket.gethostname(), "usable_cores": usable_cores(),
            "memory_gib": memory_gib(),
            "python": f"{platform.python_version()} ({platform.python_implementation()})"}


def environment(workdir: Path) -> Environment:
    """Python, CPU, memory, OS, package versions and git commit of this process's machine."""
    return Environment(
        python=PythonInfo(version=platform.python_version(),
                          implementation=platform.python_implementation(),
                          executable=sys.executable, gil_enabled=gil_enabled(),
                          start_method=default_start_method()),
        host=socket.gethostname(),
        cpu=CpuInfo(model=cpu_model(), logical_cores=os.cpu_count(), usable_cores=usable_cores()),
        memory_gib=memory_gib(),
        os=OsInfo(system=platform.system(), release=platform.release(),
                  platform=platform.platform()),
        packages=package_versions(),
        git=git_state(workdir),
    )


def usable_cores() -> int | None:
    """The CPUs this process may run on (``taskset`` counts; ``os.cpu_count`` ignores it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count()


def gil_enabled() -> bool:
    """False only on a free-threaded build running with the GIL off (Python 3.13+)."""
    check = getattr(sys, "_is_gil_enabled", None)
    return True if check is None else bool(check())


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_gib() -> float | None:
    try:
        pages, page_size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
    return round(pages * page_size / 2**30, 1)


def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_state(workdir: Path) -> GitInfo | None:
    """The commit of the git checkout holding ``workdir``, and whether it has changes."""
    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", *args], cwd=workdir, capture_output=True, text=True,
                                  timeout=5, check=False)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return None
    return GitInfo(commit=commit,
                   dirty=bool(git("status", "--porcelain", "--untracked-files=no")))


def load_average() -> tuple[float, float, float] | None:
    try:
        return os.getloadavg()
    except OSError:
        return None
