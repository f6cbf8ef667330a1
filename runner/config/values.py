"""Parameter values as cell ids, --only and messages show them.

A cell id must read back unambiguously (``--resume`` and ``compare`` match runs by it),
so text that could pass for one of its delimiters, for nothing, or for a value of another
type is quoted; any other text is shown as it is, and ids of earlier runs stay the same.
"""

from __future__ import annotations

import json
from typing import Any

#: Characters that delimit a cell id's parts: a text value holding one is quoted.
_DELIMITERS = frozenset('[],=/@"\\')
#: Texts that would read as a value of another type: quoted too.
_NOT_TEXT = frozenset({"true", "false", "none", "null"})


def format_value(value: Any) -> str:
    """A parameter value as cell ids, --only and messages show it: 20.0 -> '20', 0.5 -> '0.5'.

    Text is shown as it is (``sha256``) unless it could be mistaken for a delimiter of the
    id, for nothing, or for another type: then it is quoted as JSON (``"x, y=z]"``,
    ``""``, ``"20"``, ``"true"``).
    """
    if isinstance(value, float):
        return format(value, ".15g")
    if isinstance(value, str) and _ambiguous(value):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _ambiguous(text: str) -> bool:
    if not text or text.lower() in _NOT_TEXT:
        return True
    if any(char in _DELIMITERS or not char.isprintable() or char.isspace() for char in text):
        return True
    try:
        float(text)
    except ValueError:
        return False
    return True
