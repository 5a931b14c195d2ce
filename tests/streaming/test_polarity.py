"""Which way one more event moves a segment: read off the plan, and checked against the
reference interpreter, the oracle, on random definitions, profiles and events."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from segmint.demo.segments import DEMO_SEGMENTS
from segmint.errors import SegmintError
from segmint.evaluate.reference import ProfileData, evaluate
from segmint.evaluate.streaming.polarity import Polarity, segment_polarity, truth
from segmint.schema.model import SchemaClass
from tests.conformance.strategies import as_of_instants, data_sets, definitions, events
from tests.edge.profiles import normalised, profiles_of
from tests.evaluate.helpers import plan

DEMO = {spec.name: spec.pql for spec in DEMO_SEGMENTS}
PURCHASE, SEARCH = "commerce.purchases", "search"
UP, DOWN, NONE, ANY = Polarity.UP, Polarity.DOWN, Polarity.NONE, Polarity.ANY


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("3+ purchases in 90 days", PURCHASE, UP),
        ("3+ purchases in 90 days", SEARCH, NONE),
        ("Searched for sneakers in the last 30 days and did not buy", SEARCH, UP),
        ("Searched for sneakers in the last 30 days and did not buy", PURCHASE, DOWN),
        ("Lapsed buyers", PURCHASE, ANY),
        ("Spent over 200 in 90 days", PURCHASE, ANY),
        ("Average order over 100", PURCHASE, ANY),
        ("Viewed then added to cart within 1 hour", "commerce.productViews", UP),
        ("Abandoned a cart this week", "commerce.productListAdds", UP),
        ("Abandoned a cart this week", "commerce.checkouts", DOWN),
        ("US customers", PURCHASE, NONE),
        ("US sneaker prospects", PURCHASE, NONE),
    ],
)
def test_demo_segments(name: str, kind: str, expected: Polarity) -> None:
    assert segment_polarity(plan(DEMO[name]).root, kind) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('xEvent[eventType = "search"].count() < 2', DOWN),
        ('xEvent[eventType = "search"].count() = 2', ANY),
        ('2 < xEvent[eventType = "search"].count()', UP),
        ('forall E from xEvent : E.eventType = "search"', DOWN),
        ('(forall E from xEvent : E.eventType = "search") or xEvent.count() > 3', ANY),
        ('xEvent[eventType = "search" and timestamp occurs <= 3 days before now].count() > 0', UP),
        ('xEvent[eventType = "search"].count() > 0 and createdAt = now', ANY),
    ],
)
def test_shapes(text: str, expected: Polarity) -> None:
    """Counts against a number by direction, equality either way, ``forall`` only falls, and
    ``now`` read as a value is never skipped."""
    assert segment_polarity(plan(text).root, SEARCH) is expected


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data_sets(),
    st.one_of(definitions("events"), definitions("chains")),
    as_of_instants(),
    events("extra", "d0"),
)
def test_polarity_holds(data: object, text: str, as_of: datetime, raw: dict[str, object]) -> None:
    """With one more event of a type, an UP segment never goes from in to out, a DOWN one
    never from out to in, and a NONE one never changes (the analysis before the rule that
    skips nothing reading ``now`` as a value, so those definitions are checked too)."""
    try:
        root = plan(text)
    except SegmintError:
        assume(False)
        raise
    profile = profiles_of(data).get("d0", ProfileData())  # type: ignore[arg-type]
    extra = normalised(raw, SchemaClass.EVENT)
    before = evaluate(root, profile, as_of)
    after = evaluate(
        root, ProfileData(profile.attributes, [*profile.events, extra], profile.segments), as_of
    )
    way = truth(root.root, str(extra["eventType"]))
    if way is Polarity.NONE:
        assert after == before
    elif way is Polarity.UP:
        assert after or not before
    elif way is Polarity.DOWN:
        assert before or not after
