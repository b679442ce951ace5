"""Checks of single JSON values, shared by every checker of the package.

Adobe validates in two layers (compat reference §1.6): Jackson coerces the JSON into typed
Java fields, then explicit rules run. A coercion failure there can surface as a 500; here
both layers raise ``InvalidElement`` (400), naming the field and what it may hold.

A field that is absent and a field that is JSON ``null`` are the same thing for optional
fields, as they are for Jackson's boxed types. Messages never repeat the offending value:
it may be large, and it is the caller's data.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

from cclibs.libraries.errors import InvalidElement

__all__ = [
    "ANY_NUMBER",
    "INT32_MAX",
    "INT64_MAX",
    "Range",
    "ValueChecker",
    "check_fields",
    "each_item",
    "is_number",
    "need_bool",
    "need_list",
    "need_nonblank",
    "need_number",
    "need_object",
    "need_one_of",
    "need_string",
    "number_in",
    "one_of",
]

ValueChecker = Callable[[Any, str], object]
"""Checks one JSON value found at the field path given as the second argument; raises
``InvalidElement`` or returns (anything: the return value is not used)."""

INT64_MAX = 2**63 - 1
INT32_MAX = 2**31 - 1


@dataclass(frozen=True, slots=True)
class Range:
    """The numbers a field may hold: ``low``/``high`` inclusive, ``above`` exclusive."""

    low: float | None = None
    high: float | None = None
    above: float | None = None
    integer: bool = False

    def contains(self, value: float) -> bool:
        if self.integer and not isinstance(value, int):
            return False
        if self.low is not None and value < self.low:
            return False
        if self.high is not None and value > self.high:
            return False
        return self.above is None or value > self.above

    def describe(self) -> str:
        kind = "an integer" if self.integer else "a number"
        if self.low is not None and self.high is not None:
            return f"{kind} from {_show(self.low)} to {_show(self.high)}"
        if self.above is not None:
            return f"{kind} greater than {_show(self.above)}"
        if self.low is not None:
            return f"{kind} of at least {_show(self.low)}"
        if self.high is not None:
            return f"{kind} of at most {_show(self.high)}"
        return kind


def _show(bound: float) -> str:
    return str(int(bound)) if float(bound).is_integer() else str(bound)


ANY_NUMBER = Range()


def is_number(value: object) -> TypeGuard[float]:
    """A JSON number: never a bool (Python's ``True`` is an ``int``), never NaN or infinity."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        # math.isfinite overflows on ints past float range; every int is finite anyway.
        return True
    return isinstance(value, float) and math.isfinite(value)


def need_number(value: object, field: str, allowed: Range = ANY_NUMBER) -> None:
    if not (is_number(value) and allowed.contains(value)):
        raise InvalidElement(field, f"must be {allowed.describe()}")


def need_object(value: object, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidElement(field, "must be a JSON object")
    return value


def need_list(value: object, field: str, *, min_items: int = 0) -> list[Any]:
    if not isinstance(value, list | tuple):
        raise InvalidElement(field, "must be a JSON array")
    if len(value) < min_items:
        raise InvalidElement(field, f"must hold at least {min_items} item(s)")
    return list(value)


def need_string(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise InvalidElement(field, "must be a string")
    return value


def need_nonblank(value: object, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidElement(field, "must be a non-blank string")
    return value


def need_bool(value: object, field: str) -> None:
    if not isinstance(value, bool):
        raise InvalidElement(field, "must be true or false")


def need_one_of(value: object, field: str, allowed: Collection[str]) -> str:
    # The isinstance test comes first: a list or object is unhashable in a set lookup.
    if not isinstance(value, str) or value not in allowed:
        raise InvalidElement(field, f"must be one of {', '.join(sorted(allowed))}")
    return value


def each_item(checker: ValueChecker) -> ValueChecker:
    """A checker of a JSON array whose every item must pass ``checker``."""

    def check(value: Any, field: str) -> None:
        for index, item in enumerate(need_list(value, field)):
            checker(item, f"{field}[{index}]")

    return check


def number_in(allowed: Range) -> ValueChecker:
    """A checker of a number in ``allowed``, for tables of fields."""

    def check(value: Any, field: str) -> None:
        need_number(value, field, allowed)

    return check


def one_of(allowed: Collection[str]) -> ValueChecker:
    """A checker of a string out of ``allowed``, for tables of fields."""

    def check(value: Any, field: str) -> None:
        need_one_of(value, field, allowed)

    return check


def check_fields(obj: Mapping[str, Any], field: str, table: Mapping[str, ValueChecker]) -> None:
    """Check each optional field of ``obj`` that ``table`` names and that is present and not
    null; fields the table does not name are left alone. An empty ``field`` is the root."""
    for key, checker in table.items():
        value = obj.get(key)
        if value is not None:
            checker(value, f"{field}.{key}" if field else key)
