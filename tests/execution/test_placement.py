"""Which worker host measures each comparison group: whole groups, spread by load."""

from __future__ import annotations

from pathlib import Path

from runner.config.loader import parse
from runner.execution.placement import Host, Placement, group_of
from runner.plan.grid import Cell, expand
from runner.plan.schedule import Job, schedule

GRID = """
name: p
workloads: [{kind: sleep, tasks: 2, duration_ms: [1, 2, 3]}]
models: [sync, threads]
pool_sizes: [2, 4]
"""
A, B = Host("a", ("10.0.0.1",), 1), Host("b", ("10.0.0.2",), 1)


def cells(text: str = GRID) -> list[Cell]:
    return expand(parse(text, Path("p.yaml")))


def hosts_of(placed: dict[str, Host]) -> dict[str, str]:
    return {group: host.name for group, host in placed.items()}


def test_every_run_of_a_group_goes_to_one_host_and_groups_spread_by_load() -> None:
    jobs = schedule(cells(), 2)
    placed = Placement().assign(jobs, [A, B])
    assert set(placed) == {group_of(job.cell) for job in jobs}  # one host per group
    assert sorted(hosts_of(placed).values()) == ["a", "a", "b"]


def test_load_is_counted_per_slot_and_the_largest_groups_go_first() -> None:
    grid = cells()
    jobs = schedule(grid, 2)  # 6 runs per group
    again = [job for job in jobs if group_of(job.cell) == group_of(grid[6])]
    big = Host("big", ("10.0.0.3",), 2)
    placed = Placement().assign([*jobs, *again], [big, B])
    # the 12-run group first, to big (a tie at 0 goes to the host listed first); then
    # b (0 < 12 / 2); then big (6 / 2 = 3 < 6 / 1)
    assert hosts_of(placed) == {group_of(grid[6]): "big", group_of(grid[0]): "b",
                                group_of(grid[3]): "big"}


def test_a_group_keeps_its_host_across_batches_and_batches_of_one_group_spread() -> None:
    placement = Placement()
    by_group: dict[str, list[Job]] = {}
    for job in schedule(cells(), 1):
        by_group.setdefault(group_of(job.cell), []).append(job)
    first, second, third = by_group.values()
    # advise: one configuration of one group at a time
    assert hosts_of(placement.assign(first[:1], [A, B])) == {group_of(first[0].cell): "a"}
    assert hosts_of(placement.assign(first[1:], [A, B])) == {group_of(first[0].cell): "a"}
    assert hosts_of(placement.assign(second[:2], [A, B])) == {group_of(second[0].cell): "b"}
    assert hosts_of(placement.assign(third, [A, B])) == {group_of(third[0].cell): "b"}


def test_a_group_whose_host_is_gone_is_placed_anew() -> None:
    placement = Placement(hosts={group_of(cells()[0]): "gone"})
    placed = placement.assign(schedule(cells()[:1], 1), [B])
    assert hosts_of(placed) == {group_of(cells()[0]): "b"}
    assert placement.hosts[group_of(cells()[0])] == "b"


def test_a_resumed_run_keeps_each_group_on_the_host_of_its_last_row() -> None:
    grid = cells()
    rows = [(grid[0].id, "a"), (grid[1].id, "b"), (grid[3].id, "a"), (grid[0].id, "b"),
            ("an/old/cell", "a")]
    placement = Placement.from_rows("group", rows, grid)
    assert placement.hosts == {group_of(grid[0]): "b", group_of(grid[3]): "a"}
    assert hosts_of(placement.assign(schedule(grid, 1), [A, B])) == {
        group_of(grid[0]): "b", group_of(grid[3]): "a", group_of(grid[6]): "a"}


def test_placement_run_restricts_nothing() -> None:
    assert Placement("run").assign(schedule(cells(), 1), [A, B]) == {}


def test_the_group_of_a_cell_is_its_workload_parameters_and_interpreter() -> None:
    grid = cells()
    assert len({group_of(cell) for cell in grid}) == 3
    assert {cell.id for cell in grid if group_of(cell) == group_of(grid[0])} == {
        "sleep[duration_ms=1]/sync", "sleep[duration_ms=1]/threads/p2",
        "sleep[duration_ms=1]/threads/p4"}
