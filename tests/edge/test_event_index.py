"""A streaming profile's event index, built by arrivals in any order, reads as the same events
sorted by timestamp would: each type's events in time order (ties in arrival order), and the
next timestamp after any instant."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from segmint.evaluate.edge.events import EventIndex

BASE = datetime(2026, 5, 1)
TYPES = ("search", "commerce.purchases", "web.webpagedetails.pageViews")


@given(
    st.lists(st.tuples(st.sampled_from(TYPES), st.integers(0, 20)), max_size=30),
    st.integers(-1, 21),
    st.randoms(use_true_random=False),
)
def test_arrivals_in_any_order_index_as_sorted(
    drawn: list[tuple[str, int]], hour: int, order: random.Random
) -> None:
    events = [
        {"_id": f"e{number}", "eventType": kind, "timestamp": BASE + timedelta(hours=at)}
        for number, (kind, at) in enumerate(drawn)
    ]
    order.shuffle(events)
    index = EventIndex()
    for event in events:
        index.add(event)
    arrived = sorted(events, key=lambda event: event["timestamp"])  # stable: arrival order
    as_of = BASE + timedelta(hours=hour)
    for kinds in (frozenset({TYPES[0]}), frozenset(TYPES[:2]), frozenset(TYPES)):
        _, found = index.visible(kinds, as_of)
        wanted = [e for e in arrived if e["eventType"] in kinds and e["timestamp"] <= as_of]
        assert [e["_id"] for e in found] == [e["_id"] for e in wanted]
    later = [e["timestamp"] for e in arrived if e["timestamp"] > as_of]
    assert index.upcoming(as_of) == (later[0] if later else None)
