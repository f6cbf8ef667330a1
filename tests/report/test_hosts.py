"""What the report says of a cluster's hosts: where they differ, and where one measured
several runs at once."""

from __future__ import annotations

from runner.report.hosts import host_warnings, shared_hosts_warning
from runner.results.metadata import HostFacts, from_json
from tests.helpers import sample_metadata

ONE_AT_A_TIME = {"a": HostFacts("EPYC", 2, "a", usable_cores=2, slots=1),
                 "b": HostFacts("EPYC", 2, "b", usable_cores=2, slots=1)}


def test_a_host_that_measures_one_run_at_a_time_is_not_warned_about() -> None:
    assert shared_hosts_warning({"a": 1, "b": 1}) is None
    assert host_warnings(sample_metadata(hosts=ONE_AT_A_TIME)) == []


def test_a_shared_host_is_named_with_how_many_runs_it_measures_at_once() -> None:
    assert shared_hosts_warning({"a": 1, "b": 2}) == (
        "Measuring workers share a host: b measures up to 2 runs at once (its workers' "
        "runexp units), and runs measured side by side disturb each other's timings; run "
        "one measuring worker per host (dask worker ... --nworkers 1 --nthreads 1 "
        "--resources runexp=1).")
    several = shared_hosts_warning({"c": 3, "a": 2})
    assert several is not None
    assert several.startswith("Measuring workers share hosts: a measures up to 2 runs at "
                              "once, c up to 3 (their workers' runexp units)")


def test_the_warning_comes_from_metadata_beside_the_hosts_differences() -> None:
    hosts = {**ONE_AT_A_TIME, "b": HostFacts("EPYC", 2, "b", usable_cores=1, slots=2)}
    warnings = host_warnings(sample_metadata(hosts=hosts))
    assert len(warnings) == 2
    assert warnings[0].startswith("The cluster's hosts differ (usable cores: a 2, b 1)")
    assert warnings[1].startswith("Measuring workers share a host: b measures up to 2")


def test_slots_are_kept_in_metadata_and_older_metadata_has_none() -> None:
    metadata = sample_metadata(hosts={"b": HostFacts(host="b", slots=2)})
    assert from_json(metadata.to_json()).hosts["b"].slots == 2
    older = metadata.to_json()
    del older["hosts"]["b"]["slots"]
    assert from_json(older).hosts["b"].slots is None
    assert host_warnings(from_json(older)) == []
