"""``/export/jobs``: write a segment's members to a file in the workspace."""

from __future__ import annotations

from fastapi import APIRouter

from segmint.activation import export
from segmint.api.models.common import PROBLEM_RESPONSES
from segmint.api.models.jobs import ExportIn, ExportOut
from segmint.api.security import Reader, Writer
from segmint.store import definitions

router = APIRouter(prefix="/export/jobs", tags=["export jobs"], responses=PROBLEM_RESPONSES)


@router.post("", status_code=201)
def create_export(workspace: Writer, body: ExportIn) -> ExportOut:
    """Members with the given statuses (default realized and existing) as CSV, JSONL or
    Parquet; the file appears whole."""
    segment = definitions.find(workspace.con, body.segment_id)
    with workspace.transaction():
        record = export.export(workspace.con, workspace.path, segment, body.status, body.format)
    return ExportOut.model_validate(record)


@router.get("")
def list_exports(workspace: Reader) -> list[ExportOut]:
    return [ExportOut.model_validate(job) for job in export.jobs(workspace.con)]


@router.get("/{job_id}")
def get_export(workspace: Reader, job_id: str) -> ExportOut:
    return ExportOut.model_validate(export.job(workspace.con, job_id))
