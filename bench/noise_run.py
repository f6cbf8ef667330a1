"""Running the runner for bench/advise_noise.py: a CLI command with a timeout, and the
quiet reference grid of one workload (measured, or read from its cache)."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml
from common import ROOT
from hog import OthersMeter
from noise_score import key

NOISE = ROOT / "bench" / "noise"
POOLED = ("threads", "asyncio", "processes")


def env() -> dict[str, str]:
    """bench/noise on the import path: the lock workload's module, for every process."""
    paths = [str(NOISE), os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}


def spec(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((NOISE / f"{name}.yaml").read_text(encoding="utf-8"))
    return loaded


def reference_pools(tasks: int) -> list[int]:
    pools = [p for p in (2, 4, 8, 16) if p <= tasks]
    return [*pools, tasks] if tasks <= 32 and tasks not in pools else pools


def run_cli(argv: list[str], log: Path, timeout_s: float) -> int:
    """``python -m runner ARGV``, output to ``log``; SIGINT past the timeout (advise then
    writes its answer so far), SIGKILL 30 s later; never left running."""
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen([sys.executable, "-m", "runner", *argv], cwd=ROOT,
                                   env=env(), stdout=out, stderr=subprocess.STDOUT)
        try:
            return process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            print(f"    timed out after {timeout_s:.0f} s: interrupting", flush=True)
            process.send_signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                return process.wait(timeout=30)
            return -9
        finally:  # Ctrl-C reached it too (same process group): a moment to finish
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
            if process.poll() is None:
                process.kill()
                process.wait()


def tail(log: Path, lines: int = 8) -> str:
    text = log.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join("      " + line for line in text[-lines:])


def measure_reference(name: str, rounds: int, folder: Path) -> dict[str, Any]:
    """The quiet interleaved grid of one workload, as the cache stores it."""
    workload = spec(name)["workloads"][0]
    pools = reference_pools(int(workload["tasks"]))
    grid = folder / f"{name}-reference.yaml"
    grid.write_text(yaml.safe_dump({
        "name": f"noise-reference-{name}", "repetitions": rounds, "isolation": "process",
        "order": "interleaved", "workloads": [workload],
        "models": {"sync": {}, **{m: {"pool_sizes": pools} for m in POOLED}}},
        sort_keys=False), encoding="utf-8")
    out = folder / f"{name}-reference"
    cells = 1 + len(POOLED) * len(pools)
    print(f"  reference: {cells} configurations x {rounds} interleaved rounds, quiet",
          flush=True)
    start, load = time.perf_counter(), os.getloadavg()[0]
    with OthersMeter() as meter:
        code = run_cli(["run", str(grid), "--out", str(out)], folder / f"{name}-ref.log",
                       timeout_s=600 + 3 * rounds * cells)
    if code != 0 and not (out / "runs.csv").exists():
        raise RuntimeError(f"runexp run of the reference failed (exit {code}):\n"
                           f"{tail(folder / f'{name}-ref.log')}")
    walls: dict[str, list[float | None]] = {}
    with (out / "runs.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            config = key(row["model"], int(row["pool_size"]))
            values = walls.setdefault(config, [None] * rounds)
            ok = row["status"] == "ok" and row["wall_s"]
            values[int(row["repetition"]) - 1] = float(row["wall_s"]) if ok else None
    return {"spec": workload, "pools": pools, "rounds": rounds,
            "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "seconds": round(time.perf_counter() - start, 1), "load_before": load,
            "others_cores": meter.others_cores, "walls": walls}


def get_reference(name: str, cache: dict[str, Any], path: Path, rounds: int, rerun: str,
                  folder: Path) -> dict[str, Any] | None:
    """The cached reference where it matches (``rerun`` "never": any cached one, else
    None; "always": none), else one measured now and written to ``path``."""
    workload = spec(name)["workloads"][0]
    held: dict[str, Any] = cache.get(name) or {}
    matches = held.get("spec") == workload
    pools_match = matches and held["pools"] == reference_pools(int(workload["tasks"]))
    if matches and (rerun == "never" or (
            pools_match and held["rounds"] >= rounds and rerun != "always")):
        print(f"  reference: cached ({held['rounds']} rounds, {held['measured_at']})",
              flush=True)
        return held
    if rerun == "never":
        print(f"  reference: none cached for this workload in {path}; skipped "
              "(--no-reference-rerun)", flush=True)
        return None
    held = cache[name] = measure_reference(name, rounds, folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(cache, indent=1), encoding="utf-8")
    return held
