"""JSON on the hot paths: orjson where it gives the same values, the standard library where
it would not.

A page of 100 elements is about 100 KB of JSON written, and 200 stored texts read (each
element's data and representations): the standard library took 0.68 and 0.61 ms for those,
orjson 0.06 and 0.21 ms, byte for byte the same page (bench/README.md).

- ``dumps``: compact UTF-8, non-ASCII as it is: what Starlette's ``JSONResponse`` writes.
  orjson refuses integers past 64 bits and keys that are not text; such values are written
  by the standard library instead, so every value is written. Floats may be spelled
  differently (``1e-7`` for ``1e-07``): the same number. NaN and infinity, which JSON cannot
  carry (the API refuses them on input), are written as ``null`` rather than failing.
- ``loads``: orjson would read an integer past 64 bits as a float, silently. What it read is
  kept only when it writes back as the very text it came from; otherwise (such an integer,
  a float the standard library spelled its own way, a text that is not compact) the text is
  read again by the standard library. The check costs less than the time orjson saves.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["dumps", "loads"]


def dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:  # orjson.JSONEncodeError: a large integer, a key that is not text
        return json.dumps(
            value, ensure_ascii=False, allow_nan=False, separators=(",", ":")
        ).encode()


def loads(text: str) -> Any:
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:  # 1e400, say: the standard library reads it as infinity
        return json.loads(text)
    # The value is the standard library's when it writes back as the same text; an integer
    # read as a float does not (the stored texts are compact, as ``dumps`` writes them).
    if orjson.dumps(value) == text.encode():
        return value
    return json.loads(text)
