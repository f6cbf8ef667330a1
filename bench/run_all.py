"""Run every benchmark and print a table: target, measured, pass/fail.

    python bench/run_all.py

Each script prints its own figures as it goes, then ``RESULT {json}`` lines
that this table collects. Takes about 8 minutes on a 2-core machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = [
    ["fidelity.py"],
    ["fixed_cost.py"],
    ["scale.py"],
    ["cv_vs_pyperf.py", "--slots", "30"],
]


def main() -> None:
    start = time.perf_counter()
    rows: list[dict[str, object]] = []
    for script, *args in SCRIPTS:
        print(f"== {script} {' '.join(args)}", flush=True)
        process = subprocess.Popen([sys.executable, str(HERE / script), *args], cwd=HERE,
                                   stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("RESULT "):
                rows.append(json.loads(line.removeprefix("RESULT ")))
            else:
                print(f"   {line}", end="", flush=True)
        if process.wait() != 0:
            rows.append({"target": f"{script} ran", "measured": f"exit {process.returncode}",
                         "pass": False})
    width = max(len(str(row["target"])) for row in rows)
    print(f"\n{'target':<{width}}  {'measured':<24}  result")
    for row in rows:
        print(f"{row['target']!s:<{width}}  {row['measured']!s:<24}  "
              f"{'pass' if row['pass'] else 'FAIL'}")
    print(f"\n{sum(bool(r['pass']) for r in rows)} of {len(rows)} targets met in "
          f"{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
