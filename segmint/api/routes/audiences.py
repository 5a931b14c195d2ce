"""``/audiences``: each segment's members by status, and entries and exits over time."""

from __future__ import annotations

from fastapi import APIRouter

from segmint import segments
from segmint.api.models.common import PROBLEM_RESPONSES
from segmint.api.models.jobs import AudienceOut
from segmint.api.security import Reader
from segmint.errors import NotFoundError

router = APIRouter(prefix="/audiences", tags=["audiences"], responses=PROBLEM_RESPONSES)


@router.get("")
def list_audiences(workspace: Reader) -> list[AudienceOut]:
    return [AudienceOut.model_validate(a) for a in segments.audiences(workspace.con)]


@router.get("/{audience_id}")
def get_audience(workspace: Reader, audience_id: str) -> AudienceOut:
    for audience in segments.audiences(workspace.con):
        if audience_id in (audience["id"], audience["name"]):
            return AudienceOut.model_validate(audience)
    raise NotFoundError(f'no audience "{audience_id}"')
