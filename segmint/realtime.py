"""Edge answers for one profile: which published segments it is in at an instant, optionally
with one more event, evaluated in memory by the edge evaluator (the database is only read).
The CLI's ``segmint edge`` and the API's ``/profiles/{identity}/segments`` both call this."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from segmint import segments
from segmint.engines.duckdb import Connection
from segmint.errors import NotFoundError, UsageError, ValidationError, did_you_mean
from segmint.evaluate.edge import EdgeResult, EdgeSegments
from segmint.evaluate.edge.events import EventIndex, IndexedProfile
from segmint.evaluate.reference import ProfileData
from segmint.ingest.validate import RecordValidator
from segmint.schema.arrow import IDENTITY_MAP
from segmint.schema.model import SchemaClass
from segmint.store import catalog, definitions, profiles
from segmint.store.identities import parse_identity

#: Published segments compiled for the edge evaluator, and their names by id.
Compiled = tuple[EdgeSegments, dict[str, str]]


def published(con: Connection) -> Compiled:
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


def parse_event(con: Connection, event: str | dict[str, Any], identity: str) -> dict[str, Any]:
    """One event (JSON text or decoded), validated and normalised as ingestion would; it belongs
    to ``identity`` unless it names its own identities."""
    if isinstance(event, str):
        try:
            event = orjson.loads(event)
        except orjson.JSONDecodeError as problem:
            raise UsageError(
                f"the event is not JSON: {problem}", hint="pass one JSON object"
            ) from None
    if not isinstance(event, dict):
        raise UsageError("the event must be a JSON object", hint='e.g. {"_id": "e1", ...}')
    namespace, value = parse_identity(identity)
    own = IDENTITY_MAP in event
    event.setdefault(IDENTITY_MAP, {namespace: [{"id": value, "primary": True}]})
    namespaces = {ns.name: ns for ns in catalog.namespaces(con)}
    validator = RecordValidator(catalog.schema(con, SchemaClass.EVENT), {}, namespaces, "event")
    record, problems = validator.validate(event, 1, from_text=False)
    if record is None:
        raise ValidationError(problems, hint="fix the event and send it again")
    named = [(entry["namespace"], entry["id"]) for entry in record[IDENTITY_MAP]]
    if own and not _of_profile(con, named, (namespace, value)):
        shown = ", ".join(f"{ns}:{id_}" for ns, id_ in named)
        raise UsageError(
            f"the event is not {identity}'s: none of its identities ({shown}) is of that profile",
            hint=f"send an event of {identity}, or leave out its identityMap",
        )
    return record


def _of_profile(con: Connection, named: list[tuple[str, str]], wanted: tuple[str, str]) -> bool:
    """Whether one of an event's identities is ``wanted`` or, under the default merge policy,
    of the same profile (an identity not stored yet is nobody's)."""
    if wanted in named:
        return True

    def profile(pair: tuple[str, str]) -> int | None:
        try:
            return profiles.resolve(con, f"{pair[0]}:{pair[1]}", None)[2]
        except NotFoundError:
            return None

    target = profile(wanted)
    return target is not None and any(profile(pair) == target for pair in named)


def stored_profile(con: Connection, identity: str) -> ProfileData:
    """The stored profile, or an empty one for an identity never seen (a new profile)."""
    try:
        return segments.profile_data(con, identity)
    except NotFoundError:
        namespace, _ = parse_identity(identity)
        known = [found.name for found in catalog.namespaces(con)]
        if namespace not in known:
            raise UsageError(
                f'"{namespace}" is not an identity namespace',
                hint=did_you_mean(namespace, known) or f"namespaces: {', '.join(known)}",
            ) from None
        return ProfileData()


def indexed(profile: ProfileData) -> IndexedProfile:
    """The profile with its events indexed by type and time, so that evaluating it again (a
    server keeps it between requests) reads only the events each segment tests."""
    index = EventIndex()
    for event in profile.events:
        index.add(event)
    return IndexedProfile(profile.attributes, profile.events, profile.segments, index)


def answer(
    edge: Compiled, before: ProfileData, as_of: datetime, record: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The segments of a stored profile at ``as_of`` and, with a parsed event, what the event
    changes (nothing, when the profile holds an event with its ``_id`` already, as ingestion
    would store it once); ``nextChange`` is when the answer next changes without a new event."""
    evaluator, names = edge
    was = evaluator.evaluate(before, as_of)
    now = was
    if record is not None and all(event.get("_id") != record["_id"] for event in before.events):
        after = ProfileData(before.attributes, [*before.events, record], before.segments)
        now = evaluator.evaluate(after, as_of)
    return rows(names, was, now, as_of)


def rows(
    names: dict[str, str], was: EdgeResult, now: EdgeResult, as_of: datetime
) -> dict[str, Any]:
    """The answer's shape: each segment the profile is or was in, and how it changed."""
    found = []
    for segment in sorted(was.members | now.members, key=names.__getitem__):
        change = (
            "entered"
            if segment not in was.members
            else "exited"
            if segment not in now.members
            else ""
        )
        found.append(
            {
                "segment": names[segment],
                "id": segment,
                "member": segment in now.members,
                "change": change,
            }
        )
    return {"asOf": as_of, "segments": found, "nextChange": now.next_change}


def profile_segments(
    con: Connection,
    identity: str,
    as_of: datetime,
    event: str | dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The segments of a profile at ``as_of`` and, with an event, what the event changes."""
    edge = published(con)
    before = stored_profile(con, identity)
    record = parse_event(con, event, identity) if event is not None else None
    return answer(edge, before, as_of, record)
