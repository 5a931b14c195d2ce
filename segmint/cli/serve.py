"""``segmint serve``: the REST API on uvicorn, owning the workspace while it runs."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer

from segmint.cli.context import settings
from segmint.cli.output import console
from segmint.collector import long_lived
from segmint.stream.residency import DEFAULT_MAX_PROFILES

#: Seconds a thread holds the GIL while others wait (Python's default is 0.005). Collection
#: commits on one thread, which gives the GIL up on every DuckDB call and then waits this
#: long to get it back from the request threads: at 1 ms, 8% more events/s were collected
#: while the server evaluated in-process; with evaluation in its own process, 28,000 either way.
SWITCH_INTERVAL = 0.001


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8080, "--port", min=1, max=65535, help="Port to listen on."),
    max_profiles: int = typer.Option(
        DEFAULT_MAX_PROFILES,
        "--max-profiles",
        min=1,
        help="Profiles each collection stream holds in memory; others are read back when needed.",
    ),
) -> None:
    """Serve the REST API (docs at /docs); other commands wait until it stops."""
    # Imported here: only this command needs the web stack, and it is slow to import.
    import uvicorn

    from segmint.api.app import create_app

    app = create_app(settings(ctx).workspace, max_profiles=max_profiles)
    console.print(f"Segmint API on http://{host}:{port} (docs at /docs); Ctrl+C stops it")
    # No access log: a line per request costs more than an edge answer. http and loop stay
    # "auto": they take httptools' parser and uvloop (dependencies; asyncio where uvloop does
    # not install), which collect 25% more events per second than h11 and asyncio.
    # The app and the edge cache's profiles last as long as the server.
    with long_lived(), switch_interval(SWITCH_INTERVAL):
        uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)


@contextmanager
def switch_interval(seconds: float) -> Iterator[None]:
    """The GIL's switch interval while inside; as it was on exit."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(seconds)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
