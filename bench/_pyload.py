"""Fallback load generator, used by server_choice.py only when ``wrk`` is not installed.

Keep-alive HTTP/1.1 GETs over raw asyncio streams from N connections for a fixed time; prints
one JSON object. One process on one core: it saturates long before wrk does, so its figures
are a floor, not a server's capacity. Targets 127.0.0.1 only.

    python bench/_pyload.py --port 8000 --path /healthz --connections 64 --duration 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from dataclasses import dataclass, field

HOST = "127.0.0.1"


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    non_2xx: int = 0
    errors: int = 0


async def one_connection(request: bytes, port: int, stop_at: float, tally: Tally) -> None:
    writer = None
    while time.perf_counter() < stop_at:
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(HOST, port)
            began = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if length:
                await reader.readexactly(length)
            tally.latencies.append(time.perf_counter() - began)
            if not 200 <= status < 300:
                tally.non_2xx += 1
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            tally.errors += 1
            if writer is not None:
                writer.close()
            writer = None
            await asyncio.sleep(0.01)
    if writer is not None:
        writer.close()


async def run(port: int, path: str, connections: int, duration: float) -> dict[str, float]:
    request = f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode()
    tally = Tally()
    began = time.perf_counter()
    stop_at = began + duration
    tasks = [one_connection(request, port, stop_at, tally) for _ in range(connections)]
    await asyncio.wait_for(asyncio.gather(*tasks), duration + 10)
    seconds = time.perf_counter() - began
    ordered = sorted(tally.latencies)
    if len(ordered) > 1:
        cuts = statistics.quantiles(ordered, n=100, method="inclusive")
        p50, p99 = cuts[49], cuts[98]
    else:
        p50 = p99 = ordered[0] if ordered else 0.0
    return {
        "requests": len(ordered),
        "seconds": seconds,
        "rps": len(ordered) / seconds,
        "p50_ms": p50 * 1000,
        "p99_ms": p99 * 1000,
        "non_2xx": tally.non_2xx,
        "errors": tally.errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", default="/healthz")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--duration", type=float, default=10.0)
    args = parser.parse_args()
    if not 0 < args.duration <= 300:
        parser.error("--duration must be in (0, 300] seconds")
    try:
        import uvloop  # optional, faster when present

        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    result = runner(run(args.port, args.path, args.connections, args.duration))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
