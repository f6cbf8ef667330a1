"""Concurrency models, registered by name in the order reports list them.

Adding a model is one new module with a ``Model`` subclass and one entry below.
Model modules import no pydantic (their options live in ``options.py``), so
the cell worker that runs them starts fast.
"""

from __future__ import annotations

from runner.models.aio import AsyncioModel
from runner.models.base import Model, Options
from runner.models.processes import ProcessesModel
from runner.models.sync import SyncModel
from runner.models.threads import ThreadsModel

MODELS: dict[str, Model] = {
    model.name: model
    for model in (SyncModel(), ThreadsModel(), AsyncioModel(), ProcessesModel())
}

__all__ = ["MODELS", "Model", "Options"]
