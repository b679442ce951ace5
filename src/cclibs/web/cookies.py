"""Cookie names and flags in one place: HttpOnly, SameSite=Lax, Secure when the issuer is https."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.responses import Response

__all__ = ["CookiePolicy"]


@dataclass(frozen=True, slots=True)
class CookiePolicy:
    secure: bool

    @property
    def _prefix(self) -> str:
        # __Host- pins a cookie to this exact origin (no Domain, Path=/, Secure).
        return "__Host-" if self.secure else ""

    def name(self, base: str) -> str:
        """The cookie's name on this server (``__Host-`` prefixed behind https)."""
        return f"{self._prefix}{base}"

    @property
    def session_name(self) -> str:
        return self.name("cclibs_session")

    @property
    def csrf_name(self) -> str:
        return self.name("cclibs_csrf")

    def set(self, response: Response, name: str, value: str, *, max_age: int | None) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path="/",
            secure=self.secure,
            httponly=True,
            samesite="lax",
        )

    def clear(self, response: Response, name: str) -> None:
        response.delete_cookie(name, path="/", secure=self.secure, httponly=True, samesite="lax")
