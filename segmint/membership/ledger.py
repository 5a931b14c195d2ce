"""The membership ledger: per (profile, segment) a status with its time, and an append-only
history of every transition, written from one job's results in one statement set.

Statuses follow the commercial platform: ``realized`` (qualifies), ``exited`` (qualified before,
no longer does); ``existing`` is not stored but derived: realized in an earlier job and still
qualifying.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from segmint.engines.duckdb import Connection


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
    """Apply one segment's qualifying profiles (``qualified_table.profile_id``) at ``as_of``.

    Entries and exits are appended to the history; realized members that still qualify get a
    new ``last_qualification_time``. The caller wraps the job in a transaction.
    """
    params = {
        "segment": segment_id,
        "version": version,
        "as_of": as_of,
        "job": job_id,
    }
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE membership_changes AS
        SELECT coalesce(q.profile_id, m.profile_id) AS profile_id,
               CASE WHEN q.profile_id IS NULL THEN 'exited' ELSE 'realized' END AS status,
               m.status IS DISTINCT FROM 'realized' AND q.profile_id IS NOT NULL AS entered,
               m.status = 'realized' AND q.profile_id IS NULL AS exited
        FROM (SELECT DISTINCT profile_id FROM {qualified_table}) q
        FULL OUTER JOIN (SELECT profile_id, status FROM memberships WHERE segment_id = $segment) m
          ON q.profile_id = m.profile_id
        WHERE q.profile_id IS NOT NULL OR m.status = 'realized'
        """,
        {"segment": segment_id},
    )
    con.execute(
        """
        INSERT INTO membership_history
        SELECT profile_id, $segment, status, $as_of, $version, $job, $cause
        FROM membership_changes WHERE entered OR exited
        """,
        params | {"cause": cause},
    )
    con.execute(
        """
        INSERT INTO memberships
        SELECT profile_id, $segment, status, $as_of, $as_of, $version, $job
        FROM membership_changes WHERE status = 'realized' OR exited
        ON CONFLICT (profile_id, segment_id) DO UPDATE SET
            status = excluded.status,
            last_qualification_time = CASE WHEN excluded.status = 'realized'
                THEN excluded.last_qualification_time ELSE memberships.last_qualification_time END,
            entered_at = CASE WHEN memberships.status <> 'realized' AND excluded.status = 'realized'
                THEN excluded.entered_at ELSE memberships.entered_at END,
            version = excluded.version, job_id = excluded.job_id
        """,
        params,
    )
    counts = con.execute(
        "SELECT count(*) FILTER (WHERE status = 'realized'), count(*) FILTER (WHERE entered), "
        "count(*) FILTER (WHERE exited) FROM membership_changes"
    ).fetchone()
    con.execute("DROP TABLE membership_changes")
    assert counts is not None
    return Transitions(int(counts[0]), int(counts[1]), int(counts[2]))
