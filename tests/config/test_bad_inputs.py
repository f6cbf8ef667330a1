"""The corpus of broken experiment files: each names its line and message in its
first line (``# expect: LINE: fragment``), and must be refused with exit 2."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT, run_cli

CORPUS = sorted((Path(__file__).parent / "bad_inputs").glob("*.yaml"))
EXPECT = re.compile(r"^# expect: (\d+): (.+)$")


def expectation(path: Path) -> tuple[int, str]:
    match = EXPECT.match(path.read_text(encoding="utf-8", errors="replace").splitlines()[0])
    assert match, f"{path.name}: first line must be '# expect: LINE: fragment'"
    return int(match.group(1)), match.group(2)


def test_the_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 30


@pytest.fixture(scope="module")
def validated() -> subprocess.CompletedProcess[str]:
    """One `runexp validate` over the whole corpus (each file reports on its own)."""
    return run_cli("validate", *CORPUS, cwd=ROOT)


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_each_bad_file_gets_its_line_and_message(path: Path,
                                                 validated: subprocess.CompletedProcess[str]
                                                 ) -> None:
    line, fragment = expectation(path)
    lines = [text for text in validated.stderr.splitlines() if text.startswith(f"{path}:")]
    assert lines, f"no error reported for {path.name}"
    assert any(text.startswith(f"{path}:{line}:") and fragment in text for text in lines), (
        "\n".join(lines))


def test_the_corpus_exits_2_without_a_traceback(
        validated: subprocess.CompletedProcess[str]) -> None:
    assert validated.returncode == 2
    assert "Traceback" not in validated.stderr
    assert validated.stdout == ""  # not one of them passed


def test_a_billion_laughs_is_refused_fast_in_little_memory(tmp_path: Path) -> None:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    bomb = tmp_path / "laughs.yaml"
    bomb.write_text("\n".join(lines) + "\nname: x\nworkloads: [{kind: fib}]\n")
    # The peak is read from VmHWM after resetting it: ru_maxrss would still hold
    # the size of the pytest process this child was forked from.
    code = ("import sys, time\nfrom pathlib import Path\n"
            "Path('/proc/self/clear_refs').write_text('5')\n"
            "from runner.config.loader import load\nfrom runner.errors import ConfigError\n"
            "start = time.perf_counter()\ntry:\n    load(Path(sys.argv[1]))\n"
            "except ConfigError as e:\n    print(e)\n"
            "peak = next(line.split()[1] for line in open('/proc/self/status')\n"
            "            if line.startswith('VmHWM:'))\n"
            "print(time.perf_counter() - start, peak)")
    done = subprocess.run([sys.executable, "-c", code, str(bomb)], capture_output=True,
                          text=True, timeout=60, cwd=ROOT, check=True)
    message, figures = done.stdout.strip().rsplit("\n", 1)
    seconds, peak_kb = figures.split()
    assert "expands to more than" in message
    assert float(seconds) < 1
    assert int(peak_kb) < 100 * 1024
    refused = run_cli("validate", bomb)
    assert refused.returncode == 2
    assert "Traceback" not in refused.stderr


def test_a_huge_grid_needs_yes(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text("name: huge\nworkloads:\n  - kind: sleep\n    duration_ms: 0.0\n"
                    f"    tasks: {list(range(1, 12_001))}\nmodels: [sync]\n")
    done = run_cli("run", path, "--out", tmp_path / "out")
    assert done.returncode == 2
    assert "12,000 cells, more than 10,000" in done.stderr and "--yes" in done.stderr
    assert not (tmp_path / "out").exists()


def test_existing_results_are_never_overwritten(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "runs.csv").write_text("precious\n")
    path = tmp_path / "x.yaml"
    path.write_text("name: x\nrepetitions: 1\nworkloads: [{kind: fib, n: 5}]\nmodels: [sync]\n")
    done = run_cli("run", path, "--out", out)
    assert done.returncode == 2
    assert "is not an empty directory" in done.stderr
    assert (out / "runs.csv").read_text() == "precious\n"
