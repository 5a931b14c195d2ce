"""``segmint serve``: the REST API on uvicorn, owning the workspace while it runs."""

from __future__ import annotations

import gc

import typer

from segmint.cli.context import settings
from segmint.cli.output import console

#: Allocations before a young collection, and young (middle) collections before an older one.
GC_THRESHOLDS = (50_000, 20, 100)


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8080, "--port", help="Port to listen on."),
) -> None:
    """Serve the REST API (docs at /docs); other commands wait until it stops."""
    # Imported here: only this command needs the web stack, and it is slow to import.
    import uvicorn

    from segmint.api.app import create_app

    app = create_app(settings(ctx).workspace)
    # What is loaded by now (modules, the app) lives as long as the server, and so do the
    # edge cache's profiles (acyclic: freed by reference counting when dropped). Full passes
    # of the cyclic collector over all of it stall every request for 100s of ms: keep what is
    # loaded out of them, and make them rare.
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    console.print(f"Segmint API on http://{host}:{port} (docs at /docs); Ctrl+C stops it")
    # No access log: a line per request costs more than an edge answer. http and loop stay
    # "auto": httptools and uvloop are used when installed (uvicorn[standard]).
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
