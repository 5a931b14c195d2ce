"""The ``segmint`` command: global options, command groups, and errors shown without tracebacks."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from segmint.cli import (
    ai,
    apikey,
    data,
    demo,
    edge,
    identity,
    pql,
    segments,
    serve,
    stream,
    workspace,
)
from segmint.cli.output import error
from segmint.config import WORKSPACE_ENV, Settings
from segmint.engines.duckdb import interrupted
from segmint.errors import SegmintError

app = typer.Typer(
    name="segmint",
    help="Real-time customer segmentation: ingest, stitch, segment, activate.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def main(
    ctx: typer.Context,
    workspace_dir: Path | None = typer.Option(
        None,
        "--workspace",
        "-w",
        envvar=WORKSPACE_ENV,
        help="Workspace folder (default: ./segmint-workspace).",
    ),
    sandbox: str = typer.Option("prod", "--sandbox", "-s", help="Sandbox to work in."),
) -> None:
    ctx.obj = Settings.resolve(workspace_dir, sandbox)


for module in (workspace, data, identity, pql, segments, demo, apikey, serve, edge, stream, ai):
    module.register(app)


def refused(problem: OSError) -> str:
    """What the system refused, and which file: "cannot use x.csv: Permission denied"."""
    names = [str(name) for name in (problem.filename, problem.filename2) if name is not None]
    return f"cannot use {' or '.join(names)}: {problem.strerror or problem}"


def run() -> None:
    """Console entry point: a SegmintError, or a file the system refuses, becomes a message
    and exit 1, never a traceback."""
    try:
        app()
    except SegmintError as problem:
        error(problem)
        sys.exit(1)
    except OSError as problem:
        if problem.filename is None:  # not a file's (a closed pipe, a socket)
            raise
        error(SegmintError(refused(problem), hint="check the path and its permissions"))
        sys.exit(1)
    except BaseException as problem:
        if not interrupted(problem):
            raise
        error(SegmintError("interrupted; nothing was half-written (batches commit whole)"))
        sys.exit(130)
