"""A local stand-in for Adobe IMS, built from its documented requests and responses only.

There is no network here, so tests that show a client "works against Adobe with only a URL
change" run against this: discovery under ``/ims/.well-known`` (not the standard location),
``/ims/authorize/v2``, ``/ims/token/v3`` with the secret in the body, ``/ims/userinfo/v2``,
``/ims/revoke`` and ``/ims/keys``. It records every request so a test can check what was sent.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

__all__ = ["FakeIms"]


@dataclass
class FakeIms:
    client_id: str
    client_secret: str
    base_url: str = ""
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    _key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, {"kid": "ims-key-1"}))
    _codes: dict[str, str] = field(default_factory=dict)
    _tokens: set[str] = field(default_factory=set)

    def _sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode({"alg": "RS256", "kid": "ims-key-1"}, claims, self._key)

    async def _discovery(self, _request: Request) -> Response:
        base = self.base_url
        return JSONResponse(
            {
                "issuer": base,
                "authorization_endpoint": base + "/ims/authorize/v2",
                "token_endpoint": base + "/ims/token/v3",
                "userinfo_endpoint": base + "/ims/userinfo/v2",
                "revocation_endpoint": base + "/ims/revoke",
                "jwks_uri": base + "/ims/keys",
                "scopes_supported": ["openid", "AdobeID", "email", "profile", "offline_access"],
            }
        )

    async def _authorize(self, request: Request) -> Response:
        params = dict(request.query_params)
        self.requests.append(("GET", "/ims/authorize/v2", params))
        code = secrets.token_urlsafe(16)
        self._codes[code] = params.get("nonce", "")
        target = params["redirect_uri"] + "?" + urlencode({"code": code, "state": params["state"]})
        return RedirectResponse(target, status_code=302)

    async def _token(self, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        self.requests.append(("POST", "/ims/token/v3", form))
        if (
            form.get("client_id") != self.client_id
            or form.get("client_secret") != self.client_secret
        ):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        nonce = self._codes.pop(form.get("code", ""), None)
        if nonce is None:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        now = int(time.time())
        access = self._sign(
            {
                "type": "access_token",
                "client_id": self.client_id,
                "user_id": "1234@AdobeID",
                "as": "ims-na1",
                "created_at": str(now * 1000),
                "expires_in": "86400000",
            }
        )
        self._tokens.add(access)
        id_token = self._sign(
            {
                "iss": self.base_url,
                "sub": "1234@AdobeID",
                "aud": self.client_id,
                "nonce": nonce,
                "iat": now,
                "exp": now + 86400,
            }
        )
        return JSONResponse(
            {
                "access_token": access,
                "refresh_token": "ims-refresh-" + secrets.token_hex(8),
                "id_token": id_token,
                "token_type": "bearer",
                "expires_in": 86399,
            }
        )

    async def _userinfo(self, request: Request) -> Response:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        self.requests.append(
            ("GET", "/ims/userinfo/v2", {"x-api-key": request.headers.get("x-api-key", "")})
        )
        if token not in self._tokens:
            return JSONResponse({"error": "invalid_token"}, status_code=401)
        return JSONResponse({"sub": "1234@AdobeID", "email": "someone@adobe.example"})

    async def _keys(self, _request: Request) -> Response:
        return JSONResponse({"keys": [self._key.as_dict(private=False)]})

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/ims/.well-known/openid-configuration", self._discovery),
                Route("/ims/authorize/v2", self._authorize),
                Route("/ims/token/v3", self._token, methods=["POST"]),
                Route("/ims/userinfo/v2", self._userinfo),
                Route("/ims/keys", self._keys),
                Route("/healthz", lambda _request: JSONResponse({"status": "ok"})),
            ]
        )
