"""An open-loop HTTP load generator: requests are sent at a fixed arrival rate whatever the server does,
and each one's latency is measured from the time it was *scheduled* to be sent, not from when a free
connection let it go. So a slow server cannot slow the load down and hide its own slowness
(coordinated omission, the flaw of closed-loop tools such as wrk, which wait for a response before
sending the next request). This is the method of wrk2 (not packaged in Debian) and of Gil Tene's
"How NOT to measure latency".

    .venv/bin/python benchmarks/openloop.py --url http://127.0.0.1:8810 --rate 300 --seconds 30 \
        --requests lines.txt                 # each line "token<TAB>path", one picked at random per request

Arrivals are evenly spaced (as wrk2's -R), or a Poisson process with --poisson. A request that has no
answer within --timeout seconds is a failure (counted, and its latency is the timeout), as is a
connection error. Connections are kept alive and reused; a new one is opened whenever every open
connection is busy (up to --max-connections; past that a request waits for one, and the wait counts).
The generator's own CPU time is reported: on a shared 2-core machine it is part of the load.

Prints one line, `RESULT {json}`: sent, ok (2xx), non_2xx, timeouts, errors, p50/p90/p99/p999/max in
ms, the achieved rate, the connections it needed and its CPU seconds. Used by benchmarks/feed.py and
benchmarks/search.py through _common.openloop().
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import time
from urllib.parse import urlsplit


class Client:
    def __init__(self, host: str, port: int, timeout: float, max_connections: int) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.slots = asyncio.Semaphore(max_connections)
        self.opened = 0
        self.latencies: list[float] = []
        self.ok = self.non_2xx = self.timeouts = self.errors = 0

    async def _exchange(self, request: bytes) -> int:
        conn = self.idle.pop() if self.idle else None
        if conn is None:
            conn = await asyncio.open_connection(self.host, self.port)
            self.opened += 1
        reader, writer = conn
        keep = False
        try:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ", 2)[1])
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
            if "content-length" in headers:
                await reader.readexactly(int(headers["content-length"]))
            elif headers.get("transfer-encoding", "").lower() == "chunked":
                while True:
                    size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                    await reader.readexactly(size + 2)
                    if size == 0:
                        break
            keep = headers.get("connection", "").lower() != "close"
            return status
        finally:
            if keep:
                self.idle.append(conn)
            else:
                writer.close()

    async def send(self, scheduled: float, request: bytes) -> None:
        async with self.slots:
            left = self.timeout - (time.perf_counter() - scheduled)  # the wait for a connection counts
            try:
                status = await asyncio.wait_for(self._exchange(request), left)
            except TimeoutError:
                self.timeouts += 1
                self.latencies.append(self.timeout * 1000)
                return
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, IndexError):
                self.errors += 1
                self.latencies.append((time.perf_counter() - scheduled) * 1000)
                return
        self.latencies.append((time.perf_counter() - scheduled) * 1000)
        if 200 <= status < 300:
            self.ok += 1
        else:
            self.non_2xx += 1


def _pct(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else float("nan")


async def run(
    url: str, rate: float, seconds: float, lines: list[tuple[str, str]], *, timeout: float, poisson: bool, seed: int
) -> dict[str, float]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    client = Client(host, port, timeout, max_connections=2000)
    rng = random.Random(seed)
    requests = [
        (
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\n"
            + (f"Authorization: Bearer {token}\r\n" if token else "")
            + "Accept: application/json\r\n\r\n"
        ).encode()
        for token, path in lines
    ]
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    tasks = set()
    start = time.perf_counter() + 0.05
    at, sent = start, 0
    while at < start + seconds:
        delay = at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.ensure_future(client.send(at, rng.choice(requests)))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        sent += 1
        at += rng.expovariate(rate) if poisson else 1.0 / rate
    if tasks:
        await asyncio.wait(tasks)
    elapsed = time.perf_counter() - start
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    ordered = sorted(client.latencies)
    return {
        "rate": rate,
        "sent": sent,
        "ok": client.ok,
        "non_2xx": client.non_2xx,
        "timeouts": client.timeouts,
        "errors": client.errors,
        "failed_share": (client.non_2xx + client.timeouts + client.errors) / max(1, sent),
        "p50_ms": _pct(ordered, 0.50),
        "p90_ms": _pct(ordered, 0.90),
        "p99_ms": _pct(ordered, 0.99),
        "p999_ms": _pct(ordered, 0.999),
        "max_ms": ordered[-1] if ordered else float("nan"),
        "rps": client.ok / elapsed,
        "connections": client.opened,
        "generator_cpu_s": (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--rate", type=float, required=True, help="requests per second, scheduled")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--requests", required=True, help='a file of "token<TAB>path" lines')
    parser.add_argument("--timeout", type=float, default=2.0, help="seconds; a later answer is a failure")
    parser.add_argument("--poisson", action="store_true", help="Poisson arrivals instead of evenly spaced")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    lines = []
    with open(args.requests) as f:
        for line in f:
            token, _, path = line.rstrip("\n").partition("\t")
            if path:
                lines.append((token, path))
    result = asyncio.run(
        run(args.url, args.rate, args.seconds, lines, timeout=args.timeout, poisson=args.poisson, seed=args.seed)
    )
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
