"""http's connector_limit: none by default, aiohttp's own 100 (or any cap) on request."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pydantic import ValidationError

from runner.config.experiment import Experiment, json_schema
from runner.workloads.http import HttpSpec
from runner.workloads.http_task import HttpTask

URLS = ["http://127.0.0.1:9/"]


class NoServer:
    def embedded_server(self) -> str:
        raise AssertionError("urls are given: no embedded server")


def spec(**fields: Any) -> HttpSpec:
    return HttpSpec.model_validate({"kind": "http", "urls": URLS, **fields})


def limit_of(task: HttpTask) -> int:
    async def opened() -> int:
        async with task.async_resource(4) as session:
            assert session.connector is not None
            return int(session.connector.limit)

    return asyncio.run(opened())


def test_runexps_default_lifts_the_cap_and_a_limit_puts_it_back() -> None:
    params = {"tasks": 2}
    lifted = spec().make_task(params, NoServer())
    assert isinstance(lifted, HttpTask)
    assert limit_of(lifted) == 0
    capped = spec(connector_limit=100).make_task(params, NoServer())
    assert isinstance(capped, HttpTask)
    assert capped.connector_limit == 100
    assert limit_of(capped) == 100


@pytest.mark.parametrize("value", [-1, "100", 1.5, True])
def test_a_limit_is_a_whole_number_from_zero(value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        spec(connector_limit=value)
    assert caught.value.errors()[0]["loc"] == ("connector_limit",)


def test_the_schema_has_it() -> None:
    Experiment.model_validate({"name": "t", "workloads": [
        {"kind": "http", "tasks": 160, "latency_ms": 100, "connector_limit": 100}]})
    found = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "connector_limit" in node.get("properties", {}):
                found.append(node["properties"]["connector_limit"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json_schema())
    [limit] = found
    assert (limit["type"], limit["minimum"], limit["default"]) == ("integer", 0, 0)
