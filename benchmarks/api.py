"""REST API latency under a steady load from concurrent clients on loopback: the edge answer
for one profile (``GET /profiles/{identity}/segments``) at a fixed request rate, against a
baseline measured in the same run on the same server (``GET /openapi.json``, served from
memory: the cost of HTTP, auth-free routing and uvicorn alone).

    python benchmarks/api.py --profiles 5000 --rate 200 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

from segmint.store import apikeys
from segmint.store.apikeys import Role
from segmint.store.workspace import Workspace

DATA = Path(__file__).parent / ".data"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prepare(profiles: int) -> tuple[Path, str, list[str]]:
    """A demo workspace (made once), a read key, and identities to look up."""
    workspace = DATA / f"api-ws-{profiles}"
    if not (workspace / "segmint.duckdb").exists():
        subprocess.run(
            [sys.executable, "-m", "segmint.cli", "--workspace", str(workspace), "demo",
             "--profiles", str(profiles)],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
    with Workspace.open(workspace) as ws:
        _, token = apikeys.create(ws.con, "prod", Role.READ, "benchmark")
        ws.use("prod")
        rows = ws.con.execute(
            "SELECT namespace || ':' || id FROM identities WHERE namespace = 'email' "
            "ORDER BY identity_key LIMIT 500"
        ).fetchall()
    return workspace, token, [str(row[0]) for row in rows]


async def load(
    client: httpx.AsyncClient,
    paths: list[str],
    rate: float,
    seconds: float,
    headers: dict[str, str],
) -> tuple[list[float], int]:
    """Send requests at a fixed rate (open loop) and collect each one's latency in ms."""
    latencies: list[float] = []
    failures = 0

    async def one(path: str) -> None:
        nonlocal failures
        started = time.perf_counter()
        try:
            response = await client.get(path, headers=headers)
        except httpx.TransportError:
            failures += 1
            return
        latencies.append((time.perf_counter() - started) * 1000)
        failures += response.status_code != 200

    tasks = []
    begin = time.perf_counter()
    for index in range(int(rate * seconds)):
        delay = begin + index / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(paths[index % len(paths)])))
    await asyncio.gather(*tasks)
    return latencies, failures


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def measure(
    base: str, token: str, identities: list[str], rate: float, seconds: float
) -> Table:
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=64)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        for identity in identities[:20]:  # warm up: compile segments, fill caches
            await client.get(f"/profiles/{identity}/segments", headers=headers)
        runs = [
            ("GET /openapi.json (baseline)", ["/openapi.json"]),
            ("GET /profiles/{identity}/segments", [f"/profiles/{i}/segments" for i in identities]),
        ]
        view = Table(title=f"API on loopback, {rate:.0f} requests/s for {seconds:.0f} s")
        for column in (
            "endpoint",
            "requests",
            "failed",
            "p50 ms",
            "p99 ms",
            "max ms",
            "p99 vs baseline",
        ):
            view.add_column(column, justify="right")
        baseline = 0.0
        for name, paths in runs:
            latencies, failed = await load(client, paths, rate, seconds, headers)
            p99 = percentile(latencies, 0.99)
            baseline = baseline or p99
            median = statistics.median(latencies)
            worst, ratio = max(latencies), p99 / baseline
            view.add_row(name, f"{len(latencies):,}", str(failed), f"{median:.2f}",
                         f"{p99:.2f}", f"{worst:.2f}", f"{ratio:.2f}x")  # fmt: skip
    return view


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profiles", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    workspace, token, identities = prepare(args.profiles)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "segmint.cli", "--workspace", str(workspace),
         "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(f"{base}/openapi.json", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        view = asyncio.run(measure(base, token, identities, args.rate, args.seconds))
        Console(width=140).print(view)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
