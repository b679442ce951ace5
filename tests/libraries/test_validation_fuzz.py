"""Whatever JSON comes in, the rules answer with ``InvalidElement`` or pass: never a
KeyError, TypeError, ValueError or RecursionError (compat reference §1.6: where Adobe's
coercion failures surface as 500s, ours are 400s).

The junk comes from a seeded ``random.Random``, so a failure replays exactly.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest

from cclibs.libraries.errors import InvalidElement
from cclibs.libraries.validation import validate_element, validate_representation
from tests.libraries.test_validation_examples import VALID

SCALARS: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    1,
    5,
    255,
    256,
    0.5,
    -0.0,
    1e308,
    2**63,
    -(10**400),
    float("nan"),
    float("inf"),
    float("-inf"),
    "",
    " ",
    "x",
    "\x00",
    "é" * 3,
    "x" * 5000,
    "RGB",
    "RGB.tint",
    "Gray",
    "spot",
    "primary",
    "linear",
    "pt",
    "image/png",
    "image/*",
    "audio/mpeg",
    "application/vnd.adobe.color+json",
    "application/vnd.adobe.library.link+dcx",
    "application/vnd.adobe.element.color+dcx",
]

KEYS = [
    *("name", "type", "client", "representations", "description", "app", "deviceId", "device"),
    *("relationship", "storage_href", "path", "width", "linktype", "linkurl"),
    *("color#data", "colortheme#data", "gradient#data", "font#data", "audio#data"),
    *("characterstyle#data", "paragraphstyle#data", "adobestock#trackingdata"),
    *("mode", "value", "r", "g", "b", "tint", "alpha", "spotColorName", "swatches"),
    *("stops", "color", "offset", "centerPoint", "opacities", "minimumColor", "randomSeed"),
    *("fontSize", "fontWeight", "adbeFont", "adbeParaAlignment", "x", "", "0"),
]


def junk(rng: random.Random, depth: int = 3) -> Any:
    roll = rng.random()
    if depth <= 0 or roll < 0.5:
        return rng.choice(SCALARS)
    if roll < 0.75:
        return [junk(rng, depth - 1) for _ in range(rng.randrange(5))]
    return {rng.choice(KEYS): junk(rng, depth - 1) for _ in range(rng.randrange(5))}


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place inside a JSON value, as a path of keys and indices."""
    found: list[tuple[Any, ...]] = []
    children: list[tuple[Any, Any]] = []
    if isinstance(value, dict):
        children = list(value.items())
    elif isinstance(value, list):
        children = list(enumerate(value))
    for step, child in children:
        found.append((*prefix, step))
        found.extend(paths(child, (*prefix, step)))
    return found


def mutated(rng: random.Random, payload: dict[str, Any]) -> Any:
    """A valid payload with one to three places broken: replaced, removed or added to."""
    result: Any = copy.deepcopy(payload)
    for _ in range(rng.randint(1, 3)):
        places = paths(result)
        if not places:
            return junk(rng)
        path = rng.choice(places)
        holder = result
        for step in path[:-1]:
            holder = holder[step]
        operation = rng.random()
        if operation < 0.6:
            holder[path[-1]] = junk(rng)
        elif operation < 0.8 and isinstance(holder, dict):
            del holder[path[-1]]
        elif isinstance(holder, dict):
            holder[rng.choice(KEYS)] = junk(rng)
        else:
            holder.append(junk(rng))
    return result


def only_invalid_element(check: Callable[[], None], case: str) -> bool:
    """Run ``check``; True when it refused, False when it passed, a test failure otherwise."""
    try:
        check()
    except InvalidElement as exc:
        assert isinstance(exc.field, str)
        assert exc.field
        return True
    except Exception as exc:
        pytest.fail(f"{case}: {type(exc).__name__}: {exc}"[:500])
    return False


def test_junk_bodies_give_only_invalid_element() -> None:
    rng = random.Random(20261205)  # noqa: S311 - reproducible test data, not security
    for index in range(2000):
        payload = junk(rng, depth=4)
        only_invalid_element(partial(validate_element, payload), f"junk #{index}")


def test_broken_valid_payloads_give_only_invalid_element() -> None:
    rng = random.Random(7)  # noqa: S311 - reproducible test data, not security
    bases = list(VALID.values())
    refused = 0
    for index in range(4000):
        payload = mutated(rng, rng.choice(bases))
        refused += only_invalid_element(partial(validate_element, payload), f"mutant #{index}")
    # The mutations must mostly hit rules, or this test would prove little.
    assert refused > 2000


def test_junk_representations_give_only_invalid_element() -> None:
    rng = random.Random(11)  # noqa: S311 - reproducible test data, not security
    rep_types = [s for s in SCALARS if isinstance(s, str) and "/" in s]
    for index in range(2000):
        rep = junk(rng)
        if isinstance(rep, dict) and rng.random() < 0.8:
            rep["type"] = rng.choice(rep_types)
        only_invalid_element(partial(validate_representation, rep, "rep"), f"rep #{index}")


def test_deep_nesting_is_refused_without_recursion() -> None:
    deep: Any = {}
    for _ in range(100_000):
        deep = [deep]
    for payload in (
        deep,
        {**VALID["spec color"], "name": deep},
        {**VALID["spec color"], "representations": deep},
        {**VALID["spec color"], "representations": [{"type": "image/png", "path": deep}]},
    ):
        with pytest.raises(InvalidElement):
            validate_element(payload)


def test_booleans_never_count_as_numbers() -> None:
    for flag in (True, False):
        color = {"mode": "Gray", "value": flag}
        with pytest.raises(InvalidElement) as caught:
            validate_representation(
                {"type": "application/vnd.adobe.color+json", "color#data": color}, "rep"
            )
        assert caught.value.field == "rep.color#data.value"
