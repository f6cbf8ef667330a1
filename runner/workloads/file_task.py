"""file: write a file of ``size_bytes`` and read it back, in a temporary directory."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from typing import Any

from runner.errors import WorkloadError
from runner.workloads.task import Task


@dataclass(frozen=True)
class FileTask(Task):
    count: int
    size_bytes: int
    fsync: bool

    def open(self) -> tempfile.TemporaryDirectory[str]:
        return tempfile.TemporaryDirectory(prefix="runexp-file-")

    def close(self, resource: tempfile.TemporaryDirectory[str]) -> None:
        resource.cleanup()

    def call(self, resource: tempfile.TemporaryDirectory[str], index: int) -> Any:
        path = os.path.join(resource.name, f"{index}.bin")
        data = (index.to_bytes(8, "little") * (self.size_bytes // 8 + 1))[: self.size_bytes]
        with open(path, "wb") as file:
            file.write(data)
            if self.fsync:
                file.flush()
                os.fsync(file.fileno())
        with open(path, "rb") as file:
            read = file.read()
        os.unlink(path)
        if read != data:
            raise WorkloadError(f"{path}: read back {len(read)} bytes that differ from those "
                                "written")
        return len(read)
