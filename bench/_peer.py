"""The reference server for bench/run: node-oidc-provider from bench/peer/ (server.mjs), and the
authorization-code flow against it that yields codes and refresh tokens for the loads.

The peer logs the bench account in and grants consent by itself (its /interaction/ route), so
the flow is the real one over HTTP: GET /auth, the interaction redirects, the redirect to the
client's callback with a code, POST /token. Once the session and grant exist, GET /auth
answers with a code straight away, like cclibs' authorize endpoint for a signed-in user who
consented before.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx
from _harness import BENCH_DIR, HOST, ServerProcess, clean_env, free_port

from cclibs.sdk.pkce import s256

__all__ = ["PEER_DIR", "Peer", "peer_version", "start_peer"]

PEER_DIR = BENCH_DIR / "peer"
SECRET = "bench-peer-secret"  # noqa: S105 - the fixed secret of a throwaway local server
CALLBACK = "https://app.example.com/callback"
S2S_SCOPE = "api"
USER_SCOPE = "openid api"
VERIFIER = "bench-peer-pkce-verifier-" + "v" * 24  # RFC 7636 §4.1: 43-128 characters


def basic(client_id: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{SECRET}".encode()).decode()


def peer_version() -> str:
    """The installed oidc-provider version, or a hint to install it."""
    package = PEER_DIR / "node_modules" / "oidc-provider" / "package.json"
    if not package.exists():
        return "not installed (cd bench/peer && npm ci)"
    import json

    return str(json.loads(package.read_text())["version"])


def ensure_installed() -> None:
    """``npm ci`` in bench/peer when node_modules is missing (the lock file pins the version)."""
    if (PEER_DIR / "node_modules" / "oidc-provider").exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed: the peer (node-oidc-provider) cannot run")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=PEER_DIR, check=True, timeout=300)


class Peer:
    """A running peer on 127.0.0.1 with the alg it signs access tokens with."""

    def __init__(self, alg: str, log: Path) -> None:
        self.alg = alg
        self.port = free_port()
        env = clean_env(PEER_PORT=str(self.port), PEER_ALG=alg, NODE_ENV="production")
        argv = [shutil.which("node") or "node", str(PEER_DIR / "server.mjs")]
        self.process = ServerProcess(argv, env, log, cwd=PEER_DIR)
        self.http: httpx.Client | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def start(self) -> None:
        self.process.start()
        self.process.wait_ready("/.well-known/openid-configuration", self.port, timeout=30)
        self.http = httpx.Client(base_url=f"http://{HOST}:{self.port}", timeout=30)

    def stop(self) -> None:
        if self.http is not None:
            self.http.close()
        self.process.stop()

    def s2s_auth(self) -> str:
        return basic("bench-s2s")

    def web_auth(self) -> str:
        return basic("bench-web")

    def authorize_query(self) -> str:
        query = {
            "client_id": "bench-web",
            "response_type": "code",
            "redirect_uri": CALLBACK,
            "scope": USER_SCOPE,
            "state": "bench",
            "code_challenge": s256(VERIFIER),
            "code_challenge_method": "S256",
        }
        return "/auth?" + urlencode(query)

    def code(self) -> str:
        """One authorization through the peer's redirects, until the callback gets a code."""
        assert self.http is not None
        url = self.authorize_query()
        for _ in range(10):
            answer = self.http.get(url)
            if answer.status_code not in (302, 303):
                raise RuntimeError(f"peer authorize: {answer.status_code} {answer.text[:300]}")
            location = answer.headers["location"]
            if location.startswith(CALLBACK):
                params = parse_qs(urlsplit(location).query)
                if "code" not in params:
                    raise RuntimeError(f"peer authorize: no code in {location}")
                return params["code"][0]
            url = urljoin(str(answer.url), location)
        raise RuntimeError("peer authorize: too many redirects")

    def redeem_body(self, code: str) -> str:
        return urlencode(
            {
                "grant_type": "authorization_code",
                "code": code,
                "code_verifier": VERIFIER,
                "redirect_uri": CALLBACK,
            }
        )

    def refresh_tokens(self, count: int) -> list[str]:
        """``count`` refresh tokens, each from its own code exchange."""
        assert self.http is not None
        tokens = []
        for _ in range(count):
            answer = self.http.post(
                "/token",
                content=self.redeem_body(self.code()),
                headers={
                    "Authorization": self.web_auth(),
                    "Content-Type": "application/x-www-form-urlencoded",
                },
            )
            if answer.status_code != 200 or "refresh_token" not in answer.json():
                raise RuntimeError(f"peer code exchange: {answer.status_code} {answer.text[:300]}")
            tokens.append(str(answer.json()["refresh_token"]))
        return tokens

    def cookie_header(self) -> str:
        assert self.http is not None
        # The session's cookies only (the interaction cookies have path-scoped duplicates).
        jar = self.http.cookies.jar
        return "; ".join(f"{c.name}={c.value}" for c in jar if c.name.startswith("_session"))


def start_peer(alg: str, log: Path) -> Peer:
    ensure_installed()
    peer = Peer(alg, log)
    try:
        peer.start()
    except BaseException:
        peer.process.stop()
        raise
    return peer
