"""What a report says about the hosts of a cluster run: each host's environment, where
they differ, which comparison groups each measured, and the groups measured on more
than one (a host lost mid-run).

A run on one machine has one host and none of this shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from runner.report.summary import MIXED, ComparisonGroup

if TYPE_CHECKING:
    import pandas as pd

    from runner.results.metadata import HostFacts, RunMetadata

HOSTS_COLUMNS = ("host", "CPU", "usable cores", "logical cores", "memory (GiB)", "Python",
                 "groups", "ok runs", "lost mid-run")
#: What each host's facts are compared on, with the words the warning uses.
COMPARED = (("cpu_model", "CPU model"), ("usable_cores", "usable cores"),
            ("memory_gib", "memory (GiB)"), ("python", "Python"))

Row = dict[str, str]


def placement_of(metadata: RunMetadata) -> str:
    """The experiment's ``executor.placement`` (``group`` for runs that predate it)."""
    executor = metadata.experiment.get("executor") or {}
    return str(executor.get("placement") or "group")


def by_host(groups: list[ComparisonGroup]) -> list[ComparisonGroup]:
    """Where groups ran on different hosts: each named with its host(s), those of each
    host together, those measured on several hosts last. Otherwise ``groups`` as given."""
    if len({host for group in groups for host in group.hosts}) < 2:
        return groups
    ordered = sorted(groups, key=lambda group: (len(group.hosts) > 1, group.hosts))
    return [replace(group, name=f"{group.name} on {' and '.join(group.hosts)}")
            if group.hosts else group for group in ordered]


def group_note(group: ComparisonGroup, metadata: RunMetadata) -> str:
    """Why and how a group measured on several hosts is compared; "" for one host."""
    if len(group.hosts) < 2:
        return ""
    hosts = ", ".join(group.hosts)
    if placement_of(metadata) == "run":
        return (f"Measured on {len(group.hosts)} hosts ({hosts}): with placement: run, any "
                "run goes to any host, and the hosts are taken as identical.")
    lost = [name for name in group.hosts if (facts := metadata.hosts.get(name)) and
            facts.lost_at]
    why = (f"{' and '.join(lost)} left the cluster mid-run ({_lost_at(metadata, lost)}), "
           "and the group's remaining runs finished on another host"
           if lost else "its host was not there for every run (lost, or gone when the run "
                        "was resumed), so the rest ran on another")
    return (f"Measured on {len(group.hosts)} hosts ({hosts}): {why}. Speedups compare runs "
            "of one host only: each cell with the sync runs of its own host; a cell measured "
            f"on both (host {MIXED}) or on a host without sync runs has none. Per-host "
            "medians and speedups are under \"Per host\".")


def _lost_at(metadata: RunMetadata, names: list[str]) -> str:
    return ", ".join(f"noticed at {metadata.hosts[name].lost_at}" for name in names)


def host_rows(metadata: RunMetadata, runs: pd.DataFrame,
              groups: list[ComparisonGroup]) -> list[Row]:
    """HOSTS_COLUMNS per host of a cluster run (none for a run on this machine alone)."""
    from runner.results.rows import Status

    if not metadata.hosts:
        return []
    ok = runs[runs["status"] == Status.OK]
    counts = ok["host"].astype(str).value_counts() if "host" in ok else None
    rows = []
    for name, facts in sorted(metadata.hosts.items()):
        measured = [group.name for group in groups if group.hosts == (name,)]
        shared = sum(name in group.hosts for group in groups) - len(measured)
        rows.append({
            "host": name, "CPU": facts.cpu_model or "–",
            "usable cores": _text(facts.usable_cores), "logical cores": _text(facts.logical_cores),
            "memory (GiB)": _text(facts.memory_gib), "Python": facts.python or "–",
            "groups": str(len(measured)) + (f" (+{shared} shared)" if shared else ""),
            "ok runs": str(int(counts.get(name, 0))) if counts is not None else "–",
            "lost mid-run": facts.lost_at or ""})
    return rows


def host_warnings(metadata: RunMetadata) -> list[str]:
    """A warning where the cluster's hosts differ in what bounds a measurement, and one
    where a host measured several runs at once."""
    shared = shared_hosts_warning({name: facts.slots for name, facts in metadata.hosts.items()
                                   if facts.slots})
    return [warning for warning in (_differences(metadata), shared) if warning]


def _differences(metadata: RunMetadata) -> str | None:
    reported = {name: facts for name, facts in metadata.hosts.items() if facts.cpu_model}
    differences = []
    for attribute, words in COMPARED:
        values = {name: getattr(facts, attribute) for name, facts in sorted(reported.items())}
        if len({value for value in values.values() if value is not None}) > 1:
            differences.append(f"{words}: " + ", ".join(f"{name} {_text(value)}"
                                                          for name, value in values.items()))
    if not differences:
        return None
    advice = ("with placement: run, the runs of a group went to several of them, so its "
              "speedups may compare unlike machines" if placement_of(metadata) == "run" else
              "each comparison group was measured on one host, so compare models within a "
              "group, and not one group's times with another's")
    return f"The cluster's hosts differ ({'; '.join(differences)}): {advice}."


def shared_hosts_warning(slots: Mapping[str, int]) -> str | None:
    """A warning where a host measures several runs at once: ``slots`` gives per host the
    ``runexp`` units of its measuring workers; None where each measures one at a time."""
    several = {name: count for name, count in sorted(slots.items()) if count > 1}
    if not several:
        return None
    first, *others = several.items()
    each = ", ".join([f"{first[0]} measures up to {first[1]} runs at once",
                      *(f"{name} up to {count}" for name, count in others)])
    return (f"Measuring workers share {'a host' if not others else 'hosts'}: {each} "
            f"({'its' if not others else 'their'} workers' runexp units), and runs measured "
            "side by side disturb each other's timings; run one measuring worker per host "
            "(dask worker ... --nworkers 1 --nthreads 1 --resources runexp=1).")


def several_host_groups(groups: list[ComparisonGroup]) -> list[str]:
    return [group.name for group in groups if len(group.hosts) > 1]


def host_cores(group: ComparisonGroup, hosts: dict[str, HostFacts]) -> int | None:
    """The usable cores of the one host that measured ``group``, where known."""
    if len(group.hosts) == 1 and (facts := hosts.get(group.hosts[0])):
        return facts.usable_cores
    return None


def _text(value: object) -> str:
    return "–" if value is None else str(value)
