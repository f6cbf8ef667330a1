"""report.html, plots, the JSON Schema and the Python API, on one real tiny run."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import jsonschema
import pandas as pd
import pytest
import yaml

import runner
from runner.config.experiment import json_schema
from runner.errors import ReportError
from tests.helpers import ROOT, run_cli

TINY = """
name: tiny-report
repetitions: 2
workloads:
  - kind: http
    tasks: 6
    latency_ms: 5
  - kind: sleep
    tasks: 4
    duration_ms: 2
models: [sync, threads, asyncio]
pool_sizes: [2, 4]
"""


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    (folder / "tiny.yaml").write_text(TINY)
    return runner.run(folder / "tiny.yaml", out=folder / "run").run_dir


def test_plots_are_written_as_png_and_svg(run_dir: Path) -> None:
    for name in ("wall", "speedup", "efficiency", "latency"):
        assert (run_dir / "plots" / f"{name}.png").stat().st_size > 1000
        assert (run_dir / "plots" / f"{name}.svg").read_text().lstrip().startswith("<?xml")
    assert "](plots/wall.png)" in (run_dir / "report.md").read_text()


def test_tasks_csv_holds_every_request_of_every_http_run(run_dir: Path) -> None:
    tasks = pd.read_csv(run_dir / "tasks.csv")
    runs = pd.read_csv(run_dir / "runs.csv")
    http_runs = runs[runs["workload"] == "http"]
    assert len(tasks) == 6 * len(http_runs)  # sleep records none by default
    assert (tasks["latency_s"] >= 0.005).all()


def test_report_html_is_self_contained(run_dir: Path) -> None:
    page = (run_dir / "report.html").read_text()
    assert "<script" not in page
    assert "http://" not in page.replace("http://127.0.0.1", "")
    # wall, speedup, efficiency, latency, and a timeline of http's fastest cell per model
    assert page.count('src="data:image/png;base64,') == 4 + 3


def test_report_html_in_headless_chromium(run_dir: Path, tmp_path: Path) -> None:
    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and chromedriver):
        message = "Debian's chromium and chromium-driver are not installed (.ci/run does)"
        if os.environ.get("RUNEXP_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.common.by import By

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 "--proxy-server=http://127.0.0.1:9",  # nothing may be fetched
                 f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,2000"):
        options.add_argument(flag)
    service = webdriver.ChromeService(executable_path=chromedriver)
    with webdriver.Chrome(options=options, service=service) as browser:
        browser.get((run_dir / "report.html").as_uri())
        widths = browser.execute_script(
            "return Array.from(document.images).map(i => i.complete ? i.naturalWidth : 0)")
        text = browser.find_element(By.TAG_NAME, "body").text
        browser.save_screenshot(str(tmp_path / "report.png"))
    assert len(widths) == 4 + 3  # the plots, and http's timelines
    assert all(width > 0 for width in widths)
    summary = pd.read_csv(run_dir / "summary.csv")
    for workload, table in summary.groupby("workload"):
        winner = table.sort_values("wall_median_s").iloc[0]
        # two runs a cell tell no leader apart: the headline names it without crowning it
        assert re.search(rf"(Fastest|Level|Not told apart): {winner['model']}\b", text), workload
    assert (tmp_path / "report.png").stat().st_size > 10_000


def test_the_python_api_loads_a_run(run_dir: Path) -> None:
    loaded = runner.load(run_dir)
    assert loaded.run_dir == run_dir.resolve()
    assert len(loaded.runs) == 2 * len(loaded.summary)
    assert loaded.metadata.experiment["name"] == "tiny-report"
    assert loaded.tasks is not None


def test_the_python_api_follows_latest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "q.yaml").write_text("name: q\nrepetitions: 1\nworkloads: [{kind: fib, n: 5}]\n"
                                     "models: [sync]\nisolation: inline\n")
    monkeypatch.chdir(tmp_path)
    made = runner.run("q.yaml")
    assert runner.load("results/q/latest").run_dir == made.run_dir


def test_the_schema_validates_every_example() -> None:
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    for path in sorted((ROOT / "experiments").glob("*.yaml")):
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"name": "x", "workloads": [{"kind": "fib", "taskz": 1}]}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"name": "x", "workloads": [{"kind": "fib"}], "models": ["fibers"]},
                            schema)


def test_the_schema_command_prints_it() -> None:
    done = run_cli("schema")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["title"] == "runexp experiment"


def test_the_committed_schema_is_current() -> None:
    committed = json.loads((ROOT / "docs" / "experiment.schema.json").read_text())
    assert committed == json_schema(), "run: runexp schema > docs/experiment.schema.json"


def test_a_run_whose_every_run_failed_says_so_without_plots_or_warnings(tmp_path: Path) -> None:
    (tmp_path / "boom.py").write_text("def work(index, args):\n    raise RuntimeError('boom')\n")
    (tmp_path / "boom.yaml").write_text(
        "name: boom\nrepetitions: 1\nworkloads: [{kind: callable, target: 'boom:work', "
        "tasks: 2}]\nmodels: [sync, threads]\npool_sizes: [2]\n")
    done = run_cli("run", "boom.yaml", "--out", tmp_path / "run", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "Warning" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    report = (tmp_path / "run" / "report.md").read_text()
    assert "**No run succeeded**" in report
    assert "Fastest" not in report and "## Plots" not in report
    assert list((tmp_path / "run" / "plots").iterdir()) == []
    page = (tmp_path / "run" / "report.html").read_text()
    assert "<strong>No run succeeded</strong>" in page and 'class="winner"' not in page


def test_a_drawing_failure_keeps_the_tables_and_says_why(
        run_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from runner.execution.pipeline import write_reports
    from runner.report import plots

    def broken(*args: object) -> None:
        raise RuntimeError("no usable font")

    copy = shutil.copytree(run_dir, tmp_path / "run", symlinks=True)
    for name in ("summary.csv", "report.md", "report.html"):
        (copy / name).unlink()
    monkeypatch.setattr(plots, "_wall", broken)
    with pytest.raises(ReportError, match=r"could not be drawn \(RuntimeError: no usable font\)"):
        write_reports(copy)
    assert (copy / "summary.csv").exists()
    for name in ("report.md", "report.html"):
        text = (copy / name).read_text()
        assert "The plots could not be drawn (RuntimeError: no usable font)." in text, name
        assert re.search(r"(Fastest|Level|Not told apart): (asyncio|threads)", text), name
