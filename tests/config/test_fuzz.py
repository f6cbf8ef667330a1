"""Property: whatever a YAML file holds, `runexp validate` answers 0 or 2, never a traceback.

Random YAML documents and random mutations of the example experiments, with a
fixed seed (derandomize) and at least 500 examples each, run in-process through
the real CLI.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from runner.cli.app import app
from tests.helpers import ROOT

EXAMPLES = [path.read_text() for path in sorted((ROOT / "experiments").glob("*.yaml"))]
KEYS = ["name", "workloads", "kind", "tasks", "n", "models", "pool_sizes", "exclude", "zip",
        "repetitions", "warmups", "timeout_s", "latency_ms", "urls", "label", "python"]
runner = CliRunner()
FUZZ = settings(max_examples=500, derandomize=True, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                    st.floats(allow_nan=True), st.text(max_size=20),
                    st.sampled_from(["fib", "http", "sleep", "sync", "threads", "x" * 300]))
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), children,
                        max_size=6)),
    max_leaves=30,
)


def validate(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code in (0, 2), (result.exit_code, result.output, text)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        repr(result.exception), text)
    assert "Traceback" not in result.output


@FUZZ
@given(documents)
def test_random_documents(document: object) -> None:
    validate(yaml.safe_dump(document, allow_unicode=True))


@FUZZ
@given(st.sampled_from(EXAMPLES), st.data())
def test_mutated_examples(example: str, data: st.DataObject) -> None:
    lines = example.splitlines()
    for _ in range(data.draw(st.integers(1, 3))):
        where = data.draw(st.integers(0, max(0, len(lines) - 1)))
        action = data.draw(st.sampled_from(["drop", "duplicate", "edit", "insert", "indent"]))
        if not lines:
            break
        if action == "drop":
            del lines[where]
        elif action == "duplicate":
            lines.insert(where, lines[where])
        elif action == "edit":
            line = lines[where]
            at = data.draw(st.integers(0, len(line)))
            lines[where] = line[:at] + data.draw(st.text(max_size=6)) + line[at + 1:]
        elif action == "insert":
            lines.insert(where, data.draw(st.text(max_size=30)))
        else:
            lines[where] = "  " + lines[where]
    validate("\n".join(lines) + "\n")
