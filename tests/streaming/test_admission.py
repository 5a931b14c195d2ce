"""Which events of a type can change a segment, by their own fields: read off the plan, and
checked against the reference interpreter, the oracle: an event the test turns away changes
the segment's answer at no instant."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segmint.demo.segments import DEMO_SEGMENTS
from segmint.evaluate.edge import EdgeSegments
from segmint.evaluate.edge.evaluator import Outcome
from segmint.evaluate.reference import ProfileData, evaluate
from segmint.evaluate.streaming import Processor
from segmint.evaluate.streaming.admission import admission
from segmint.schema.model import SchemaClass
from tests.conformance.strategies import Data
from tests.edge.profiles import normalised
from tests.streaming.test_polarity import ONE_MORE_EVENT, SETTINGS, _bound, _first_profile

DEMO = {spec.name: spec.pql for spec in DEMO_SEGMENTS}
PURCHASE, SEARCH = "commerce.purchases", "search"


def _admits(text: str, kind: str, event: dict[str, object]) -> bool | None:
    """The test's answer for the event (None: the segment has no test for the type)."""
    test = admission(_bound(text).root, kind)
    return None if test is None else test({"eventType": kind, **event})


@pytest.mark.parametrize(
    ("name", "kind", "event", "expected"),
    [
        ("Bought sneakers", PURCHASE, {"productListItems": [{"category": "Sneakers"}]}, True),
        ("Bought sneakers", PURCHASE, {"productListItems": [{"category": "Hats"}]}, False),
        ("Bought sneakers", PURCHASE, {}, False),
        (
            "Searched for sneakers in the last 30 days and did not buy", SEARCH,
            {"search": {"keywords": "Red Sneakers"}}, True,
        ),
        (
            "Searched for sneakers in the last 30 days and did not buy", SEARCH,
            {"search": {"keywords": "boots"}}, False,
        ),
        # Read by a selection testing its type alone: every purchase may change it.
        ("Searched for sneakers in the last 30 days and did not buy", PURCHASE, {}, None),
        ("3+ purchases in 90 days", PURCHASE, {}, None),
        ("US customers", PURCHASE, {}, False),
    ],
)  # fmt: skip
def test_demo_segments(
    name: str, kind: str, event: dict[str, object], expected: bool | None
) -> None:
    assert _admits(DEMO[name], kind, event) is expected


@pytest.mark.parametrize(
    "text",
    [
        # An event failing a forall's condition is what changes it.
        'forall X from xEvent : X.commerce.order.priceTotal > 5',
        # Every event counts, whatever its fields.
        "xEvent.count() > 2",
        "(sum X.commerce.order.priceTotal over X from xEvent) > 5",
    ],
)  # fmt: skip
def test_every_event_may_change_a_segment_reading_events_another_way(text: str) -> None:
    assert admission(_bound(text).root, PURCHASE) is None


def test_a_chain_admits_an_event_passing_some_step() -> None:
    text = (
        'chain(xEvent, timestamp, [A: WHAT(eventType = "search" and search.keywords = "boots"), '
        'B: WHAT(eventType = "search" and search.keywords = "hats")])'
    )
    for keywords, expected in (("boots", True), ("hats", True), ("socks", False)):
        assert _admits(text, SEARCH, {"search": {"keywords": keywords}}) is expected


@SETTINGS
@given(*ONE_MORE_EVENT, st.integers(0, 60 * 24 * 30))
def test_an_event_turned_away_changes_nothing(
    data: Data, text: str, as_of: datetime, raw: dict[str, object], minutes: int
) -> None:
    """The profile with and without an event the test turns away is in the segment at the
    same instants: as of now, and later."""
    root, profile = _bound(text), _first_profile(data)
    extra = normalised(raw, SchemaClass.EVENT)
    test = admission(root.root, str(extra["eventType"]))
    if test is None or test(extra):
        return
    grown = ProfileData(profile.attributes, [*profile.events, extra], profile.segments)
    for instant in (as_of, as_of + timedelta(minutes=minutes)):
        assert evaluate(root, profile, instant) == evaluate(root, grown, instant), instant


def test_the_processor_evaluates_only_the_segments_an_event_can_change() -> None:
    edge = EdgeSegments({
        "sneakers": _bound(DEMO["Bought sneakers"]),
        "buyers": _bound(DEMO["3+ purchases in 90 days"]),
    })  # fmt: skip
    processor = Processor(edge, resolve=lambda event: "p1")
    evaluated: list[set[str]] = []
    outcomes = edge.outcomes

    def spied(*args: Any, **options: Any) -> dict[str, Outcome]:
        found = outcomes(*args, **options)
        evaluated.append(set(found))
        return found

    edge.outcomes = spied  # type: ignore[method-assign]
    start = datetime(2026, 3, 1)
    for number, category in enumerate(["Hats", "Hats", "Sneakers"]):
        processor.feed([{
            "_id": f"e{number}", "eventType": PURCHASE, "timestamp": start + timedelta(hours=number),
            "productListItems": [{"category": category}],
        }])  # fmt: skip
    # After the first event (a new profile, every segment evaluated), a hat reaches only
    # "buyers", sneakers both.
    assert evaluated[-2:] == [{"buyers"}, {"buyers", "sneakers"}]
    assert processor.members("p1") == {"sneakers", "buyers"}
