"""runexp: declarative experiments comparing Python's concurrency models."""

from __future__ import annotations

__version__ = "0.1.0"
