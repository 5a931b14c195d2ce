"""A segment built on others (``inSegment``) reads no event itself: it moves when one it uses
does, evaluated after it in the same step."""

from __future__ import annotations

from datetime import datetime

from segmint.evaluate.edge import EdgeSegments
from segmint.evaluate.streaming import Processor, Transition
from segmint.evaluate.streaming.state import Event
from tests.evaluate.helpers import plan

START = datetime(2026, 3, 1)


def _event(number: int, kind: str) -> Event:
    return {"_id": f"e{number}", "timestamp": START, "eventType": kind, "device": "p"}


def test_segments_using_one_that_changed_follow_it_in_order() -> None:
    segments = EdgeSegments(
        {
            "buyer": plan('xEvent[eventType = "commerce.purchases"].count() > 0'),
            "known buyer": plan('inSegment("buyer")'),
            "prospect": plan('not inSegment("known buyer")'),
            "searcher": plan('xEvent[eventType = "search"].count() > 0'),
        }
    )
    seen: list[Transition] = []
    processor = Processor(segments, resolve=lambda event: event["device"])
    processor.subscribe(seen.append)
    processor.feed([_event(1, "search")])
    assert [(t.segment, t.status) for t in seen] == [
        ("prospect", "entered"), ("searcher", "entered"),
    ]  # fmt: skip
    processor.feed([_event(2, "commerce.purchases")])
    assert [(t.segment, t.status) for t in seen[2:]] == [
        ("buyer", "entered"), ("known buyer", "entered"), ("prospect", "exited"),
    ]  # fmt: skip
    assert processor.members("p") == {"buyer", "known buyer", "searcher"}
