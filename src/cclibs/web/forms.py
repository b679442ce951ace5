"""Reading HTML forms strictly: bounded size, known fields only, each given at most once.

Anything else is a MalformedRequest (400). The CSRF token is checked before any field is used.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.formparsers import MultiPartException
from starlette.requests import ClientDisconnect, Request

from cclibs.web.bodies import declared_length, read_body
from cclibs.web.csrf import CSRF_FIELD
from cclibs.web.errors import BodyTooLarge, MalformedRequest
from cclibs.web.state import app_state

__all__ = ["read_form"]

_MAX_BODY = 160 * 1024
_MAX_FIELDS = 50
_MAX_VALUE = 8 * 1024
# Fields that carry a whole authorization request (IMS allows a 4096-character state, which
# percent-encoding can triple): the sign-in page's next and the consent page's interaction.
_LONG_FIELDS = frozenset({"next", "interaction"})
_MAX_LONG_VALUE = 48 * 1024


async def read_form(
    request: Request, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> dict[str, str]:
    """The form's fields by name, after the CSRF check; optional fields default to ''."""
    pairs = await _pairs(request)
    values: dict[str, str] = {}
    for name, value in pairs:
        if name in values:
            raise MalformedRequest(f"The field {name!r} was sent more than once.")
        values[name] = value
    app_state(request).csrf.verify(request, values.get(CSRF_FIELD))
    missing = [name for name in required if name not in values]
    if missing:
        raise MalformedRequest(f"The form is missing {', '.join(missing)}.")
    for name in (*required, *optional):
        limit = _MAX_LONG_VALUE if name in _LONG_FIELDS else _MAX_VALUE
        if len(values.get(name, "")) > limit:
            raise MalformedRequest(f"The field {name!r} is too long.")
    return {name: values.get(name, "") for name in (*required, *optional)}


async def _pairs(request: Request) -> list[tuple[str, str]]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    declared = declared_length(request)
    if declared is not None and declared > _MAX_BODY:
        raise BodyTooLarge("The form is too large.")
    try:
        if content_type == "application/x-www-form-urlencoded":
            text = (await read_body(request, _MAX_BODY)).decode("utf-8")
            return parse_qsl(
                text, keep_blank_values=True, strict_parsing=bool(text), max_num_fields=_MAX_FIELDS
            )
        if content_type == "multipart/form-data":
            form = await request.form(
                max_files=0, max_fields=_MAX_FIELDS, max_part_size=_MAX_LONG_VALUE
            )
            pairs: list[tuple[str, str]] = []
            for name, value in form.multi_items():
                if not isinstance(value, str):
                    raise MalformedRequest("This form does not take files.")
                pairs.append((name, value))
            return pairs
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedRequest("The form is not valid UTF-8 form data.") from exc
    except ClientDisconnect as exc:
        raise MalformedRequest("The form was cut off.") from exc
    except MultiPartException as exc:
        raise MalformedRequest(f"The form could not be read: {exc.message}") from exc
    raise MalformedRequest("Send the form as application/x-www-form-urlencoded.")
