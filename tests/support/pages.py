"""Helpers to drive the HTML pages over HTTP the way a browser would."""

from __future__ import annotations

import re

import httpx

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def csrf_token(client: httpx.AsyncClient, path: str) -> str:
    """GET a page (which sets the CSRF cookie) and return its form token."""
    page = await client.get(path)
    assert page.status_code in (200, 403), page.text
    found = _CSRF.search(page.text)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


async def submit(
    client: httpx.AsyncClient, page: str, action: str, fields: dict[str, str]
) -> httpx.Response:
    token = await csrf_token(client, page)
    return await client.post(action, data={"csrf_token": token, **fields})


async def register(
    client: httpx.AsyncClient,
    email: str = "ada@example.com",
    password: str = "correct horse battery",
    name: str = "Ada Lovelace",
) -> httpx.Response:
    """The sign-up form alone: its answer is the same for a new and a taken address, and it
    opens no session."""
    return await submit(
        client, "/signup", "/signup", {"email": email, "name": name, "password": password}
    )


async def sign_up(
    client: httpx.AsyncClient,
    email: str = "ada@example.com",
    password: str = "correct horse battery",
    name: str = "Ada Lovelace",
) -> httpx.Response:
    """Sign up, then sign in (the address stays unverified); the sign-in's answer."""
    registered = await register(client, email, password, name)
    assert registered.status_code == 303, registered.text
    return await sign_in(client, email, password)


async def sign_in(
    client: httpx.AsyncClient, email: str, password: str, next_path: str = ""
) -> httpx.Response:
    fields = {"email": email, "password": password}
    if next_path:
        fields["next"] = next_path
    return await submit(client, "/signin", "/signin", fields)
