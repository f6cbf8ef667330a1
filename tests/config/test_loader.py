from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from runner.config.loader import MAX_NODES, load
from runner.errors import ConfigError
from tests.helpers import ROOT

WriteYaml = Callable[..., Path]


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load(path)
    return [str(p) for p in caught.value.problems]


def test_a_valid_file_keeps_its_text(write_yaml: WriteYaml) -> None:
    path = write_yaml("""
        name: ok
        workloads:
          - kind: fib
            n: 20
    """)
    source = load(path)
    assert source.experiment.name == "ok"
    assert source.text == path.read_text()


def test_errors_carry_file_line_column_and_field(write_yaml: WriteYaml) -> None:
    path = write_yaml("""
        name: demo
        repetitions: -2
        workloads:
          - kind: fib
            n: [20, "x"]
            taskz: 3
        models: [sync, thread]
    """)
    found = problems(path)
    assert f"{path}:2:1: repetitions: Input should be greater than or equal to 1 (got -2)" in found
    assert any(p.startswith(f"{path}:5:13: workloads.0.n.1:") and "integer" in p for p in found)
    assert any(p.startswith(f"{path}:6:5: workloads.0.taskz:") and "did you mean 'tasks'" in p
               for p in found)
    assert any(p.startswith(f"{path}:7:") and "models.1" in p and "did you mean 'threads'" in p
               for p in found)


def test_yaml_syntax_errors_have_a_line(write_yaml: WriteYaml) -> None:
    path = write_yaml("name: x\nworkloads: [\n  {kind: fib\n")
    [problem] = problems(path)
    assert problem.startswith(f"{path}:4:")
    assert "invalid YAML" in problem


@pytest.mark.parametrize(("text", "fragment"), [
    ("", "empty"),
    ("# only a comment\n", "empty"),
    ("- a\n- b\n", "top level is a list"),
    ("name: x\nname: y\nworkloads: [{kind: fib}]\n", "appears twice"),
])
def test_unusable_documents(write_yaml: WriteYaml, text: str, fragment: str) -> None:
    path = write_yaml(text)
    assert any(fragment in p for p in problems(path))


def test_missing_directory_and_binary_files(tmp_path: Path) -> None:
    assert problems(tmp_path / "nope.yaml") == [f"{tmp_path / 'nope.yaml'}: no such file"]
    assert "is a directory" in problems(tmp_path)[0]
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"name: x\n\xff\xfe")
    assert problems(binary)[0].startswith(f"{binary}:2:1: not UTF-8")


@pytest.mark.parametrize(("text", "fragment"), [
    ("name: !!python/object/apply:os.system ['true']\n", "unsupported YAML tag"),
    ("name: !!python/name:os.system\n", "could not determine a constructor"),
    ("name: x\nworkloads: !custom {}\n", "unsupported YAML tag"),
])
def test_python_and_custom_tags_are_refused(write_yaml: WriteYaml, text: str,
                                            fragment: str) -> None:
    [problem] = problems(write_yaml(text))
    assert fragment in problem


def test_alias_bombs_are_refused_quickly(write_yaml: WriteYaml) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, "
              f"*a{i-1}, *a{i-1}, *a{i-1}]" for i in range(1, 9)]
    path = write_yaml("\n".join(lines) + "\nname: x\n")
    start = time.perf_counter()
    assert any(f"more than {MAX_NODES:,}" in p for p in problems(path))
    assert time.perf_counter() - start < 5  # generous: it must not expand 10**9 values


def test_merge_keys_work(write_yaml: WriteYaml) -> None:
    path = write_yaml("""
        base: &base {kind: fib, tasks: 2}
        name: merged
        workloads:
          - <<: *base
            n: 10
    """)
    assert any("unknown key 'base'" in p for p in problems(path))
    path = write_yaml("""
        name: merged
        workloads:
          - &fast {kind: fib, tasks: 2, n: 10, label: a}
          - <<: *fast
            label: b
    """)
    assert [w.name for w in load(path).experiment.workloads] == ["a", "b"]


@pytest.mark.parametrize(("line", "field", "suggestion"), [
    ("{kind: http, size_bytes: 1e6}", "workloads.0.size_bytes", "1000000"),
    ("{kind: sleep, duration_ms: 25e-3}", "workloads.0.duration_ms", "0.025"),
    ("{kind: sleep, duration_ms: [1, 1E3]}", "workloads.0.duration_ms.1", "1000"),
])
def test_a_number_in_exponent_notation_read_as_text_is_explained(
        write_yaml: WriteYaml, line: str, field: str, suggestion: str) -> None:
    path = write_yaml(f"name: x\nworkloads: [{line}]\n")
    [problem] = problems(path)
    assert problem.startswith(f"{path}:2:") and f" {field}: " in problem, problem
    assert "YAML reads" in problem and "as text" in problem and f"write {suggestion}" in problem


def test_whole_numbers_stay_whole_in_messages(write_yaml: WriteYaml) -> None:
    path = write_yaml("""
        name: x
        workloads: [{kind: sleep, duration_ms: [20, 20]}]
    """)
    [problem] = problems(path)
    assert "value 20 is listed twice" in problem, problem
    path = write_yaml("""
        name: x
        workloads: [{kind: sleep, duration_ms: [5, 20]}]
        exclude: [{duration_ms: 7}]
    """)
    [problem] = problems(path)
    assert "values here: 5, 20)" in problem, problem


def test_the_documented_example_error_is_the_real_one(write_yaml: WriteYaml) -> None:
    page = (ROOT / "docs" / "reference" / "experiment-file.md").read_text(encoding="utf-8")
    [shown] = [line for line in page.splitlines() if line.startswith("typo.yaml:6:5:")]
    path = write_yaml("""
        name: typo
        repetitions: 2
        models: [sync, threads]
        workloads:
          - kind: fib
            taskz: 40
    """, name="typo.yaml")
    [problem] = problems(path)
    assert "record_tasks" in problem
    assert problem == str(path.parent / shown)


def test_a_plugin_set_aside_is_named_where_a_file_uses_it(
        write_yaml: WriteYaml, monkeypatch: pytest.MonkeyPatch) -> None:
    import runner.config.experiment
    import runner.workloads
    from runner.plugins import BrokenPlugin

    def broken(name: str, group: str) -> BrokenPlugin:
        return BrokenPlugin(name, group, f"pkg:{name.title()}", "pkg 1.0",
                            "SyntaxError: invalid syntax (pkg.py, line 1)")

    monkeypatch.setitem(runner.workloads.BROKEN, "gone", broken("gone", "runexp.workloads"))
    monkeypatch.setitem(runner.config.experiment.BROKEN_MODELS, "lost",
                        broken("lost", "runexp.models"))
    path = write_yaml("""
        name: x
        workloads:
          - tasks: 2
            kind: gone
          - kind: fib
        models: [sync, lost]
    """)
    found = problems(path)
    assert found == [
        f"{path}:4:5: workloads.0.kind: plugin 'gone' (runexp.workloads: pkg:Gone) cannot be "
        "used: SyntaxError: invalid syntax (pkg.py, line 1) (installed by pkg 1.0)",
        f"{path}:6:16: models.1: plugin 'lost' (runexp.models: pkg:Lost) cannot be used: "
        "SyntaxError: invalid syntax (pkg.py, line 1) (installed by pkg 1.0)"]
