"""runexp: declarative experiments comparing Python's concurrency models.

``runner.run(path)`` and ``runner.load(run_dir)`` are the Python API (see
``runner.api``); they are imported on first use so that ``import runner``
stays cheap for the cell worker.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["Run", "load", "run"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from runner import api

        return getattr(api, name)
    raise AttributeError(f"module 'runner' has no attribute {name!r}")
