"""Calls in flight, from the tasks' starts and latencies."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from runner.report.in_flight import in_flight, most_at_once


def test_the_most_at_once_counts_overlaps_and_not_touching_ends() -> None:
    starts = np.array([0.0, 0.1, 0.2, 1.0])
    ends = np.array([1.0, 0.5, 0.3, 1.5])
    assert most_at_once(starts, ends) == 3
    assert most_at_once(np.array([0.0, 1.0]), np.array([1.0, 2.0])) == 1


def tasks(cell: str, repetition: int, spans: list[tuple[float, float]]) -> pd.DataFrame:
    return pd.DataFrame({"cell": cell, "repetition": repetition,
                         "start_s": [s for s, _ in spans], "latency_s": [d for _, d in spans]})


def test_a_cells_figures_are_the_medians_over_its_runs() -> None:
    # six calls of 1 s through a pool of 6 that a semaphore lets 2 through at a time:
    # the calls are all in flight (waiting counts), 3 s in all
    capped = [(0.0, 1.0), (0.0, 1.0), (0.0, 2.0), (0.0, 2.0), (0.0, 3.0), (0.0, 3.0)]
    frame = pd.concat([tasks("w/threads/p6", 1, capped), tasks("w/threads/p6", 2, capped),
                       tasks("w/sync", 1, [(0.0, 1.0), (1.0, 1.0)])])
    found = in_flight(frame)
    assert found["w/threads/p6"].most == 6
    assert found["w/threads/p6"].mean == pytest.approx(12 / 3)
    assert (found["w/sync"].most, found["w/sync"].mean) == (1, 1)


def test_no_task_rows_no_figures() -> None:
    assert in_flight(None) == {}
