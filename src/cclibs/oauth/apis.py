"""The APIs a project can add, and the scopes each one opens to the project's credentials.

Adobe's console works the same way: a credential may ask for an API's scopes only once the API
is added to its project; the identity scopes (and ``offline_access``) are always available.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cclibs.oauth.scopes import IDENTITY_SCOPES, LIBRARIES_SCOPES

__all__ = ["APIS", "Api", "available_scopes"]


@dataclass(frozen=True, slots=True)
class Api:
    id: str
    title: str
    description: str
    scopes: frozenset[str]


APIS: dict[str, Api] = {
    api.id: api
    for api in (
        Api(
            "cc_libraries",
            "Creative Cloud Libraries",
            "Read and write libraries of colors, character styles, graphics and other design "
            "assets, with their elements and renditions.",
            LIBRARIES_SCOPES,
        ),
    )
}


def available_scopes(apis: Iterable[str], *, refresh_tokens: bool = True) -> frozenset[str]:
    """The scopes a credential in a project with these APIs may be allowed."""
    scopes = set(IDENTITY_SCOPES)
    if refresh_tokens:
        scopes.add("offline_access")
    for api in apis:
        if api in APIS:
            scopes |= APIS[api].scopes
    return frozenset(scopes)
