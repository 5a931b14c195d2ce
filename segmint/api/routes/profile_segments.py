"""``/profiles/{identity}/segments``: the edge answer for one profile, synchronously, with an
optional incoming event (evaluated in memory, nothing stored)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request

from segmint import realtime
from segmint.api.edge_cache import EdgeCache
from segmint.api.models.common import PROBLEM_RESPONSES, ApiModel, UtcDateTime
from segmint.api.security import Caller, Reader

router = APIRouter(prefix="/profiles", tags=["profiles"], responses=PROBLEM_RESPONSES)


class SegmentState(ApiModel):
    segment: str
    id: str
    member: bool
    change: str


class ProfileSegments(ApiModel):
    as_of: UtcDateTime
    segments: list[SegmentState]
    next_change: UtcDateTime | None


def _answer(
    request: Request, key: Caller, workspace: Reader, identity: str,
    as_of: datetime | None, event: dict[str, Any] | None,
) -> ProfileSegments:  # fmt: skip
    cache: EdgeCache = request.app.state.edge
    instant = (as_of or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    compiled = cache.get(workspace.con, key.sandbox)
    answer = realtime.profile_segments(workspace.con, identity, instant, event, compiled)
    return ProfileSegments.model_validate(answer)


AsOf = Annotated[UtcDateTime | None, Query(alias="asOf", description="Default: now.")]


@router.get("/{identity}/segments")
def get_segments(
    request: Request, key: Caller, workspace: Reader, identity: str, as_of: AsOf = None
) -> ProfileSegments:
    """The published segments a profile (any of its identities, NS:ID) is in now."""
    return _answer(request, key, workspace, identity, as_of, None)


@router.post("/{identity}/segments")
def post_event(
    request: Request,
    key: Caller,
    workspace: Reader,
    identity: str,
    event: Annotated[dict[str, Any], Body(description="One event, as ingestion accepts it.")],
    as_of: AsOf = None,
) -> ProfileSegments:
    """The segments the profile is in with this event, and what the event changes."""
    return _answer(request, key, workspace, identity, as_of, event)
