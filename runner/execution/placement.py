"""Which worker host measures which runs on a cluster.

Runs compared with each other must come from one machine: speedup and efficiency
divide one cell's time by its sync cell's. So, by default, every run of one
*comparison group* (a workload with one parameter set, and one interpreter) goes
to one worker host, and groups are spread over the hosts by load. A host is
known by the name its workers report (runs.csv's ``host``); the Dask
restriction that keeps a group there names the host's addresses, so a worker
the host restarts still qualifies. ``placement: run`` places nothing: any run
goes to any worker, for clusters of identical hosts.

Pure bookkeeping, no Dask: ``runner.execution.cluster`` asks it where to submit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from runner.plan.grid import Cell, cell_id
from runner.plan.schedule import Job

GROUP, RUN = "group", "run"


@dataclass(frozen=True)
class Host:
    """One worker host: its name, its workers' addresses and how many runs it measures
    at once (its workers' ``runexp`` resource units)."""

    name: str
    addresses: tuple[str, ...]  # the workers' IP addresses or host names, for Dask
    slots: int


def group_of(cell: Cell) -> str:
    """The cell's comparison group, named by its sync cell's id (whether the grid has one
    or not): the cells that share it are compared with each other."""
    return cell_id(cell.workload, cell.params, "sync", 1, cell.python)


@dataclass
class Placement:
    """Each comparison group's host, kept for the whole run: across adaptive rounds,
    advise's batches and ``--resume``."""

    mode: str = GROUP
    hosts: dict[str, str] = field(default_factory=dict)  # group -> host name
    sent: dict[str, int] = field(default_factory=dict)  # host name -> runs placed there

    @classmethod
    def from_rows(cls, mode: str, rows: Iterable[tuple[str, str]],
                  cells: Iterable[Cell]) -> Placement:
        """The placement a resumed run goes on with: each group on the host of its last
        row (``rows``: runs.csv's (cell, host) pairs, in file order)."""
        groups = {cell.id: group_of(cell) for cell in cells}
        placement = cls(mode)
        for cell, host in rows:
            if cell in groups and host:
                placement.hosts[groups[cell]] = host
                placement.sent[host] = placement.sent.get(host, 0) + 1
        return placement

    def assign(self, jobs: Sequence[Job], hosts: Sequence[Host]) -> dict[str, Host]:
        """The host of every group of ``jobs`` ({} for ``placement: run``).

        A group keeps the host it had where that host is still here. The others,
        largest first, each go to the host with the least load per slot: the runs
        placed there so far (earlier batches included, so that batches of one group
        at a time, as advise sends, still spread over the hosts).
        """
        if self.mode != GROUP or not hosts:
            return {}
        by_name = {host.name: host for host in hosts}
        runs: dict[str, int] = {}
        for job in jobs:
            group = group_of(job.cell)
            runs[group] = runs.get(group, 0) + 1
        placed: dict[str, Host] = {}
        for group, count in runs.items():
            if (name := self.hosts.get(group)) in by_name:
                placed[group] = by_name[name]
                self.sent[name] = self.sent.get(name, 0) + count
        for group in sorted((g for g in runs if g not in placed), key=lambda g: -runs[g]):
            placed[group] = self.move(group, hosts, self.sent)
            self.sent[placed[group].name] = self.sent.get(placed[group].name, 0) + runs[group]
        return placed

    def move(self, group: str, hosts: Sequence[Host], load: Mapping[str, int]) -> Host:
        """Put ``group`` on the host with the least ``load`` (runs) per slot; ties go to
        the host listed first."""
        host = min(hosts, key=lambda h: load.get(h.name, 0) / max(h.slots, 1))
        self.hosts[group] = host.name
        return host
