"""``/profiles/{identity}/segments``: the edge answer for one profile, synchronously, with an
optional incoming event (evaluated in memory, nothing stored). Answered from the edge cache:
a repeated lookup reads no database. The identity may hold ``/`` (as base64 cookie ids do)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from starlette.concurrency import run_in_threadpool

from segmint import realtime
from segmint.api.edge_cache import EdgeCache
from segmint.api.models.common import PROBLEM_RESPONSES, ApiModel, UtcDateTime
from segmint.api.security import ReadKey, service

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


def _edge(request: Request) -> EdgeCache:
    found: EdgeCache = request.app.state.edge
    return found


def _instant(as_of: datetime | None) -> datetime:
    return (as_of or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)


AsOf = Annotated[UtcDateTime | None, Query(alias="asOf", description="Default: now.")]


@router.get("/{identity:path}/segments")
async def get_segments(
    request: Request, key: ReadKey, identity: str, as_of: AsOf = None
) -> ProfileSegments:
    """The published segments a profile (any of its identities, NS:ID) is in now."""
    edge, instant = _edge(request), _instant(as_of)
    answer = edge.answer_from_memory(key.sandbox, identity, instant)
    if answer is None:  # reading the store blocks: not on the event loop
        answer = await run_in_threadpool(edge.answer, key.sandbox, identity, instant)
    return ProfileSegments.model_validate(answer)


@router.post("/{identity:path}/segments")
def post_event(
    request: Request,
    key: ReadKey,
    identity: str,
    event: Annotated[dict[str, Any], Body(description="One event, as ingestion accepts it.")],
    as_of: AsOf = None,
) -> ProfileSegments:
    """The segments the profile is in with this event, and what the event changes."""
    edge = _edge(request)
    compiled = edge.segments(key.sandbox)
    before = edge.profile(key.sandbox, identity)
    with service(request).session(key.sandbox, write=False) as workspace:
        record = realtime.parse_event(workspace.con, event, identity)
    answer = realtime.answer(compiled, before, _instant(as_of), record)
    return ProfileSegments.model_validate(answer)
