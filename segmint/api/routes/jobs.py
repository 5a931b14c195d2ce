"""``/segment/jobs``: evaluate segments now and read how each job went."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from segmint import segments
from segmint.api.models.common import PROBLEM_RESPONSES
from segmint.api.models.jobs import JobIn, JobOut
from segmint.api.paging import Start
from segmint.api.security import Reader, Writer

router = APIRouter(prefix="/segment/jobs", tags=["segment jobs"], responses=PROBLEM_RESPONSES)


@router.post("", status_code=201)
def run_job(workspace: Writer, body: JobIn) -> JobOut:
    """Evaluate the segments (``*``: every published one) over all profiles; the membership
    ledger is updated in the same transaction."""
    names = [ref.segment_id for ref in body.segments]
    as_of = (body.as_of or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    with workspace.transaction():
        chosen = None if "*" in names else names
        report = segments.evaluate(workspace.con, chosen, as_of, source="api")
    return JobOut.model_validate(segments.job(workspace.con, report.id))


@router.get("")
def list_jobs(
    workspace: Reader,
    start: Start = 0,
    limit: Annotated[int | None, Query(ge=1, description="Jobs at most (default: all).")] = None,
) -> list[JobOut]:
    """Segment jobs, newest first (``limit`` of them from the ``start``-th)."""
    return [JobOut.model_validate(job) for job in segments.jobs(workspace.con, start, limit)]


@router.get("/{job_id}")
def get_job(workspace: Reader, job_id: str) -> JobOut:
    return JobOut.model_validate(segments.job(workspace.con, job_id))
