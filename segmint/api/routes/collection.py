"""``/collection``: streaming ingestion. Events, one JSON object or an array of them, are
validated, stored, evaluated by the streaming processor and answered once durable."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Path, Request
from starlette.concurrency import run_in_threadpool

from segmint.api.collection import Collectors
from segmint.api.models.collection import CollectionReceipt, TransitionOut
from segmint.api.models.common import PROBLEM_RESPONSES
from segmint.api.security import WriteKey
from segmint.errors import UsageError

router = APIRouter(prefix="/collection", tags=["ingestion"], responses=PROBLEM_RESPONSES)

#: Events per call; larger loads go in several calls, each committed on its own.
MAX_EVENTS = 10_000

_EVENTS_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "One event or an array of events, in the event schema's shape "
        "(`_id`, `timestamp`, `eventType`, `identityMap`, ...). An event may also come wrapped "
        'as `{"header": {...}, "body": {"xdmEntity": EVENT}}`.',
        "content": {
            "application/json": {
                "schema": {
                    "anyOf": [
                        {"type": "object"},
                        {"type": "array", "items": {"type": "object"}, "maxItems": MAX_EVENTS},
                    ]
                }
            }
        },
    }
}


@router.post("/{dataset}", openapi_extra=_EVENTS_BODY)
async def collect(
    request: Request,
    key: WriteKey,
    dataset: str = Path(description="The event dataset the events belong to."),
) -> CollectionReceipt:
    """Stream events into a dataset: answered once they and the membership changes they
    cause are committed. Re-sending an event (same `_id`) stores nothing new."""
    events = _events(await request.body())
    collectors: Collectors = request.app.state.collectors
    receipt, names = await run_in_threadpool(collectors.collect, key.sandbox, dataset, events)
    return CollectionReceipt(
        accepted=receipt.accepted,
        duplicates=receipt.duplicates,
        offset=receipt.offset,
        transitions=[
            TransitionOut(
                profile_id=int(str(t.profile)),
                segment_id=t.segment,
                segment=names[t.segment],
                status=t.status,
                time=t.time,
                cause=t.cause,
                trigger=t.trigger.value,
            )
            for t in receipt.transitions
        ],
    )


def _events(body: bytes) -> list[object]:
    try:
        decoded = orjson.loads(body)
    except orjson.JSONDecodeError as problem:
        raise UsageError(
            f"the request body is not JSON: {problem}",
            hint="send one event object or an array of them",
        ) from None
    events = decoded if isinstance(decoded, list) else [decoded]
    if len(events) > MAX_EVENTS:
        raise UsageError(
            f"{len(events)} events in one call; at most {MAX_EVENTS} are taken",
            hint="split the events into several calls",
        )
    return [_unwrapped(event) for event in events]


def _unwrapped(event: object) -> object:
    """The event inside a streaming-ingestion envelope, or the event itself."""
    if isinstance(event, dict):
        body = event.get("body")
        if isinstance(body, dict) and isinstance(body.get("xdmEntity"), dict):
            return body["xdmEntity"]
    return event
