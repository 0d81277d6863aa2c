"""Parsing the text of settings files (symptom profiles, rules overrides)
so that a key written twice is refused by name, not silently overwritten by
its last value."""

from __future__ import annotations

import ast
import json
import re
import tomllib
from typing import Any

from footfall.errors import safe_text

__all__ = [
    "REPEATED_FIX",
    "RepeatedKeyError",
    "loads_json",
    "toml_problem",
]


_TOML_AT = re.compile(r"\(at line (\d+), column \d+\)")
_TOML_TWICE = re.compile(r"Cannot declare (\(.*\)) twice")

REPEATED_FIX = "keep the value you mean and delete the other"
"""The fix of a key (or table) written twice."""


class RepeatedKeyError(Exception):
    """A JSON object holds the same key twice."""

    def __init__(self, key: str):
        self.key = key
        super().__init__(key)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise RepeatedKeyError(key)
        out[key] = value
    return out


def loads_json(text: str) -> Any:
    """``json.loads`` that raises :class:`RepeatedKeyError` for a key an
    object holds twice (json keeps the last value without a word)."""
    return json.loads(text, object_pairs_hook=_unique_keys)


def toml_problem(text: str, exc: tomllib.TOMLDecodeError) -> tuple[str, bool]:
    """The problem a TOML error reports, in words, and whether it is a key or
    table written twice: such a key named with its line (tomllib says
    "Cannot overwrite a value"), other errors as tomllib words them."""
    msg = str(exc)
    m = _TOML_AT.search(msg)
    if m is not None and msg.startswith("Cannot overwrite a value"):
        n = int(m.group(1))
        lines = text.splitlines()
        key = lines[n - 1].split("=", 1)[0].strip() if 0 < n <= len(lines) else ""
        key = safe_text(key, 60)
        if key:
            return (
                f"key {key!r} at line {n} is given a value again (a key may be set only once)"
            ), True
    d = _TOML_TWICE.match(msg)
    if m is not None and d is not None:
        try:
            name = ".".join(ast.literal_eval(d.group(1)))
        except (ValueError, SyntaxError, TypeError):
            name = d.group(1)
        name = safe_text(name, 60)
        return f"table [{name}] is declared again at line {m.group(1)} (once only)", True
    return f"not valid TOML: {msg}", False
