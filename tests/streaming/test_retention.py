"""What the stream keeps of a profile: only the events some segment can read."""

from __future__ import annotations

from datetime import datetime, timedelta

from segmint.evaluate.edge import EdgeSegments
from segmint.evaluate.streaming import Processor
from tests.evaluate.helpers import plan

START = datetime(2026, 1, 1)


def _fed(text: str) -> Processor:
    processor = Processor(EdgeSegments({"s": plan(text)}), resolve=lambda event: "p")
    kinds = ["web.webpagedetails.pageViews", "search", "web.webpagedetails.pageViews"]
    processor.feed(
        {"_id": f"e{n}", "timestamp": START + timedelta(minutes=n), "eventType": kind}
        for n, kind in enumerate(kinds)
    )
    return processor


def test_an_event_no_segment_reads_is_not_kept() -> None:
    processor = _fed('xEvent[eventType = "search"].count() > 0')
    assert [event["_id"] for event in processor.profiles["p"].events] == ["e1"]
    assert processor.members("p") == {"s"}


def test_a_segment_reading_every_event_keeps_them_all() -> None:
    processor = _fed("xEvent.count() > 2")
    assert [event["_id"] for event in processor.profiles["p"].events] == ["e0", "e1", "e2"]
    assert processor.members("p") == {"s"}
