"""The membership ledger: per (profile, segment) a status with its time, and an append-only
history of every transition, written from a whole job's results in one statement set.

Statuses follow the commercial platform: ``realized`` (qualifies), ``exited`` (qualified before,
no longer does); ``existing`` is not stored but derived: realized in an earlier job and still
qualifying.

The write is set-based: one diff of the job's results against the stored rows of its segments,
one history insert, one update of the stored rows that change and one insert of new rows
(``job_id`` is the job that last changed a row).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from segmint.engines.duckdb import Connection
from segmint.errors import UsageError
from segmint.store.catalog import now

_CHANGES = "membership_changes"
_VERSIONS = "membership_versions"

#: How far past the wall clock the sandbox's membership timeline may be taken (by an event's
#: time, a job's as-of, a stream's ``--until``): a source's clock may run a little fast, but
#: memberships dated further on would be recorded before anything could happen then, and every
#: stream and job after would start from there.
FUTURE_TOLERANCE = timedelta(days=1)


def refuse_future(instant: datetime, what: str, hint: str) -> None:
    """A UsageError if ``instant`` (naive UTC) is later than the timeline may go."""
    limit = now() + FUTURE_TOLERANCE
    if instant > limit:
        raise UsageError(
            f"{what} {instant.isoformat()}Z is in the future (later than "
            f"{limit.isoformat(timespec='seconds')}Z): memberships would be recorded at a time "
            "that has not come, and every stream and job after would start from there",
            hint=hint,
        )


@dataclass(frozen=True)
class Transitions:
    qualified: int
    entered: int
    exited: int


def record(
    con: Connection,
    segment_id: str,
    version: int,
    qualified_table: str,
    as_of: datetime,
    job_id: str,
    cause: str = "batch",
) -> Transitions:
    """Apply one segment's qualifying profiles (``qualified_table.profile_id``) at ``as_of``."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE ledger_single AS "
        f"SELECT ?::VARCHAR AS segment_id, profile_id FROM {qualified_table}",
        [segment_id],
    )
    try:
        moved = record_job(con, {segment_id: version}, "ledger_single", as_of, job_id, cause)
    finally:
        con.execute("DROP TABLE ledger_single")
    return moved[segment_id]


def record_job(
    con: Connection,
    versions: dict[str, int],
    results: str,
    as_of: datetime,
    job_id: str,
    cause: str = "batch",
) -> dict[str, Transitions]:
    """Apply a job's results: ``results`` has (``segment_id``, ``profile_id``) for every
    qualifying profile of the segments in ``versions`` (segment id -> definition version).

    Entries and exits are appended to the history; realized members that still qualify get a
    new ``last_qualification_time``. The caller wraps the job in a transaction.
    """
    con.execute(f"CREATE OR REPLACE TEMP TABLE {_VERSIONS} (segment_id VARCHAR, version INTEGER)")
    con.executemany(f"INSERT INTO {_VERSIONS} VALUES (?, ?)", list(versions.items()))
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {_CHANGES} AS
        WITH q AS (SELECT DISTINCT segment_id, profile_id FROM {results}),
        m AS (SELECT profile_id, segment_id, status, last_qualification_time, version
              FROM memberships WHERE segment_id IN (SELECT segment_id FROM {_VERSIONS}))
        SELECT coalesce(q.segment_id, m.segment_id) AS segment_id,
               coalesce(q.profile_id, m.profile_id) AS profile_id,
               CASE WHEN q.profile_id IS NULL THEN 'exited' ELSE 'realized' END AS status,
               m.status IS DISTINCT FROM 'realized' AND q.profile_id IS NOT NULL AS entered,
               m.status = 'realized' AND q.profile_id IS NULL AS exited,
               v.version,
               m.profile_id IS NOT NULL AS stored,
               q.profile_id IS NULL AND m.status = 'realized'
                 OR q.profile_id IS NOT NULL AND (m.status IS DISTINCT FROM 'realized'
                   OR m.last_qualification_time <> $as_of OR m.version <> v.version) AS changed
        FROM q FULL OUTER JOIN m ON q.segment_id = m.segment_id AND q.profile_id = m.profile_id
        JOIN {_VERSIONS} v ON v.segment_id = coalesce(q.segment_id, m.segment_id)
        WHERE q.profile_id IS NOT NULL OR m.status = 'realized'
        """,
        {"as_of": as_of},
    )
    con.execute(
        f"""
        INSERT INTO membership_history
        SELECT profile_id, segment_id, status, $as_of, version, $job, $cause
        FROM {_CHANGES} WHERE entered OR exited
        """,
        {"as_of": as_of, "job": job_id, "cause": cause},
    )
    con.execute(
        f"""
        UPDATE memberships SET
            status = c.status,
            last_qualification_time = CASE WHEN c.status = 'realized'
                THEN $as_of ELSE memberships.last_qualification_time END,
            entered_at = CASE WHEN c.entered THEN $as_of ELSE memberships.entered_at END,
            version = c.version, job_id = $job
        FROM {_CHANGES} c
        WHERE c.changed AND c.stored
          AND memberships.segment_id = c.segment_id AND memberships.profile_id = c.profile_id
        """,
        {"as_of": as_of, "job": job_id},
    )
    con.execute(
        f"""
        INSERT INTO memberships
        SELECT profile_id, segment_id, status, $as_of, $as_of, version, $job
        FROM {_CHANGES} WHERE changed AND NOT stored
        """,
        {"as_of": as_of, "job": job_id},
    )
    counts = con.execute(
        f"SELECT segment_id, count(*) FILTER (WHERE status = 'realized'), "
        f"count(*) FILTER (WHERE entered), count(*) FILTER (WHERE exited) "
        f"FROM {_CHANGES} GROUP BY segment_id"
    ).fetchall()
    con.execute(f"DROP TABLE {_CHANGES}")
    con.execute(f"DROP TABLE {_VERSIONS}")
    moved = {segment_id: Transitions(0, 0, 0) for segment_id in versions}
    for segment_id, qualified, entered, exited in counts:
        moved[str(segment_id)] = Transitions(int(qualified), int(entered), int(exited))
    return moved
