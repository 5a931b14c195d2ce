"""Export jobs: the members of a segment, filtered by status, written whole to a file in the
workspace (CSV, JSONL or Parquet), each job recorded with its row count."""

from __future__ import annotations

import json
import uuid
from enum import StrEnum
from pathlib import Path
from typing import Any

import pyarrow as pa

from segmint.engines.duckdb import Connection
from segmint.errors import NotFoundError
from segmint.membership import members
from segmint.membership.members import Status
from segmint.store.catalog import now
from segmint.store.definitions import Segment

EXPORTS = "exports"


class ExportFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"
    PARQUET = "parquet"


def export(
    con: Connection,
    workspace: Path,
    segment: Segment,
    statuses: list[Status],
    file_format: ExportFormat,
) -> dict[str, Any]:
    """Write the members with the given statuses (all when empty) and record the job."""
    job_id = str(uuid.uuid4())
    rows = members.members(con, segment.id)
    if statuses:
        wanted = pa.array([status.value for status in statuses])
        rows = rows.filter(pa.compute.is_in(rows["status"], value_set=wanted))
    folder = workspace / EXPORTS
    folder.mkdir(exist_ok=True)
    target = folder / f"{job_id}.{file_format.value}"
    members.write(rows, target, file_format.value)
    con.execute(
        "INSERT INTO export_jobs VALUES (?, ?, ?, ?, ?, ?, 'SUCCEEDED', ?)",
        [job_id, segment.id, json.dumps([s.value for s in statuses]), file_format.value,
         str(target), rows.num_rows, now()],
    )  # fmt: skip
    return job(con, job_id)


def jobs(con: Connection) -> list[dict[str, Any]]:
    rows = con.execute(f"SELECT {_COLUMNS} FROM export_jobs ORDER BY created_at DESC").fetchall()
    return [_record(row) for row in rows]


def job(con: Connection, job_id: str) -> dict[str, Any]:
    row = con.execute(f"SELECT {_COLUMNS} FROM export_jobs WHERE id = ?", [job_id]).fetchone()
    if row is None:
        raise NotFoundError(f'no export job "{job_id}"')
    return _record(row)


_COLUMNS = "id, segment_id, statuses, format, path, rows, status, created_at"


def _record(row: tuple[Any, ...]) -> dict[str, Any]:
    keys = ("id", "segmentId", "statuses", "format", "path", "rows", "status", "createdAt")
    record = dict(zip(keys, row, strict=True))
    record["statuses"] = json.loads(row[2])
    return record
