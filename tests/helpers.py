"""What several test modules use: the repository root and the CLI in a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str | Path, cwd: Path | None = None, timeout: float = 120
            ) -> subprocess.CompletedProcess[str]:
    """``python -m runner ARGS`` in a real subprocess, as a user would run ``runexp``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "runner", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, env=env, check=False)
