"""REST API latency under a steady load from concurrent clients on loopback: the edge answer
for one profile (``GET /profiles/{identity}/segments``) at 50, 100 and 200 requests/s offered,
each against a baseline measured in the same run on the same server at the same rate
(``GET /health``: the cost of HTTP, routing and uvicorn alone). Every lookup is first made
once, cold (the one-profile read from the store, then kept in memory); the loaded runs then
measure the steady state, answered from memory. Each cell is the median of ``--repeats`` runs.

Then streaming collection (``POST /collection/web``): new events of the demo's people in arrays
of 100, sent by 4 and by 16 concurrent clients as fast as answers come back (each answer means
the events and the membership changes they caused are committed; more clients keep more calls
waiting, so group commits grow); then by 16 clients alternating between ``/collection/web``
and ``/collection/app``. Each client sends the events of its own share of the people,
so a person's events arrive in time order, as from the one source that saw them. Against the
same number of events uploaded as one JSONL file to ``/batches`` on the same server (bulk
ingestion, no streaming evaluation). Collection writes, so it runs on a copy of the cached
workspace.

    python benchmarks/api.py --profiles 5000 --seconds 5 --repeats 3
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import orjson
from harness import DATA, demo_workspace
from rich.console import Console
from rich.table import Table

from segmint.store import apikeys
from segmint.store.apikeys import Role
from segmint.store.workspace import Workspace

#: Profiles looked up (each first once, cold), and the time between consecutive new events.
LOOKUPS = 500
STEP = timedelta(milliseconds=10)
#: Concurrent client connections.
CLIENTS = 32
#: Concurrent collection clients (the first row; ``--collectors`` adds more), and events per
#: collection call.
COLLECTORS = 4
ARRAY = 100
#: The datasets of the last collection row: clients alternate between them, as web and app
#: sources of one sandbox do.
MIXED = ("web", "app")
EVENT_TYPES = ("web.webpagedetails.pageViews", "commerce.productViews", "search",
               "commerce.productListAdds", "commerce.purchases")  # fmt: skip


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prepare(profiles: int) -> tuple[Path, dict[Role, str], list[str]]:
    """A demo workspace (made once), a read and a write key, and the people's e-mail
    identities."""
    workspace = demo_workspace("api-ws", profiles)
    with Workspace.open(workspace) as ws:
        tokens = {
            role: apikeys.create(ws.con, "prod", role, "benchmark")[1]
            for role in (Role.READ, Role.WRITE)
        }
        ws.use("prod")
        rows = ws.con.execute(
            "SELECT namespace || ':' || id FROM identities WHERE namespace = 'email' "
            "ORDER BY identity_key"
        ).fetchall()
    return workspace, tokens, [str(row[0]) for row in rows]


class Connections:
    """Keep-alive HTTP/1.1 connections on loopback, each used by one request at a time. A
    minimal client on purpose: client and server share the machine, and httpx spends more
    CPU per request than the answers being measured."""

    def __init__(self, host: str, port: int, count: int, token: str) -> None:
        self._address = (host, port)
        self._count = count
        self._auth = f"Authorization: Bearer {token}\r\nHost: {host}\r\n"
        self._free: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = (
            asyncio.Queue()
        )

    async def open(self) -> None:
        for _ in range(self._count):
            self._free.put_nowait(await asyncio.open_connection(*self._address))

    async def close(self) -> None:
        while not self._free.empty():
            _, writer = self._free.get_nowait()
            writer.close()

    async def get(self, path: str) -> int:
        return await self.send(f"GET {path} HTTP/1.1\r\n{self._auth}\r\n".encode())

    async def post(self, path: str, body: bytes) -> int:
        head = (
            f"POST {path} HTTP/1.1\r\n{self._auth}Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        return await self.send(head.encode() + body)

    async def send(self, request: bytes) -> int:
        """The status of a request, on the next free connection (reopened if the server
        closed it while idle)."""
        reader, writer = await self._free.get()
        try:
            try:
                return await self._exchange(reader, writer, request)
            except (asyncio.IncompleteReadError, ConnectionError):
                writer.close()
                reader, writer = await asyncio.open_connection(*self._address)
                return await self._exchange(reader, writer, request)
        finally:
            self._free.put_nowait((reader, writer))

    async def _exchange(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
    ) -> int:
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        await reader.readexactly(length)
        return int(head.split(b" ", 2)[1])


async def load(pool: Connections, paths: list[str], rate: float, seconds: float) -> Run:
    """Send requests at a fixed rate (open loop: each is due at its own instant however slow
    the answers; its latency counts from that instant, waiting for a connection included)."""
    latencies: list[float] = []
    failures = 0

    async def one(path: str, due: float) -> None:
        nonlocal failures
        try:
            status = await pool.get(path)
        except (OSError, asyncio.IncompleteReadError):
            failures += 1
            return
        latencies.append((time.perf_counter() - due) * 1000)
        failures += status != 200

    tasks = []
    begin = time.perf_counter()
    for index in range(int(rate * seconds)):
        due = begin + index / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(paths[index % len(paths)], due)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - begin
    return Run(len(latencies) / elapsed, latencies, failures)


@dataclass(frozen=True)
class Run:
    achieved: float  # answered requests per second
    latencies: list[float]
    failures: int

    def p(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def median_of(runs: list[Run], measure: Callable[[Run], float]) -> float:
    return statistics.median(measure(run) for run in runs)


async def cold(pool: Connections, paths: list[str]) -> Run:
    """Each lookup once, one at a time: the one-profile read from the store."""
    latencies = []
    begin = time.perf_counter()
    for path in paths:
        started = time.perf_counter()
        status = await pool.get(path)
        assert status == 200, f"{path} answered {status}"
        latencies.append((time.perf_counter() - started) * 1000)
    return Run(len(paths) / (time.perf_counter() - begin), latencies, 0)


async def measure(
    port: int, token: str, identities: list[str], rates: list[float], seconds: float,
    repeats: int,
) -> Table:  # fmt: skip
    lookups = [f"/profiles/{i}/segments" for i in identities]
    view = Table(title=f"API on loopback: {len(identities)} profiles, {seconds:.0f} s per run, "
                 f"median of {repeats} runs")  # fmt: skip
    columns = ("endpoint", "offered/s", "achieved/s", "failed", "p50 ms", "p99 ms", "max ms",
               "p99 vs baseline")  # fmt: skip
    for column in columns:
        view.add_column(column, justify="right")
    pool = Connections("127.0.0.1", port, CLIENTS, token)
    await pool.open()
    try:
        first = await cold(pool, lookups)
        view.add_row("profile lookup, cold (store read)", "serial", f"{first.achieved:.0f}", "0",
                     f"{first.p(0.5):.2f}", f"{first.p(0.99):.2f}", f"{max(first.latencies):.2f}",
                     "")  # fmt: skip
        for rate in rates:
            baseline: list[Run] = []
            lookup: list[Run] = []
            for _ in range(repeats):
                baseline.append(await load(pool, ["/health"], rate, seconds))
                lookup.append(await load(pool, lookups, rate, seconds))
            base_p99 = median_of(baseline, lambda run: run.p(0.99))
            for name, runs in (("GET /health (baseline)", baseline),
                               ("GET /profiles/{identity}/segments", lookup)):  # fmt: skip
                p99 = median_of(runs, lambda run: run.p(0.99))
                view.add_row(
                    name, f"{rate:.0f}", f"{median_of(runs, lambda run: run.achieved):.1f}",
                    str(sum(run.failures for run in runs)),
                    f"{median_of(runs, lambda run: run.p(0.5)):.2f}", f"{p99:.2f}",
                    f"{median_of(runs, lambda run: max(run.latencies)):.2f}",
                    f"{p99 / base_p99:.2f}x",
                )  # fmt: skip
    finally:
        await pool.close()
    return view


def new_events(
    identities: list[str], start: datetime, ticks: Iterator[int]
) -> Iterator[dict[str, object]]:
    """Endless new events of these people in turn, after the demo data ends, each at the next
    of the shared ``ticks`` (10 ms apart): one client sends all of a person's events, in time
    order, as one source of them would."""
    for identity in itertools.cycle(identities):
        namespace, _, value = identity.partition(":")
        tick = next(ticks)
        yield {
            "_id": f"benchmark-{tick}", "timestamp": (start + tick * STEP).isoformat() + "Z",
            "eventType": EVENT_TYPES[tick % len(EVENT_TYPES)],
            "identityMap": {namespace: [{"id": value, "primary": True}]},
        }  # fmt: skip


async def stream(
    pool: Connections,
    sources: list[Iterator[dict[str, object]]],
    seconds: float,
    datasets: tuple[str, ...] = ("web",),
) -> Run:
    """Arrays of ``ARRAY`` events from a client per source, each sending its next array as
    soon as the last is answered (client i into ``datasets[i % len(datasets)]``);
    ``achieved`` counts events per second."""
    latencies: list[float] = []
    failures = 0
    stop = time.perf_counter() + seconds

    async def client(events: Iterator[dict[str, object]], dataset: str) -> None:
        nonlocal failures
        while time.perf_counter() < stop:
            body = orjson.dumps([next(events) for _ in range(ARRAY)])
            started = time.perf_counter()
            status = await pool.post(f"/collection/{dataset}", body)
            latencies.append((time.perf_counter() - started) * 1000)
            failures += status != 200

    begin = time.perf_counter()
    await asyncio.gather(
        *(client(events, datasets[i % len(datasets)]) for i, events in enumerate(sources))
    )
    return Run(len(latencies) * ARRAY / (time.perf_counter() - begin), latencies, failures)


async def bulk(port: int, token: str, events: list[dict[str, object]]) -> float:
    """Events per second of the same kind of events uploaded as one JSONL file."""
    content = b"".join(orjson.dumps(event) + b"\n" for event in events)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=600) as client:
        started = time.perf_counter()
        response = await client.post(
            "/batches", files={"file": ("benchmark.jsonl", content)}, data={"dataset": "web"},
            headers={"Authorization": f"Bearer {token}"},
        )  # fmt: skip
        elapsed = time.perf_counter() - started
    assert response.status_code == 201, response.text
    return len(events) / elapsed


async def collect(
    port: int, token: str, identities: list[str], start: datetime, seconds: float, repeats: int,
    collectors: list[int],
) -> Table:  # fmt: skip
    ticks = itertools.count()
    pool = Connections("127.0.0.1", port, max(collectors), token)
    await pool.open()
    runs: dict[tuple[int, tuple[str, ...]], list[Run]] = {}
    mixes = [(clients, ("web",)) for clients in collectors] + [(max(collectors), MIXED)]
    try:
        for clients, datasets in mixes:
            shares = [new_events(identities[i::clients], start, ticks) for i in range(clients)]
            runs[clients, datasets] = [
                await stream(pool, shares, seconds, datasets) for _ in range(repeats)
            ]
    finally:
        await pool.close()
    sent = sum(len(run.latencies) for run in runs[mixes[0]]) * ARRAY // repeats
    everyone = new_events(identities, start, ticks)
    baseline = [await bulk(port, token, [next(everyone) for _ in range(sent)])
                for _ in range(repeats)]  # fmt: skip
    bulk_rate = statistics.median(baseline)
    view = Table(title=f"Streaming collection: arrays of {ARRAY}, {seconds:.0f} s per run, "
                 f"median of {repeats} runs")  # fmt: skip
    for column in ("path", "clients", "events/s", "failed calls", "p50 ms per call",
                   "p99 ms per call", "vs bulk upload"):  # fmt: skip
        view.add_column(column, justify="right")
    for (clients, datasets), done in runs.items():
        rate = median_of(done, lambda run: run.achieved)
        paths = " and ".join(f"/collection/{dataset}" for dataset in datasets)
        view.add_row(f"POST {paths} (durable, evaluated)", str(clients), f"{rate:,.0f}",
                     str(sum(run.failures for run in done)),
                     f"{median_of(done, lambda run: run.p(0.5)):.1f}",
                     f"{median_of(done, lambda run: run.p(0.99)):.1f}",
                     f"{rate / bulk_rate:.2f}x")  # fmt: skip
    view.add_row(f"POST /batches, {sent:,} events in one JSONL file (baseline)", "1",
                 f"{bulk_rate:,.0f}", "0", "", "", "1.00x")  # fmt: skip
    return view


@contextmanager
def serving(workspace: Path) -> Iterator[int]:
    """``segmint serve`` on a free port, ready; stopped on exit."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "segmint.cli", "--workspace", str(workspace),
         "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ},
    )  # fmt: skip
    try:
        for _ in range(200):
            try:
                httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield port
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)


def data_end(workspace: Path) -> datetime:
    with Workspace.open(workspace) as ws:
        ws.use("prod")
        row = ws.con.execute("SELECT max(timestamp) FROM events").fetchone()
    assert row is not None
    end: datetime = row[0]
    return end + timedelta(minutes=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profiles", type=int, default=5000)
    parser.add_argument("--rates", type=float, nargs="+", default=[50, 100, 200])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--collectors", type=int, nargs="+", default=[COLLECTORS, 16],
                        help="concurrent collection clients, one row each")  # fmt: skip
    args = parser.parse_args()
    workspace, tokens, identities = prepare(args.profiles)
    console = Console(width=140)
    with serving(workspace) as port:
        console.print(asyncio.run(measure(
            port, tokens[Role.READ], identities[:LOOKUPS], args.rates, args.seconds,
            args.repeats,
        )))  # fmt: skip
    with tempfile.TemporaryDirectory(dir=DATA) as folder:
        copy = Path(folder) / "ws"
        shutil.copytree(workspace, copy)
        start = data_end(copy)
        with serving(copy) as port:
            console.print(asyncio.run(collect(
                port, tokens[Role.WRITE], identities, start, args.seconds, args.repeats,
                args.collectors,
            )))  # fmt: skip


if __name__ == "__main__":
    main()
