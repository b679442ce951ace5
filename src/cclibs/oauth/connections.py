"""Connected applications: what a user has allowed, and taking it back.

Removing an application forgets the consent and ends everything issued under it, in one
write transaction: every grant (token family, RFC 9700 §4.14.2) of the user for that client is
revoked, so its refresh tokens get ``invalid_grant`` and its access tokens (which carry the
grant id) fail at the bearer check; unused authorization codes go, and device authorizations
the user approved but the device has not collected are denied (RFC 8628 §3.5 ``access_denied``).

The last use is read, not written: the latest grant or refresh token of the user for the
client. The token endpoint does no extra write for it.
"""

from __future__ import annotations

from cclibs.clock import Clock
from cclibs.oauth.grant_ports import ConnectedApp, GrantTransactions

__all__ = ["ConnectedApp", "ConnectedApps"]


class ConnectedApps:
    def __init__(self, transactions: GrantTransactions, clock: Clock) -> None:
        self._tx = transactions
        self._clock = clock

    async def list_for(self, user_id: str) -> list[ConnectedApp]:
        """The applications the user consented to, by name."""
        async with self._tx.read() as store:
            return await store.connected_apps(user_id)

    async def remove(self, user_id: str, client_id: str) -> ConnectedApp | None:
        """Forget the consent and revoke the application's access; the removed application,
        or None when the user never consented to it (nothing changes then)."""
        async with self._tx.write() as store:
            found = next(
                (app for app in await store.connected_apps(user_id) if app.client_id == client_id),
                None,
            )
            if found is None or not await store.delete_consent(user_id, client_id):
                return None
            await store.revoke_access(user_id, self._clock.now(), client_id=client_id)
        return found

    async def revoke_user(self, user_id: str) -> int:
        """Revoke every application's access of the user (a disabled account); returns how many
        grants were revoked. Consents stay: they say what the user allowed, not what works."""
        async with self._tx.write() as store:
            return await store.revoke_access(user_id, self._clock.now(), client_id=None)
