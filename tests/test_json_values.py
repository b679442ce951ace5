"""``cclibs.json_values``: the fast codec gives the standard library's values, whatever the
value, and falls back where orjson would differ or fail."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cclibs import json_values


def _stdlib(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(_values)
def test_what_is_written_reads_back_as_the_same_value(value: Any) -> None:
    try:
        _stdlib(value)
    except UnicodeEncodeError:
        return  # a lone surrogate: no text, refused on input (web.api.http.json_body)
    written = json_values.dumps(value)
    assert json.loads(written) == value
    stored = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    assert json_values.loads(stored) == json.loads(stored)


def test_an_element_page_is_written_byte_for_byte_as_before() -> None:
    page = {
        "total_count": 2,
        "elements": [
            {"name": "Rouge café ☕", "created_date": 1796618477044, "opacity": 0.5},
            {"name": "Blue", "groups": [], "color#data": {"value": {"r": 0, "g": 12.25}}},
        ],
        "_page": {"next": None},
    }
    assert json_values.dumps(page) == _stdlib(page)


def test_values_orjson_cannot_write_are_written_all_the_same() -> None:
    huge = {"n": 123456789012345678901234567890, "m": -(2**64)}
    assert json_values.dumps(huge) == _stdlib(huge)
    assert json_values.dumps({1: "a", None: "b"}) == b'{"1":"a","null":"b"}'


def test_integers_past_64_bits_are_read_exactly() -> None:
    text = '{"id":"x","big":123456789012345678901234567890,"small":-18446744073709551617}'
    read = json_values.loads(text)
    assert read["big"] == 123456789012345678901234567890
    assert isinstance(read["big"], int)
    assert read["small"] == -18446744073709551617
