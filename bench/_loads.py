"""The loads bench/run puts on a server, the same for cclibs and for its reference: wrk with one
thread and 32 connections (issue 13's table), or a fixed burst where every request is used once.

  * a fixed request: client_credentials (a POST form with Basic), or a GET with headers;
  * refresh_token rotation: 32 tokens shared by the 32 connections of one wrk thread: each
    request takes a token from the pool, each 200 puts the rotated token back (wrk calls
    response() before the connection's next request(), so the pool never runs dry while
    every answer brings a new token; one more token covers the request() wrk makes once
    before the run, to check the script, and never sends);
  * authorization codes: a pool minted through the authorize endpoint, then redeemed, each
    once, by bench/_burst.py; the figure is codes redeemed per second over the whole pool.

Each measured run is preceded by a warm-up and redone when other processes took the CPUs
(bench/_wrkload.measure).
"""

from __future__ import annotations

import json
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from _burst import Burst, burst, get_request, post_request
from _harness import wait_for_quiet
from _wrkload import LUA_DONE, Load, LoadMeter, Redo, measure, run_wrk

__all__ = ["Loads", "Measured"]

FORM = "application/x-www-form-urlencoded"

LUA_FIXED = """
wrk.method = {method}
wrk.body = {body}
{headers}

function response(status, headers, body)
  if status >= 300 then note_failure(status, body) end
end
"""

LUA_ROTATION = """
local first = {{{tokens}}}
local headers = {{["Content-Type"] = "{form}", ["Authorization"] = {auth}}}
chain_threads = {{}}

function setup(thread)
  table.insert(chain_threads, thread)
end

function init(args)
  refreshed = 0
  pool = {{}}
  for i, token in ipairs(first) do pool[i] = token end
end

function request()
  local token = table.remove(pool) or "spent"
  return wrk.format("POST", {path}, headers, "grant_type=refresh_token&refresh_token=" .. token)
end

function response(status, headers, body)
  local new = status == 200 and body:match('"refresh_token"%s*:%s*"([^"]+)"')
  if new then
    table.insert(pool, new)
    refreshed = refreshed + 1
  else
    note_failure(status, body)
  end
end
"""

# The first few failed answers of a run, appended to a file bench/run prints from.
LUA_FAILURES = """
local noted = 0
function note_failure(status, body)
  if noted < 3 then
    noted = noted + 1
    local file = io.open({path}, "a")
    file:write(status .. " " .. string.sub(body, 1, 200) .. "\\n")
    file:close()
  end
end
"""


@dataclass
class Measured:
    """One figure: per second (or ms) with its latencies and how disturbed its run was."""

    value: float
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    failed: int = 0
    other_cpu: float = 0.0
    app_cpu_ms: float = 0.0
    failures: list[str] = field(default_factory=list)  # the first few failed answers

    @classmethod
    def of(cls, load: Load) -> Measured:
        return cls(
            load.rps, load.p50_ms, load.p99_ms, load.failed + load.errors, load.other_cpu,
            load.app_cpu_ms,
        )  # fmt: skip


class Loads:
    """The loads, with the run's settings (durations, connections, redo policy)."""

    def __init__(
        self,
        tmp: Path,
        *,
        duration: int,
        warmup: int,
        connections: int,
        redo: Redo,
        redo_until: float = math.inf,
    ) -> None:
        self.tmp = tmp
        self.duration = duration
        self.warmup = warmup
        self.connections = connections
        self._redo = redo
        self.redo_until = redo_until  # time.monotonic() after which disturbed runs are kept
        self.redone = 0
        self.failures = tmp / "failed-answers.txt"

    @property
    def redo(self) -> Redo:
        """The redo policy; none once the run has used up the share of its time limit that
        redos may take (a busy machine would otherwise redo every load and run out of time)."""
        if time.monotonic() < self.redo_until:
            return self._redo
        return Redo(self._redo.max_other, 0, 0.0)

    def _script(self, text: str) -> Path:
        path = self.tmp / f"load-{secrets.token_hex(4)}.lua"
        failures = LUA_FAILURES.format(path=json.dumps(str(self.failures)))
        path.write_text(failures + text + LUA_DONE)
        return path

    def failed_answers(self) -> list[str]:
        """The failed answers the loads noted so far (a few per run), and forget them."""
        if not self.failures.exists():
            return []
        lines = self.failures.read_text("utf-8", "replace").splitlines()
        self.failures.unlink()
        return lines

    def _measure(self, run: Callable[[float], Load], pid: int, database: str | None) -> Measured:
        load, redone = measure(
            run, pid, database, warmup=self.warmup, duration=self.duration, redo=self.redo
        )
        self.redone += redone
        figure = Measured.of(load)
        figure.failures = self.failed_answers()
        return figure

    def fixed(
        self,
        port: int,
        pid: int,
        path: str,
        headers: dict[str, str],
        *,
        body: str | None = None,
        database: str | None = None,
    ) -> Measured:
        """wrk -t1 -cN of one request: a GET, or a POST of ``body``."""
        lines = "\n".join(
            f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()
        )
        method = "POST" if body is not None else "GET"
        script = self._script(
            LUA_FIXED.format(
                method=json.dumps(method), body=json.dumps(body) if body else "nil", headers=lines
            )
        )

        def run(secs: float) -> Load:
            return run_wrk(port, path, script, 1, self.connections, secs)

        return self._measure(run, pid, database)

    def rotation(
        self,
        port: int,
        pid: int,
        path: str,
        auth: str,
        mint: Callable[[int], list[str]],
        *,
        database: str | None = None,
    ) -> Measured:
        """Refresh-token rotation from fresh tokens each run (a rotated token is spent)."""

        def run(secs: float) -> Load:
            # One more than the connections: wrk calls request() once before the run, in
            # thread 0's state, to check the request (script_verify_request), and that call
            # takes a token from the pool that is never sent.
            tokens = ", ".join(json.dumps(t) for t in mint(self.connections + 1))
            script = self._script(
                LUA_ROTATION.format(
                    tokens=tokens, form=FORM, auth=json.dumps(auth), path=json.dumps(path)
                )
            )
            return run_wrk(port, path, script, 1, self.connections, secs)

        return self._measure(run, pid, database)

    def codes(
        self,
        port: int,
        pid: int,
        authorize: str,
        cookie: str,
        token_path: str,
        auth: str,
        redeem_body: Callable[[str], str],
        *,
        database: str | None = None,
    ) -> Measured:
        """Codes redeemed per second. A warm-up pool of 100 sizes the measured pool to about
        ``duration`` seconds of redemptions (at least 200, at most 6,000)."""

        def mint(count: int) -> list[str]:
            request = get_request(port, authorize, {"Cookie": cookie})
            minted = burst(port, [request] * count, self.connections)
            codes = []
            for answer in minted.answers:
                location = answer.headers.get("location", "") if answer else ""
                found = parse_qs(urlsplit(location).query).get("code")
                if not found:
                    status = answer.status if answer else "socket error"
                    raise RuntimeError(f"authorize gave no code: {status} {location[:200]}")
                codes.append(found[0])
            return codes

        def redeem(codes: list[str]) -> Burst:
            headers = {"Authorization": auth, "Content-Type": FORM}
            requests = [post_request(port, token_path, headers, redeem_body(c)) for c in codes]
            return burst(port, requests, self.connections)

        warm = redeem(mint(100))
        count = max(200, min(6000, round(warm.rps * self.duration)))
        best: Measured | None = None
        for attempt in range(self.redo.retries + 1):
            if attempt:
                self.redone += 1
                wait_for_quiet(self.redo.max_other, timeout=self.redo.retry_wait)
            pool = mint(count)
            meter = LoadMeter(pid, database)
            done = redeem(pool)
            other = meter.other_share()
            good = sum(1 for a in done.answers if a is not None and a.status == 200)
            rate = good / done.seconds if done.seconds else 0.0
            p50, p99 = done.percentile_ms(50), done.percentile_ms(99)
            figure = Measured(rate, p50, p99, len(pool) - good, other)
            bad = [a for a in done.answers if a is None or a.status != 200][:3]
            figure.failures = [
                f"{a.status} {a.body[:200].decode('utf-8', 'replace')}" if a else "socket error"
                for a in bad
            ]
            if best is None or figure.other_cpu < best.other_cpu:
                best = figure
            if other <= self.redo.max_other:
                break
        assert best is not None
        return best
