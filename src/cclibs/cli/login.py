"""``cclibs login``, ``logout``, ``whoami`` and ``token``: a user's token, from a terminal."""

from __future__ import annotations

import json
import sys

import typer

from cclibs.cli._common import fail
from cclibs.cli._sdk import ProfileOption, open_source
from cclibs.sdk import DevicePrompt, unverified_claims
from cclibs.sdk.profiles import parse_scopes

__all__ = ["login", "logout", "token", "whoami"]


def _say(text: str) -> None:
    typer.echo(text, err=True)


def _show_device_prompt(prompt: DevicePrompt) -> None:
    _say(f"To sign in, open {prompt.verification_uri} and enter the code {prompt.user_code}")
    if prompt.verification_uri_complete:
        _say(f"(or open {prompt.verification_uri_complete})")
    _say("Waiting for approval...")


def login(
    profile: str | None = ProfileOption,
    device: bool = typer.Option(
        False, "--device", help="Device login (RFC 8628): for SSH sessions and containers."
    ),
    scopes: str | None = typer.Option(
        None, "--scopes", help="Scopes, comma- or space-separated (default: the profile's)."
    ),
    client_credentials: bool = typer.Option(
        False, "--client-credentials", help="A Server-to-Server token (needs a client secret)."
    ),
    with_token: bool = typer.Option(
        False, "--with-token", help="Read an access token (from the playground, say) on stdin."
    ),
    no_browser: bool = typer.Option(
        False, "--no-browser", help="Print the sign-in URL instead of opening a browser."
    ),
) -> None:
    """Sign in and cache the profile's tokens (browser with PKCE unless told otherwise)."""
    if sum((device, client_credentials, with_token)) > 1:
        fail("choose one of --device, --client-credentials and --with-token", code=2)
    chosen = parse_scopes(scopes) if scopes else None
    with open_source(profile) as source:
        if with_token:
            source.use_token(sys.stdin.readline())
        elif client_credentials:
            source.login_client_credentials(scopes=chosen)
        elif device:
            source.login_device(scopes=chosen, show_prompt=_show_device_prompt)
        else:

            def show(url: str) -> None:
                if no_browser:
                    _say(f"Open this URL in a browser to sign in:\n{url}")
                else:
                    _say(f"Opening the browser to sign in. If it does not open, visit:\n{url}")

            source.login_browser(
                scopes=chosen,
                show_url=show,
                open_browser=(lambda url: None) if no_browser else None,
            )
        _say(f"Logged in with profile {source.profile.name} ({source.profile.issuer}).")


def logout(profile: str | None = ProfileOption) -> None:
    """Revoke the profile's tokens at the server, then delete them from the cache."""
    with open_source(profile) as source:
        had_tokens = source.cache.load() is not None
        source.logout()
        if had_tokens:
            _say(f"Logged out of profile {source.profile.name}; its tokens were revoked.")
        else:
            _say(f"Profile {source.profile.name} was not logged in.")


def whoami(
    profile: str | None = ProfileOption,
    as_json: bool = typer.Option(False, "--json", help="Print the UserInfo response as JSON."),
) -> None:
    """Who the cached token belongs to (UserInfo)."""
    with open_source(profile) as source:
        claims = source.userinfo()
    if as_json:
        typer.echo(json.dumps(claims, indent=2, sort_keys=True))
        return
    name = claims.get("name") or claims.get("sub")
    email = claims.get("email")
    typer.echo(f"{name} <{email}>" if email else str(name))


def token(
    profile: str | None = ProfileOption,
    refresh: bool = typer.Option(False, "--refresh", help="Refresh it now, whatever its expiry."),
    decode: bool = typer.Option(
        False, "--decode", help="Print the token's claims (not verified) instead of the token."
    ),
) -> None:
    """Print a valid access token for scripts (refreshed first when it is about to expire)."""
    with open_source(profile) as source:
        value = source.refresh().access_token if refresh else source.access_token()
    if not decode:
        typer.echo(value)
        return
    claims = unverified_claims(value)
    if claims is None:
        fail("the access token is not a JWT; it has no claims to show")
    typer.echo(json.dumps(claims, indent=2, sort_keys=True))
