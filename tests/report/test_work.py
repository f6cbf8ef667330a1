"""The kind of work, from the sync run's CPU share and what threads gained."""

from __future__ import annotations

import pytest

from runner.report.work import work_kind


@pytest.mark.parametrize(("cpu_share", "threads_speedup", "kind"), [
    (0.03, 30.0, "waiting"),
    (0.03, None, "waiting"),
    (0.49, 1.0, "waiting"),
    (0.98, 0.95, "cpu-gil-held"),
    (0.98, 1.2, "cpu-gil-held"),  # a little gain is not clearly parallel work
    (0.99, 1.8, "cpu-gil-released"),
    (0.9, 1.3, "cpu-gil-released"),
    (0.7, 1.5, "mixed"),
    (0.5, None, "mixed"),
])
def test_each_kind(cpu_share: float, threads_speedup: float | None, kind: str) -> None:
    assert work_kind(cpu_share, threads_speedup) == kind


def test_cpu_work_without_threads_leaves_the_gil_question_open() -> None:
    assert work_kind(0.98, None) is None
