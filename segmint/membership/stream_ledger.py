"""Streaming transitions into the same membership ledger and history as batch jobs, with cause
``streaming``. Lives above ``evaluate`` (which may not import the ledger): the CLI wires the
processor's transitions here."""

from __future__ import annotations

from datetime import datetime

from segmint.engines.duckdb import Connection

#: (profile_id, segment_id, "entered" | "exited", time, definition version)
Row = tuple[int, str, str, datetime, int]


def append(con: Connection, rows: list[Row], job_id: str) -> None:
    """Apply transitions in time order; the caller wraps them in a transaction."""
    for profile, segment, change, at, version in sorted(rows, key=lambda row: row[3]):
        status = "realized" if change == "entered" else "exited"
        con.execute(
            "INSERT INTO membership_history VALUES (?, ?, ?, ?, ?, ?, 'streaming')",
            [profile, segment, status, at, version, job_id],
        )
        con.execute(
            """
            INSERT INTO memberships VALUES ($p, $s, $status, $at, $at, $version, $job)
            ON CONFLICT (profile_id, segment_id) DO UPDATE SET
                status = excluded.status,
                last_qualification_time = CASE WHEN excluded.status = 'realized'
                    THEN excluded.last_qualification_time
                    ELSE memberships.last_qualification_time END,
                entered_at = CASE WHEN excluded.status = 'realized'
                    THEN excluded.entered_at ELSE memberships.entered_at END,
                version = excluded.version, job_id = excluded.job_id
            """,
            {"p": profile, "s": segment, "status": status, "at": at, "version": version,
             "job": job_id},
        )  # fmt: skip
