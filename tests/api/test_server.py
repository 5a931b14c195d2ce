"""End to end over real sockets: ``segmint serve`` owns the workspace, and a real uvicorn
serves concurrent readers and writers (a cursor per request, one writer at a time)."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from segmint.api.app import create_app
from tests.api.conftest import Keys

WAIT = 20.0  # seconds; bounds every wait below


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def segmint(workspace: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "segmint.cli", "--workspace", str(workspace), *args],
        capture_output=True, text=True, timeout=WAIT, check=False,
    )  # fmt: skip


def wait_until_up(url: str, process: subprocess.Popen[str] | None = None) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"server exited: {process.communicate()}")
        try:
            if httpx.get(f"{url}/openapi.json", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise AssertionError(f"{url} did not come up within {WAIT} s")


def test_serve_owns_the_workspace_until_it_stops(workspace_path: Path, keys: Keys) -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "segmint.cli", "--workspace", str(workspace_path), "serve",
         "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url, server)
        auth = {"Authorization": f"Bearer {keys.read}"}
        assert httpx.get(f"{url}/datasets", headers=auth, timeout=WAIT).status_code == 200
        busy = segmint(workspace_path, "dataset", "list")
        assert busy.returncode == 1
        assert f"is in use by PID {server.pid}" in busy.stderr
    finally:
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=WAIT)
    assert server.returncode == 0, output
    assert "Application shutdown complete" in output
    assert segmint(workspace_path, "dataset", "list").returncode == 0


@pytest.fixture
def live_url(workspace_path: Path, keys: Keys) -> Iterator[str]:
    """A real uvicorn in a background thread on a free loopback port."""
    port = free_port()
    config = uvicorn.Config(
        create_app(workspace_path), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_until_up(f"http://127.0.0.1:{port}")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(WAIT)
    assert not thread.is_alive()


def test_concurrent_readers_and_writers(live_url: str, keys: Keys) -> None:
    write = {"Authorization": f"Bearer {keys.write}"}
    read = {"Authorization": f"Bearer {keys.read}"}

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=live_url, timeout=WAIT) as client:
            creates = [
                client.post("/segment/definitions", headers=write,
                            json={"name": f"s{i}", "expression": {"value": f"person.birthYear > {i}"}})
                for i in range(12)
            ]  # fmt: skip
            reads = [client.get("/segment/definitions", headers=read) for _ in range(24)]
            return list(await asyncio.gather(*creates, *reads))

    responses = asyncio.run(burst())
    assert sorted({r.status_code for r in responses}) == [200, 201], [
        r.text for r in responses if r.status_code >= 300
    ]
    final = httpx.get(f"{live_url}/segment/definitions", headers=read, timeout=WAIT).json()
    assert final["page"]["totalCount"] == 12
