"""UserInfo (OIDC Core §5.3) and IMS's legacy profile: the claims the token's scopes grant."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from cclibs.oauth.bearer import AccessClaims
from cclibs.oauth.errors import InsufficientScope, InvalidToken

__all__ = ["UserClaims", "UserDirectory", "legacy_profile", "userinfo"]


@dataclass(frozen=True, slots=True)
class UserClaims:
    id: str
    name: str
    given_name: str
    family_name: str
    email: str
    email_verified: bool
    disabled: bool
    country: str | None = None


class UserDirectory(Protocol):
    async def user_claims(self, user_id: str) -> UserClaims | None:
        """The user's profile, or None when no such user exists."""
        ...


async def _user(directory: UserDirectory, access: AccessClaims) -> UserClaims:
    if access.grant_id is None:
        raise InvalidToken("This access token was issued to an application, not for a user.")
    user = await directory.user_claims(access.subject)
    if user is None or user.disabled:
        raise InvalidToken("The user of this access token is disabled or gone.")
    return user


async def userinfo(directory: UserDirectory, access: AccessClaims) -> dict[str, Any]:
    if "openid" not in access.scope:
        raise InsufficientScope("UserInfo needs an access token with the openid scope.")
    user = await _user(directory, access)
    claims: dict[str, Any] = {"sub": user.id}
    if "profile" in access.scope:
        claims.update(
            name=user.name,
            given_name=user.given_name,
            family_name=user.family_name,
            account_type="ind",
        )
    if "email" in access.scope:
        claims.update(email=user.email, email_verified=user.email_verified)
    if "address" in access.scope and user.country:
        claims["address"] = {"country": user.country}
    return claims


async def legacy_profile(directory: UserDirectory, access: AccessClaims) -> dict[str, Any]:
    """``/ims/profile/v1``: the field names passport-adobe-oauth2 and old samples read."""
    user = await _user(directory, access)
    profile: dict[str, Any] = {"userId": user.id, "account_type": "type1"}
    if access.scope & {"openid", "profile", "AdobeID"}:
        profile.update(
            displayName=user.name,
            name=user.name,
            first_name=user.given_name,
            last_name=user.family_name,
        )
    if "email" in access.scope:
        profile.update(email=user.email, emailVerified=str(user.email_verified).lower())
    if "address" in access.scope and user.country:
        profile["countryCode"] = user.country
    return profile
