"""hash: SHA-256 of an in-memory buffer; hashlib releases the GIL for large inputs."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from runner.workloads.task import Task


@dataclass(frozen=True)
class HashTask(Task):
    count: int
    size_bytes: int

    def open(self) -> bytes:
        # One buffer per worker, made before the first unit: the work measured is
        # hashing, not allocating.
        return bytes(range(256)) * (self.size_bytes // 256) + bytes(self.size_bytes % 256)

    def call(self, resource: bytes, index: int) -> Any:
        return hashlib.sha256(resource).digest()
