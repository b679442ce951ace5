"""The authorization server's signing keys: lifecycle, JWKS, JWS signing and verification.

A key lives through four states, decided only by its dates and the current time:

    pending  now < not_before                 published in the JWKS, signs nothing yet
    active   not_before <= now < retired_at   published, may sign (the newest active one does)
    retired  retired_at <= now < retired_at + max_token_lifetime
                                              published, so tokens it signed still verify
    expired  later                            unpublished; ``KeyManager.prune`` deletes it

Why pre-publish: relying parties cache the JWKS (RFC 7517 §5) and a token carrying a ``kid``
they have never seen fails until they refetch. A rotated key is therefore published for
``publish_ahead`` before it signs anything; that must exceed the JWKS HTTP cache lifetime plus
``KeyManager``'s own cache TTL. The very first key of a server (or of an algorithm with no
active key) signs at once: no token exists whose verifiers could be caught out, and a server
that cannot sign is worse than a verifier that refetches.

Why retire at activation: ``rotate`` sets the old key's ``retired_at`` to the new key's
``not_before``, so at every instant exactly one key is the newest active one (no gap, no
overlap in signing), and the old key stays published until the last token it could have
signed has expired.

``KeyRing.verify`` checks the JWS only (RFC 7515 §5.2): the header's ``alg`` must be one the
caller allows and the one the key was made for (RFC 7518 §3.1; this is what defeats "none" and
HS256-with-the-RSA-public-key confusion, RFC 8725 §2.1, §3.1), and the ``kid`` must be
published. Claims (``exp``, ``aud``, ``iss``...) are the caller's to check, because their rules
differ per token type (RFC 9068 §4 for access tokens, OIDC Core §3.1.3.7 for ID tokens).

Private keys are sealed at rest with AES-256-GCM under a key derived from CCLIBS_SECRET_KEY by
HKDF-SHA256 (RFC 5869), with the ``kid`` as associated data so a sealed blob cannot be moved
to another row.
"""

from cclibs.oauth.keys._manager import KeyManager, KeyStore, KeyTransactions, Rotation
from cclibs.oauth.keys._ring import (
    ALGS,
    DEFAULT_CACHE_TTL,
    DEFAULT_MAX_TOKEN_LIFETIME,
    DEFAULT_PUBLISH_AHEAD,
    Alg,
    InvalidJwt,
    KeyRing,
    KeyState,
    NoSigningKey,
    SealedKeyError,
    SigningKey,
    generate_key,
    key_state,
)
from cclibs.oauth.keys._sealing import (
    StoredKey,
    open_private_key,
    seal_private_key,
    sealed,
    unsealed,
)

__all__ = [
    "ALGS",
    "DEFAULT_CACHE_TTL",
    "DEFAULT_MAX_TOKEN_LIFETIME",
    "DEFAULT_PUBLISH_AHEAD",
    "Alg",
    "InvalidJwt",
    "KeyManager",
    "KeyRing",
    "KeyState",
    "KeyStore",
    "KeyTransactions",
    "NoSigningKey",
    "Rotation",
    "SealedKeyError",
    "SigningKey",
    "StoredKey",
    "generate_key",
    "key_state",
    "open_private_key",
    "seal_private_key",
    "sealed",
    "unsealed",
]
