"""The CI gate of ``runexp compare --fail-if-slower PCT``: which cells fail it, and why.

A cell fails when B is significantly slower than A by more than PCT per cent (verdict
slower, its Hodges-Lehmann ratio above 1 + PCT / 100), and when it cannot be judged: a
gate that cannot pass by accident. Two kinds of cells that cannot be judged may be let
through on request, as a CI user can mean them: cells one run lacks (a benchmark added
or removed) and cells whose ok runs are too few for a U test. A cell with failed runs
(errors, timeouts), or with ok runs on one side only, never passes: nothing allows a gate
to pass because B broke. Each cell that fails says where A and B ran it under different
load, as a slowdown may then be the machine's rather than the code's.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from runner.report.compare import (
    ONLY_A,
    ONLY_B,
    SLOWER,
    TOO_FEW,
    CellComparison,
    load_note,
    reason,
)


class Why(StrEnum):
    """Why a cell fails the gate (or would, but for what it was told to allow)."""

    SLOWER = "slower"
    FAILED_RUNS = "failed runs"
    NO_OK_RUN = "no ok run"
    TOO_FEW_RUNS = "too few runs"
    MISSING = "missing cell"


@dataclass(frozen=True)
class Allow:
    """The cells that cannot be judged which the gate lets through on request."""

    missing_cells: bool = False  # in one run only
    too_few_runs: bool = False  # ok runs on both sides, too few for a U test

    def lets(self, why: Why) -> bool:
        return (why is Why.MISSING and self.missing_cells) or (
            why is Why.TOO_FEW_RUNS and self.too_few_runs)


@dataclass(frozen=True)
class GateCell:
    cell: str
    why: Why
    reason: str  # in words, e.g. "1.300x slower (q 0.0152)"
    ratio: float | None
    q_value: float | None
    others_cores_a: float | None
    others_cores_b: float | None
    load: str | None  # ``load_note``: where A and B ran the cell under different load


@dataclass(frozen=True)
class Gate:
    percent: float
    allow: Allow
    failed: list[GateCell]
    let_through: list[GateCell]  # cells that cannot be judged, allowed

    @property
    def passed(self) -> bool:
        return not self.failed


def judge(rows: list[CellComparison], percent: float, allow: Allow = Allow()) -> Gate:
    """The gate over compare's rows, in their order."""
    failed: list[GateCell] = []
    let_through: list[GateCell] = []
    for row in rows:
        why = _why(row, percent)
        if why is None:
            continue
        cell = GateCell(row.cell, why, _reason(row, why), row.ratio, row.q_value,
                        row.others_cores_a, row.others_cores_b, load_note(row))
        (let_through if allow.lets(why) else failed).append(cell)
    return Gate(percent, allow, failed, let_through)


def _why(row: CellComparison, percent: float) -> Why | None:
    if row.failed_a or row.failed_b:
        return Why.FAILED_RUNS
    if row.verdict in (ONLY_A, ONLY_B):
        return Why.MISSING
    if row.verdict == TOO_FEW:  # a side without ok runs is no sample too small, but none
        return Why.NO_OK_RUN if (row.runs_a == 0) != (row.runs_b == 0) else Why.TOO_FEW_RUNS
    if row.verdict == SLOWER and row.ratio is not None and row.ratio > 1 + percent / 100:
        return Why.SLOWER
    return None


def _reason(row: CellComparison, why: Why) -> str:
    if why is Why.SLOWER:
        return f"{row.ratio:.3f}x slower (q {row.q_value:.3g})"
    if why is Why.NO_OK_RUN:
        return (f"no ok run in {'A' if row.runs_a == 0 else 'B'} ({row.runs_a} and "
                f"{row.runs_b} ok runs)")
    return reason(row)


def as_json(gate: Gate) -> dict[str, Any]:
    """The gate for scripts: its threshold (per cent), whether it passed, and each cell
    that failed it or was let through, with why."""
    def cell(item: GateCell) -> dict[str, Any]:
        return {"cell": item.cell, "why": str(item.why), "reason": item.reason,
                "ratio": item.ratio, "q_value": item.q_value,
                "others_cores_a": item.others_cores_a, "others_cores_b": item.others_cores_b,
                "load_differs": item.load is not None, "load": item.load}

    return {"threshold": gate.percent, "passed": gate.passed,
            "allow": {"missing_cells": gate.allow.missing_cells,
                      "too_few_runs": gate.allow.too_few_runs},
            "failed": [cell(item) for item in gate.failed],
            "let_through": [cell(item) for item in gate.let_through]}
