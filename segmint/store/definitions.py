"""Stored segment definitions: one row per segment, every version kept, references tracked.

A definition is checked before it is stored (its PQL must parse and bind against the sandbox's
schemas, and its segment references must exist without forming a cycle); the ``check`` callable
does that and returns the segments the definition references, so that storage stays free of the
language.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from segmint.engines.duckdb import Connection
from segmint.errors import ConflictError, NotFoundError, UsageError, did_you_mean
from segmint.store.catalog import now


class Lifecycle(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    INACTIVE = "inactive"


@dataclass(frozen=True)
class SegmentSpec:
    """What a user says about a segment; everything else is assigned."""

    name: str
    pql: str
    description: str = ""
    merge_policy: str | None = None
    tags: tuple[str, ...] = ()
    lifecycle: Lifecycle = Lifecycle.PUBLISHED


@dataclass(frozen=True)
class Segment:
    id: str
    spec: SegmentSpec
    refs: frozenset[str] = field(default_factory=frozenset)
    version: int = 1
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def name(self) -> str:
        return self.spec.name


#: Parses and binds a definition's PQL, returning the segment ids/names it references.
Check = Callable[[SegmentSpec], frozenset[str]]


def all_segments(con: Connection) -> list[Segment]:
    rows = con.execute(
        "SELECT id, name, description, pql, merge_policy, tags, lifecycle, refs, version, "
        "created_at, updated_at FROM segments ORDER BY name"
    ).fetchall()
    return [_segment(row) for row in rows]


def _segment(row: tuple[Any, ...]) -> Segment:
    id_, name, description, pql, policy, tags, lifecycle, refs, version, created, updated = row
    spec = SegmentSpec(
        name, pql, description, policy, tuple(json.loads(tags)), Lifecycle(lifecycle)
    )
    return Segment(id_, spec, frozenset(json.loads(refs)), version, created, updated)


def find(con: Connection, name_or_id: str) -> Segment:
    """A segment by id or name, or a NotFoundError suggesting the closest names."""
    segments = all_segments(con)
    for segment in segments:
        if name_or_id in (segment.id, segment.name):
            return segment
    names = [segment.name for segment in segments]
    raise NotFoundError(
        f'segment "{name_or_id}" does not exist',
        hint=did_you_mean(name_or_id, names) or "list segments with `segmint segment list`",
    )


def create(con: Connection, spec: SegmentSpec, check: Check) -> Segment:
    _check_name(spec.name)
    if any(segment.name == spec.name for segment in all_segments(con)):
        raise ConflictError(
            f'a segment named "{spec.name}" already exists',
            hint="choose another name, or change it with `segmint segment update`",
        )
    created = now()
    segment = Segment(str(uuid.uuid4()), spec, check(spec), 1, created, created)
    _write(con, segment, insert=True)
    return segment


def update(con: Connection, current: Segment, spec: SegmentSpec, check: Check) -> Segment:
    """A new version when anything changed; the same segment otherwise."""
    if spec == current.spec:
        return current
    _check_name(spec.name)
    if spec.name != current.name and any(s.name == spec.name for s in all_segments(con)):
        raise ConflictError(f'a segment named "{spec.name}" already exists')
    changed = replace(
        current, spec=spec, refs=check(spec), version=current.version + 1, updated_at=now()
    )
    _write(con, changed, insert=False)
    return changed


def delete(con: Connection, segment: Segment) -> None:
    """Delete a segment, unless another segment references it."""
    users = [s.name for s in all_segments(con) if {segment.id, segment.name} & s.refs]
    if users:
        raise ConflictError(
            f'segment "{segment.name}" is referenced by ' + ", ".join(f'"{u}"' for u in users),
            hint="remove the inSegment reference from those segments first",
        )
    con.execute("DELETE FROM segments WHERE id = ?", [segment.id])


def versions(con: Connection, segment: Segment) -> list[dict[str, Any]]:
    rows = con.execute(
        "SELECT version, name, pql, lifecycle, changed_at FROM segment_versions WHERE id = ? "
        "ORDER BY version",
        [segment.id],
    ).fetchall()
    return [
        dict(zip(("version", "name", "pql", "lifecycle", "changedAt"), row, strict=True))
        for row in rows
    ]


def _check_name(name: str) -> None:
    if not name.strip():
        raise UsageError("a segment needs a non-empty name")


def _write(con: Connection, segment: Segment, *, insert: bool) -> None:
    spec = asdict(segment.spec)
    values = [
        spec["name"],
        spec["description"],
        spec["pql"],
        spec["merge_policy"],
        json.dumps(list(spec["tags"])),
        str(spec["lifecycle"]),
    ]
    refs = json.dumps(sorted(segment.refs))
    if insert:
        con.execute(
            "INSERT INTO segments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [segment.id, *values, refs, segment.version, segment.created_at, segment.updated_at],
        )
    else:
        con.execute(
            "UPDATE segments SET name = ?, description = ?, pql = ?, merge_policy = ?, tags = ?, "
            "lifecycle = ?, refs = ?, version = ?, updated_at = ? WHERE id = ?",
            [*values, refs, segment.version, segment.updated_at, segment.id],
        )
    con.execute(
        "INSERT INTO segment_versions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [segment.id, segment.version, *values, segment.updated_at],
    )
