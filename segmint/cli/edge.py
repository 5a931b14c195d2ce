"""``segmint edge``: which segments a profile is in right now given one more event, evaluated in
memory by the edge evaluator; the database is read, never written."""

from __future__ import annotations

from datetime import datetime

import typer
from rich.markup import escape

from segmint import realtime
from segmint.cli.context import open_sandbox
from segmint.cli.instants import instant_option, now_unless
from segmint.cli.output import OutputFormat, console, print_json, table


def edge_command(
    ctx: typer.Context,
    identity: str = typer.Option(..., "--identity", help="The profile, as NAMESPACE:ID."),
    event: str = typer.Option(..., "--event", help="One event as a JSON object."),
    as_of: datetime | None = instant_option("--as-of", "Evaluation time (default: now)."),
    output: OutputFormat = typer.Option(OutputFormat.TABLE, "--format"),
) -> None:
    """Segments the profile is in with this event, and what the event changes.

    The profile is read from the workspace; nothing is written."""
    instant = now_unless(as_of)
    with open_sandbox(ctx) as workspace:
        answer = realtime.profile_segments(workspace.con, identity, instant, event)
    rows = answer["segments"]
    now_next = answer["nextChange"]
    if output is OutputFormat.JSON:
        print_json(answer)
        return
    if not rows:
        console.print(f"{escape(identity)} is in no segment at {instant.isoformat()}")
    else:
        cells = [(r["segment"], "yes" if r["member"] else "no", r["change"]) for r in rows]
        table(f"{identity} at {instant.isoformat()}", ["segment", "member", "change"], cells)
    when = now_next.isoformat() if now_next else "never (without new events)"
    console.print(f"next change: {when}")


def register(app: typer.Typer) -> None:
    app.command("edge")(edge_command)
