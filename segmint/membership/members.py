"""Reading a segment's members, with the derived ``existing`` status, and writing them out."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from segmint.engines.duckdb import Connection, query_arrow, write_jsonl
from segmint.files import replacing
from segmint.store.identities import display_identity_sql


class Status(StrEnum):
    REALIZED = "realized"
    EXISTING = "existing"
    EXITED = "exited"


def members(con: Connection, segment_id: str, status: Status | None = None) -> pa.Table:
    """One row per profile that is or was in the segment. ``existing``: realized, and already
    realized before the latest job that evaluated it; ``realized``: entered in that job."""
    rows = query_arrow(
        con,
        f"""
        SELECT m.profile_id, {display_identity_sql("m.profile_id")} AS identity,
               CASE WHEN m.status = 'exited' THEN 'exited'
                    WHEN m.entered_at < m.last_qualification_time THEN 'existing'
                    ELSE 'realized' END AS status,
               m.entered_at AS "enteredAt",
               m.last_qualification_time AS "lastQualificationTime"
        FROM memberships m WHERE m.segment_id = ?
        ORDER BY m.profile_id
        """,
        [segment_id],
    )
    if status is None:
        return rows
    return rows.filter(pc.equal(rows["status"], status.value))


def write(rows: pa.Table, out: Path, file_format: str) -> None:
    """Write members as CSV, JSONL or Parquet; the file appears whole or not at all."""
    with replacing(out) as partial:
        if file_format == "parquet":
            pq.write_table(rows, partial)
        elif file_format == "jsonl":
            write_jsonl(rows, partial)
        else:
            pa_csv.write_csv(rows, partial)
