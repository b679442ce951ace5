"""The JwtSigner the token issuer uses, over the KeyManager's current key ring."""

from __future__ import annotations

from typing import Any

from cclibs.oauth.keys import KeyManager, NoSigningKey

__all__ = ["KeyRingSigner"]


class KeyRingSigner:
    """Signs with the newest active key; a store with no key yet gets its first keys."""

    def __init__(self, keys: KeyManager) -> None:
        self._keys = keys

    async def sign(self, claims: dict[str, Any], *, alg: str, typ: str) -> str:
        ring = await self._keys.keyring()
        try:
            return ring.sign(claims, alg=alg, typ=typ)
        except NoSigningKey:
            await self._keys.ensure_keys()
            return (await self._keys.keyring()).sign(claims, alg=alg, typ=typ)
