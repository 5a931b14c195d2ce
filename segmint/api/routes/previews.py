"""``/preview`` and ``/estimate``: a sample of qualifying profiles and a size estimate,
computed in the background (create, then poll) as the original does."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, BackgroundTasks, Request

from segmint.api.models.common import PROBLEM_RESPONSES
from segmint.api.models.jobs import EstimateOut, PreviewIn, PreviewOut, PreviewState
from segmint.api.previews import Previews
from segmint.api.security import Caller, Reader, service

router = APIRouter(tags=["previews and estimates"], responses=PROBLEM_RESPONSES)


def _previews(request: Request) -> Previews:
    found: Previews = request.app.state.previews
    return found


@router.post("/preview", status_code=201)
def create_preview(
    request: Request, key: Caller, workspace: Reader, body: PreviewIn, tasks: BackgroundTasks
) -> PreviewState:
    """Start a preview and its estimate; poll ``GET /preview/{id}`` and ``/estimate/{id}``."""
    as_of = (body.as_of or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    preview = _previews(request).create(key.sandbox, body.predicate_expression, as_of)
    tasks.add_task(_previews(request).run, service(request), preview)
    return PreviewState(preview_id=preview.id, state="NEW")


@router.get("/preview/{preview_id}")
def get_preview(request: Request, key: Caller, preview_id: str) -> PreviewOut:
    preview = _previews(request).get(key.sandbox, preview_id)
    return PreviewOut(
        preview_id=preview.id, state=preview.state, results=preview.results, error=preview.error
    )


@router.get("/estimate/{preview_id}")
def get_estimate(request: Request, key: Caller, preview_id: str) -> EstimateOut:
    preview = _previews(request).get(key.sandbox, preview_id)
    return EstimateOut(
        preview_id=preview.id, state=preview.state, error=preview.error, **preview.estimate
    )
