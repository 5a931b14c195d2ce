"""Streaming transitions into the same membership ledger and history as batch jobs, with cause
``streaming`` (or ``merged``: the exits of a profile folded into another), and the checkpoints
of named streams: how far each stream's input was consumed, its clock, the profiles it has
touched, and when each of them must next be evaluated with no new event (its earliest timer). A
micro-batch writes its transitions, timers and checkpoint in the transaction that stores its
events, so a restart resumes exactly after the last committed batch, and need only arm the
timers: a profile is read back when its timer fires or an event of it arrives. Lives above
``evaluate`` (which may not import the ledger)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Hashable
from dataclasses import dataclass
from datetime import datetime

import pyarrow as pa

from segmint.engines.duckdb import Connection, registered
from segmint.store.catalog import now

#: (profile_id, segment_id, "entered" | "exited", time, definition version)
Row = tuple[int, str, str, datetime, int]


def append(con: Connection, rows: list[Row], job_id: str, cause: str = "streaming") -> None:
    """Every transition into the history, and each (profile, segment)'s last one into the
    ledger, set-based (a micro-batch can carry thousands); the caller wraps them in a
    transaction. A realization sets the qualification and entry times; an exit keeps them."""
    if not rows:
        return
    ordered = sorted(rows, key=lambda row: row[3])
    qualified_latest: dict[tuple[int, str], Row] = {}
    exited_only: dict[tuple[int, str], Row] = {}
    for row in ordered:
        key = (row[0], row[1])
        if row[2] == "entered" or key in qualified_latest:
            qualified_latest[key] = row
            exited_only.pop(key, None)
        else:  # a new pair's times are its first exit's; a known pair keeps its own
            first = exited_only.get(key, row)
            exited_only[key] = (*first[:4], row[4])
    with registered(con, "stream_history", _arrow(ordered)):
        con.execute(
            f"INSERT INTO membership_history SELECT {_COLUMNS}, $job, $cause FROM stream_history",
            {"job": job_id, "cause": cause},
        )
    _upsert(con, _entries_kept(ordered, qualified_latest), job_id, keep_times=False)
    _upsert(con, list(exited_only.values()), job_id, keep_times=True)


_STATUS = {"entered": "realized", "exited": "exited"}
_COLUMNS = "profile_id, segment_id, status, changed_at, version"


def _arrow(rows: list[Row]) -> pa.Table:
    return pa.table(
        {
            "profile_id": pa.array([row[0] for row in rows], pa.int64()),
            "segment_id": [row[1] for row in rows],
            "status": [_STATUS[row[2]] for row in rows],
            "changed_at": pa.array([row[3] for row in rows], pa.timestamp("us")),
            "version": pa.array([row[4] for row in rows], pa.int32()),
        }
    )


def _entries_kept(ordered: list[Row], latest: dict[tuple[int, str], Row]) -> list[Row]:
    """Each pair's last transition, timed by its last entry in the batch: an exit after an
    entry in the same batch keeps that entry's times."""
    entered: dict[tuple[int, str], datetime] = {}
    for row in ordered:
        if row[2] == "entered":
            entered[(row[0], row[1])] = row[3]
    return [
        (profile, segment, change, entered[(profile, segment)], version)
        for (profile, segment), (_, _, change, _, version) in latest.items()
    ]


def _upsert(con: Connection, rows: list[Row], job_id: str, *, keep_times: bool) -> None:
    """Rows as the ledger's latest state; ``keep_times`` leaves a known pair's times alone."""
    if not rows:
        return
    times = (
        ""
        if keep_times
        else "last_qualification_time = excluded.last_qualification_time, "
        "entered_at = excluded.entered_at, "
    )
    with registered(con, "stream_latest", _arrow(rows)):
        con.execute(
            "INSERT INTO memberships SELECT profile_id, segment_id, status, changed_at, "
            "changed_at, version, $job FROM stream_latest "
            "ON CONFLICT (profile_id, segment_id) DO UPDATE SET "
            f"status = excluded.status, {times}"
            "version = excluded.version, job_id = excluded.job_id",
            {"job": job_id},
        )


@dataclass(frozen=True)
class Checkpoint:
    """Where a named stream stands after its last committed micro-batch. ``offset`` is the
    position of the last input consumed (a line number, or events accepted so far)."""

    stream: str
    dataset: str
    offset: int = 0
    clock: datetime | None = None
    latest: datetime | None = None
    events: int = 0
    #: A digest of the last input line consumed (``line_digest``), by which a resumed stream
    #: recognises its input; None for input that is not lines (API calls).
    last_line: str | None = None


def line_digest(line: bytes) -> str:
    """What identifies an input line (its content, without surrounding whitespace)."""
    return hashlib.sha256(line.strip()).hexdigest()


def recorded_until(con: Connection) -> datetime | None:
    """The latest instant the sandbox's memberships were recorded at: a segment job's as_of,
    or a stream's clock. The ledger is one timeline; a stream starts there (an event before
    it is late, applied then), so no transition is ever dated before one already recorded."""
    rows = con.execute(
        "SELECT greatest((SELECT max(as_of) FROM jobs), "
        "(SELECT max(clock) FROM stream_checkpoints))"
    ).fetchall()
    found: datetime | None = rows[0][0]
    return found


def checkpoint(con: Connection, stream: str) -> Checkpoint | None:
    rows = con.execute(
        "SELECT stream, dataset, input_offset, clock, latest_event, events, i.last_line "
        "FROM stream_checkpoints LEFT JOIN stream_inputs i USING (stream) WHERE stream = ?",
        [stream],
    ).fetchall()
    if not rows:
        return None
    name, dataset, offset, clock, latest, events, line = rows[0]
    return Checkpoint(str(name), str(dataset), int(offset), clock, latest, int(events), line)


def save(con: Connection, mark: Checkpoint) -> None:
    """Record a stream's new position; the caller's transaction also holds its batch. An
    update, or the first row (an update costs DuckDB a third of an upsert)."""
    values = [mark.dataset, mark.offset, mark.clock, mark.latest, mark.events, now()]
    updated = con.execute(
        """
        UPDATE stream_checkpoints SET dataset = ?, input_offset = ?, clock = ?,
            latest_event = ?, events = ?, updated_at = ?
        WHERE stream = ?
        """,
        [*values, mark.stream],
    ).fetchone()
    if not updated or not updated[0]:
        con.execute(
            "INSERT INTO stream_checkpoints VALUES (?, ?, ?, ?, ?, ?, ?)", [mark.stream, *values]
        )
    if mark.last_line is not None:
        con.execute(
            "INSERT OR REPLACE INTO stream_inputs VALUES (?, ?)", [mark.stream, mark.last_line]
        )


def realized_gone(
    con: Connection, candidates: Collection[int], profiles_of: Callable[[str], str]
) -> list[tuple[int, str]]:
    """(profile, segment) the ledger holds realized for those of ``candidates`` that are no
    longer any identity's profile (``profiles_of``: the merge policy's SQL for the profiles
    of the identities keyed in a set, given as SQL). A profile's id is its smallest identity
    key, so profile P exists exactly when identity P is in it: only the candidates' own
    identities are read (at a million identities, 5 ms against 200 for reading every one)."""
    rows = con.execute(
        f"""
        SELECT profile_id, segment_id FROM memberships
        WHERE status = 'realized' AND profile_id IN (SELECT unnest($candidates))
          AND profile_id NOT IN ({profiles_of("SELECT unnest($candidates)")})
        ORDER BY 1, 2
        """,
        {"candidates": sorted(candidates)},
    ).fetchall()
    return [(int(profile), str(segment)) for profile, segment in rows]


def touch(con: Connection, stream: str, identity_keys: Collection[int]) -> None:
    """Remember the profiles (by a stable identity key) a stream holds state for."""
    if identity_keys:
        con.execute(
            "INSERT INTO stream_profiles SELECT ?, unnest(?) ON CONFLICT DO NOTHING",
            [stream, list(identity_keys)],
        )


def save_timers(con: Connection, stream: str, dues: list[tuple[int, datetime | None]]) -> None:
    """Each profile's earliest pending timer (None: none, the row goes)."""
    if not dues:
        return
    table = pa.table(
        {
            "profile_id": pa.array([profile for profile, _ in dues], pa.int64()),
            "due": pa.array([due for _, due in dues], pa.timestamp("us")),
        }
    )
    with registered(con, "stream_dues", table):
        con.execute(
            "DELETE FROM stream_timers WHERE stream = ? "
            "AND profile_id IN (SELECT profile_id FROM stream_dues)",
            [stream],
        )
        con.execute(
            "INSERT INTO stream_timers SELECT ?, profile_id, due FROM stream_dues "
            "WHERE due IS NOT NULL",
            [stream],
        )


#: A timer's place in the order timers are read in: (due, profile).
TimerKey = tuple[datetime, int]


def soonest_timers(
    con: Connection, stream: str, start: TimerKey, limit: int, skip: Collection[Hashable]
) -> list[TimerKey]:
    """Up to ``limit`` of the stream's timers from ``start`` on, soonest first, leaving out the
    profiles in ``skip``."""
    due, profile = start
    table = pa.table({"profile_id": pa.array(list(skip), pa.int64())})
    with registered(con, "skipped_profiles", table):
        rows = con.execute(
            "SELECT due, profile_id FROM stream_timers WHERE stream = ? "
            "AND (due > ? OR (due = ? AND profile_id >= ?)) "
            "AND profile_id NOT IN (SELECT profile_id FROM skipped_profiles) "
            "ORDER BY due, profile_id LIMIT ?",
            [stream, due, due, profile, limit],
        ).fetchall()
    return [(found, int(key)) for found, key in rows]


def touched(con: Connection, stream: str, among: Collection[int]) -> list[tuple[int, int]]:
    """(identity key, current profile id) of the profiles ``among`` these that the stream has
    touched (what a merge reads, without scanning every one); a merge since may have folded
    several into one profile."""
    rows = con.execute(
        "SELECT s.identity_key, p.profile_id FROM stream_profiles s "
        "JOIN identity_profiles p USING (identity_key) WHERE s.stream = $stream "
        "AND p.profile_id IN (SELECT unnest($among)) ORDER BY 1",
        {"stream": stream, "among": sorted(among)},
    ).fetchall()
    return [(int(key), int(profile)) for key, profile in rows]


def adopt(con: Connection, into: str, dataset: str, pattern: str) -> list[str]:
    """Fold the call-fed streams named like ``pattern`` (SQL LIKE; a stream of lines, which
    a file replay resumes by, is never taken) into the stream ``into`` of ``dataset``: their
    touched profiles, the earliest pending timer of each profile, the latest clock and event,
    and their counts. They are gone after; the caller holds the transaction. The streams
    adopted, in name order."""
    rows = con.execute(
        "SELECT stream FROM stream_checkpoints WHERE stream LIKE ? AND stream <> ? "
        "AND stream NOT IN (SELECT stream FROM stream_inputs) ORDER BY stream",
        [pattern, into],
    ).fetchall()
    names = [str(name) for (name,) in rows]
    if not names:
        return []
    marks = [found for name in [into, *names] if (found := checkpoint(con, name)) is not None]
    clocks = [mark.clock for mark in marks if mark.clock is not None]
    latest = [mark.latest for mark in marks if mark.latest is not None]
    save(con, Checkpoint(
        into, dataset, sum(mark.offset for mark in marks), max(clocks, default=None),
        max(latest, default=None), sum(mark.events for mark in marks),
    ))  # fmt: skip
    con.execute(
        "INSERT INTO stream_profiles SELECT DISTINCT $into, identity_key FROM stream_profiles "
        "WHERE stream IN (SELECT unnest($names)) ON CONFLICT DO NOTHING",
        {"into": into, "names": names},
    )
    con.execute(
        "INSERT INTO stream_timers SELECT $into, profile_id, min(due) FROM stream_timers "
        "WHERE stream IN (SELECT unnest($names)) GROUP BY profile_id "
        "ON CONFLICT DO UPDATE SET due = least(due, excluded.due)",
        {"into": into, "names": names},
    )
    for table in ("stream_checkpoints", "stream_profiles", "stream_timers"):
        con.execute(f"DELETE FROM {table} WHERE stream IN (SELECT unnest(?))", [names])
    return names
