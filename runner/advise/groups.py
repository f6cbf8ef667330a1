"""The parameter sets advise searches, one group each: its base cell, the candidates it
measured as cells, and what their runs said."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from runner.advise.failing import Failing
from runner.advise.trial import Answer, Config
from runner.config.loader import ExperimentFile
from runner.plan.grid import Cell, cell_id, expand

#: The largest pool searched by default (or the task count, where smaller).
DEFAULT_MAX_POOL = 256


@dataclass
class Group:
    """One workload parameter set: the search's candidates and what it measured."""

    name: str
    base: Cell
    max_pool: int
    #: pooled model -> the most units its pool can run at once, where below max_pool
    in_flight: dict[str, int] = field(default_factory=dict)
    cells: dict[Config, Cell] = field(default_factory=dict)
    cpus: dict[Config, list[float]] = field(default_factory=dict)
    answer: Answer | None = None
    failing: Failing = field(default_factory=Failing)

    def cell(self, config: Config, options: Mapping[str, Any]) -> Cell:
        """The cell of a configuration measured (the report's grid is made of these)."""
        if config not in self.cells:
            self.cells[config] = self.candidate(config, options)
        return self.cells[config]

    def candidate(self, config: Config, options: Mapping[str, Any]) -> Cell:
        base = self.base
        return Cell(cell_id(base.workload, base.params, config.model, config.pool_size),
                    base.workload, base.params, config.model, config.pool_size,
                    options[config.model])


def parameter_sets(source: ExperimentFile, max_pool: int | None) -> list[Group]:
    """One group per workload parameter set, in file order."""
    groups: dict[str, Group] = {}
    for cell in expand(source.experiment):
        name = cell_id(cell.workload, cell.params, "sync", 1).removesuffix("/sync")
        if name not in groups:
            tasks = cell.params.get("tasks")
            default = min(tasks, DEFAULT_MAX_POOL) if isinstance(tasks, int) else (
                DEFAULT_MAX_POOL)
            groups[name] = Group(name, cell, max_pool or default)
    return list(groups.values())
