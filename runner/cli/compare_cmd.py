"""`runexp compare`: two runs compared, as a table or one JSON document, and the CI
gate's verdict in words."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runner.report.gate import Allow, Gate, Why


@dataclass(frozen=True)
class CompareOptions:
    alpha: float
    csv: Path | None = None
    markdown: Path | None = None
    json_out: bool = False
    fail_if_slower: float | None = None  # per cent; None: no gate
    allow: Allow = field(default_factory=Allow)


@dataclass(frozen=True)
class Compared:
    output: str  # for standard output: the table, or the JSON document
    warnings: list[str]  # for standard error
    gate: Gate | None


def compare(run_a: Path, run_b: Path, options: CompareOptions) -> Compared:
    """Compare, write the CSV and Markdown asked for, and judge the gate; raises
    RunexpError."""
    import json

    from runner.report import compare as comparison
    from runner.report.gate import as_json, judge
    from runner.results.readers import problems
    from runner.results.rundir import INPUT, METADATA, TASKS

    for option, path in (("--csv", options.csv), ("--markdown", options.markdown)):
        if path is not None:
            comparison.check_output(path, option)
    compared = comparison.compare(run_a, run_b, options.alpha)
    rows, load = compared.rows, comparison.load_warnings(compared)
    warnings = [f"{problem} (not needed to compare)"  # compare reads runs.csv alone
                for run_dir in dict.fromkeys((run_a, run_b))
                for problem in problems(run_dir, (METADATA, INPUT, TASKS))]
    gate = None if options.fail_if_slower is None else judge(rows, options.fail_if_slower,
                                                              options.allow)
    if options.json_out:
        document: dict[str, Any] = {
            "a": str(run_a), "b": str(run_b), "alpha": options.alpha,
            "rows": comparison.as_json(rows), "warnings": [*warnings, *load],
            "gate": None if gate is None else as_json(gate)}
        output, warnings = json.dumps(document, indent=1), [*warnings, *load]
    else:  # the load warnings close the table
        output = comparison.as_text(rows, run_a, run_b, options.alpha, load)
    if options.csv is not None:
        comparison.write_csv(rows, options.csv)
    if options.markdown is not None:
        comparison.write_markdown(rows, options.markdown)
    return Compared(output, warnings, gate)


#: The option that lets each kind of cell that cannot be judged through the gate.
ALLOWED_BY = {Why.MISSING: ("--allow-missing-cells", "cells one run lacks"),
              Why.TOO_FEW_RUNS: ("--allow-too-few-runs", "cells with too few ok runs")}


def gate_lines(gate: Gate) -> list[str]:
    """What standard error says of the gate: each cell that fails it with why, what
    would let it through, and a warning where A and B ran those cells under different
    load; where it passes, the cells let through."""
    if gate.passed:
        return [f"compare: the gate passes, letting through {len(gate.let_through)} "
                f"cell{'s' * (len(gate.let_through) != 1)} that cannot be judged: "
                + ", ".join(f"{item.cell} ({item.reason})" for item in gate.let_through)
                ] if gate.let_through else []
    lines = [f"compare: the gate fails (slower by more than {gate.percent:g}%, or not "
             "judged):"]
    for item in gate.failed:
        what = item.reason if item.why is Why.SLOWER else f"cannot be judged: {item.reason}"
        lines.append(f"  {item.cell}: {what}" + (f"; {item.load}" if item.load else ""))
    kinds = dict.fromkeys(item.why for item in gate.failed)
    lines += [f"{option} lets {what} pass" for why, (option, what) in ALLOWED_BY.items()
              if why in kinds]
    if Why.FAILED_RUNS in kinds or Why.NO_OK_RUN in kinds:
        lines.append("failed runs, and ok runs on one side only, always fail the gate")
    loaded = [item for item in gate.failed if item.load]
    if loaded:
        lines.append(f"{len(loaded)} of these cells ran under different load in A and B: "
                     "the difference may be the machine's, not the code's; measure A and B "
                     "under like load to tell")
    return lines
