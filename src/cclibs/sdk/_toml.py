"""Writing the profiles file: TOML tables of strings and lists of strings, nothing else.

``tomllib`` reads TOML but cannot write it. The file holds only strings and string lists, and
a JSON string (ASCII, escaped by ``json.dumps``) is also a valid TOML basic string (TOML 1.0
§String), so a dozen lines do what a dependency would.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

__all__ = ["dump_tables"]

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")

Value = str | Sequence[str]


def _key(name: str) -> str:
    return name if _BARE_KEY.match(name) else json.dumps(name)


def _value(value: Value) -> str:
    if isinstance(value, str):
        return json.dumps(value)
    return "[" + ", ".join(json.dumps(item) for item in value) + "]"


def dump_tables(root: str, tables: Mapping[str, Mapping[str, Value]]) -> str:
    """``[root.name]`` tables, one per entry, keys in the given order."""
    lines: list[str] = []
    for name, table in tables.items():
        if lines:
            lines.append("")
        lines.append(f"[{_key(root)}.{_key(name)}]")
        lines.extend(f"{_key(key)} = {_value(value)}" for key, value in table.items())
    return "\n".join(lines) + "\n" if lines else ""
