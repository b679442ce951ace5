"""Who is calling the API: a cclibs access token, checked on every request.

The token is checked locally (signature against the current keys, expiry, issuer, audience,
revocation: ``BearerValidator``). ``x-api-key`` must be the client the token was issued to, as
Adobe answers a wrong API key with 403, and the token must carry ``cc_libraries``.
"""

from __future__ import annotations

import hmac

from starlette.requests import Request

from cclibs.libraries.access import Caller
from cclibs.libraries.errors import BadRequest, Forbidden
from cclibs.oauth.bearer import bearer_token
from cclibs.oauth.errors import InvalidToken
from cclibs.web.state import app_state

__all__ = ["API_SCOPE", "api_caller"]

API_SCOPE = "cc_libraries"


class InsufficientScope(Forbidden):
    reason = "insufficient_scope"


class WrongApiKey(Forbidden):
    reason = "invalid_api_key"


def refuse_nul(request: Request) -> None:
    """U+0000 in a path or query value is a 400: no id or name holds it, and PostgreSQL
    cannot even compare text with it."""
    # Path parameters come from the decoded path; a query value holds one only from %00.
    if "\x00" not in request.scope["path"] and b"%00" not in request.scope["query_string"]:
        return
    values = [*request.path_params.values(), *request.query_params.values()]
    if any("\x00" in str(value) for value in values):
        raise BadRequest("The address holds a NUL character (%00), which no value may hold.")


async def api_caller(request: Request) -> Caller:
    refuse_nul(request)
    if "access_token" in request.query_params:
        # RFC 6750 §2.3 allows it, RFC 9700 §4.3.2 advises against it: URLs end up in logs.
        raise InvalidToken("Send the access token in the Authorization header, not in the URL.")
    token = bearer_token(request.headers.get("authorization"))
    claims = await app_state(request).oauth.bearer.validate(token)
    api_key = request.headers.get("x-api-key")
    if api_key is None:
        raise WrongApiKey("Send x-api-key: the client id the access token was issued to.")
    if not hmac.compare_digest(api_key.encode(), claims.client_id.encode()):
        raise WrongApiKey("The x-api-key is not the client the access token was issued to.")
    if API_SCOPE not in claims.scope:
        raise InsufficientScope(
            f"The access token lacks the {API_SCOPE} scope; ask for it when you authorize."
        )
    if claims.grant_id is None:
        raise Forbidden(
            "The Libraries API acts for a user; a client credentials token has none. "
            "Use the authorization code or device flow."
        )
    return Caller(user_id=claims.subject, client_id=claims.client_id)
