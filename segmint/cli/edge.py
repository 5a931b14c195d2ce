"""``segmint edge``: which segments a profile is in right now given one more event, evaluated in
memory by the edge evaluator; the database is read, never written."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import typer

from segmint import segments
from segmint.cli.context import open_sandbox
from segmint.cli.output import OutputFormat, console, print_json, table
from segmint.engines.duckdb import Connection
from segmint.errors import NotFoundError, UsageError, ValidationError
from segmint.evaluate.edge import EdgeSegments
from segmint.evaluate.reference import ProfileData
from segmint.ingest.validate import RecordValidator
from segmint.schema.arrow import IDENTITY_MAP
from segmint.schema.model import SchemaClass
from segmint.store import catalog, definitions
from segmint.store.identities import parse_identity


def published(con: Connection) -> tuple[EdgeSegments, dict[str, str]]:
    """Every published segment compiled for edge evaluation, and their names by id."""
    chosen = [
        s
        for s in definitions.all_segments(con)
        if s.spec.lifecycle == definitions.Lifecycle.PUBLISHED
    ]
    if not chosen:
        raise NotFoundError(
            "no published segments", hint="create one with `segmint segment create`"
        )
    names = {s.id: s.name for s in chosen}
    plans = {s.id: segments.compile_pql(con, s.spec.pql) for s in chosen}
    return EdgeSegments(plans, names), names


def event_validator(con: Connection, source: str) -> RecordValidator:
    """Validates single events against the sandbox's event schema, as ingestion does."""
    namespaces = {namespace.name: namespace for namespace in catalog.namespaces(con)}
    return RecordValidator(catalog.schema(con, SchemaClass.EVENT), {}, namespaces, source)


def parse_event(validator: RecordValidator, text: str, identity: str) -> dict[str, Any]:
    """The event JSON, validated and normalised; it belongs to ``identity`` unless it names
    its own identities."""
    try:
        raw = orjson.loads(text)
    except orjson.JSONDecodeError as problem:
        raise UsageError(f"--event is not JSON: {problem}", hint="pass one JSON object") from None
    if not isinstance(raw, dict):
        raise UsageError("--event must be a JSON object", hint='e.g. {"_id": "e1", ...}')
    namespace, value = parse_identity(identity)
    raw.setdefault(IDENTITY_MAP, {namespace: [{"id": value, "primary": True}]})
    record, problems = validator.validate(raw, 1, from_text=False)
    if record is None:
        raise ValidationError(problems)
    return record


def _profile(con: Connection, identity: str) -> ProfileData:
    """The stored profile, or an empty one for an identity never seen (a new profile)."""
    try:
        return segments.profile_data(con, identity)
    except NotFoundError:
        parse_identity(identity)
        return ProfileData()


def edge_command(
    ctx: typer.Context,
    identity: str = typer.Option(..., "--identity", help="The profile, as NAMESPACE:ID."),
    event: str = typer.Option(..., "--event", help="One event as a JSON object."),
    as_of: datetime | None = typer.Option(None, "--as-of", help="Evaluation time (UTC) [now]."),
    output: OutputFormat = typer.Option(OutputFormat.TABLE, "--format"),
) -> None:
    """Segments the profile is in with this event, and what the event changes (nothing is
    written)."""
    instant = as_of.replace(tzinfo=None) if as_of else datetime.now(UTC).replace(tzinfo=None)
    with open_sandbox(ctx) as workspace:
        con = workspace.con
        edge, names = published(con)
        record = parse_event(event_validator(con, "--event"), event, identity)
        before = _profile(con, identity)
    after = ProfileData(before.attributes, [*before.events, record], before.segments)
    was, now = edge.evaluate(before, instant), edge.evaluate(after, instant)
    rows = [
        {
            "segment": names[s],
            "id": s,
            "member": s in now.members,
            "change": "entered"
            if s not in was.members
            else "exited"
            if s not in now.members
            else "",
        }
        for s in sorted(was.members | now.members, key=names.__getitem__)
    ]
    if output is OutputFormat.JSON:
        print_json({"asOf": instant, "segments": rows, "nextChange": now.next_change})
        return
    table(f"{identity} at {instant.isoformat()}", ["segment", "member", "change"],
          [(r["segment"], "yes" if r["member"] else "no", r["change"]) for r in rows])  # fmt: skip
    when = now.next_change.isoformat() if now.next_change else "never (without new events)"
    console.print(f"next change: {when}")


def register(app: typer.Typer) -> None:
    app.command("edge")(edge_command)
