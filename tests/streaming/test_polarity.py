"""Which way one more event moves a segment: read off the plan, and checked against the
reference interpreter, the oracle, on random definitions, profiles and events."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from segmint.demo.segments import DEMO_SEGMENTS
from segmint.errors import SegmintError
from segmint.evaluate.edge import EdgeSegments
from segmint.evaluate.reference import ProfileData, evaluate
from segmint.evaluate.streaming import Processor, Transition
from segmint.evaluate.streaming.polarity import Polarity, segment_polarity, time_polarity, truth
from segmint.plan.nodes import Plan
from segmint.schema.model import SchemaClass
from tests.conformance.strategies import Data, as_of_instants, data_sets, definitions, events
from tests.edge.profiles import normalised, profiles_of
from tests.edge.test_windowed import windowed_texts
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


VIEW, ADD = "commerce.productViews", "commerce.productListAdds"


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        (DEMO["Viewed then added to cart within 1 hour"], VIEW, NONE),
        (DEMO["Viewed then added to cart within 1 hour"], ADD, UP),
        (f'chain(xEvent, timestamp, [A: WHAT(eventType = "{VIEW}")])', VIEW, UP),
        (
            f'chain(xEvent, timestamp, [A: WHAT(eventType = "{VIEW}"), '
            f'B: WHAT(eventType = "{ADD}") WHEN(<= 1 hour before now)])',
            VIEW,
            NONE,
        ),
        (
            f'chain(xEvent, timestamp, [A: WHAT(eventType = "{VIEW}"), '
            f'B: WHAT(eventType = "{ADD}" or eventType = "{VIEW}")])',
            VIEW,
            UP,
        ),
    ],
)
def test_the_latest_event_completes_a_chain_only_at_its_last_step(
    text: str, kind: str, expected: Polarity
) -> None:
    """An event after every other one cannot be followed by the last step's event, so a chain
    it cannot end stays as it is, whatever windows its steps have; one it can end may move."""
    assert segment_polarity(plan(text).root, kind, latest=True) is expected


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


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: Random definitions reading events: counts, sums, quantifiers, chains, mixed with others.
EVENT_DEFINITIONS = st.one_of(definitions("events"), definitions("chains"))


def _bound(text: str) -> Plan:
    """The definition bound, or the example rejected (a random text may not bind)."""
    try:
        return plan(text)
    except SegmintError:
        assume(False)
        raise


def _first_profile(data: Data) -> ProfileData:
    return profiles_of(data).get("d0", ProfileData())


def _check_moved(way: Polarity, before: bool, after: bool) -> None:
    """NONE: unchanged; UP: never from in to out; DOWN: never from out to in."""
    if way is Polarity.NONE:
        assert after == before
    elif way is Polarity.UP:
        assert after or not before
    elif way is Polarity.DOWN:
        assert before or not after


#: A profile, a definition reading events, an instant and one more event of the profile.
ONE_MORE_EVENT = (data_sets(), EVENT_DEFINITIONS, as_of_instants(), events("extra", "d0"))


@SETTINGS
@given(*ONE_MORE_EVENT)
def test_polarity_holds(data: Data, text: str, as_of: datetime, raw: dict[str, object]) -> None:
    """With one more event of a type, an UP segment never goes from in to out, a DOWN one
    never from out to in, and a NONE one never changes (the analysis before the rule that
    skips nothing reading ``now`` as a value, so those definitions are checked too)."""
    root, profile = _bound(text), _first_profile(data)
    extra = normalised(raw, SchemaClass.EVENT)
    before = evaluate(root, profile, as_of)
    after = evaluate(
        root, ProfileData(profile.attributes, [*profile.events, extra], profile.segments), as_of
    )
    _check_moved(truth(root.root, str(extra["eventType"])), before, after)


@SETTINGS
@given(
    data_sets(),
    EVENT_DEFINITIONS,
    events("extra", "d0"),
    st.integers(1, 10**8),
    st.integers(0, 60 * 24 * 30),
)
def test_latest_polarity_holds(
    data: Data, text: str, raw: dict[str, object], gap_ms: int, minutes: int
) -> None:
    """With one more event after every event of the profile, the same holds as it arrives and
    at any later instant (a NONE segment is skipped with its timer left as it was)."""
    root, profile = _bound(text), _first_profile(data)
    extra = normalised(raw, SchemaClass.EVENT)
    stamps = [event["timestamp"] for event in profile.events]
    if stamps:
        extra["timestamp"] = max(stamps) + timedelta(milliseconds=gap_ms)
    way = truth(root.root, str(extra["eventType"]), latest=True)
    grown = ProfileData(profile.attributes, [*profile.events, extra], profile.segments)
    for as_of in (extra["timestamp"], extra["timestamp"] + timedelta(minutes=minutes)):
        _check_moved(way, evaluate(root, profile, as_of), evaluate(root, grown, as_of))


@SETTINGS
@given(
    data_sets(),
    st.one_of(windowed_texts(), definitions("events"), definitions("chains")),
    as_of_instants(),
    st.integers(1, 60 * 24),
)
def test_time_polarity_holds(data: Data, text: str, as_of: datetime, hours: int) -> None:
    """With no event arriving or becoming visible, a segment whose time polarity is DOWN never
    goes from out to in as time passes, an UP one never from in to out, a NONE one never
    changes: checked with the reference interpreter at as_of and later."""
    root, profile = _bound(text), _first_profile(data)
    seen = [event for event in profile.events if event["timestamp"] <= as_of]
    visible = ProfileData(profile.attributes, seen, profile.segments)
    before = evaluate(root, visible, as_of)
    after = evaluate(root, visible, as_of + timedelta(hours=hours))
    _check_moved(time_polarity(root.root), before, after)


def test_window_exits_still_fire_on_time() -> None:
    """A member of a windowed count exits when its last event leaves the window, with no new
    event (its time polarity is DOWN: a member keeps its timer)."""
    plans = {"s": plan('xEvent[eventType = "search" and timestamp occurs <= 3 days before now]'
                       ".count() > 0")}  # fmt: skip
    processor = Processor(EdgeSegments(plans), resolve=lambda event: "p")
    seen: list[Transition] = []
    processor.subscribe(seen.append)
    start = datetime(2026, 1, 1)
    processor.feed([{"_id": "e1", "timestamp": start, "eventType": "search"}])
    processor.advance(start + timedelta(days=3, hours=1))
    assert [(t.status, t.time) for t in seen] == [
        ("entered", start),
        ("exited", start + timedelta(days=3, microseconds=1)),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'xEvent[eventType = "search" and timestamp occurs <= 3 days before now].count() > 0',
            DOWN,
        ),
        ("not (xEvent[timestamp occurs <= 3 days before now].count() > 2)", UP),
        ("xEvent[timestamp occurs <= 3 days before now].count() = 2", ANY),
        ("xEvent[timestamp occurs > 3 days before now].count() > 0", ANY),
        ("xEvent[timestamp occurs before now].count() > 0", ANY),
        ("xEvent[timestamp occurs last month].count() > 0", ANY),
        ('xEvent[eventType = "search"].count() > 1', NONE),
        (
            'chain(xEvent, timestamp, [A: WHAT(eventType = "a"),'
            ' B: WHAT(eventType = "b") WHEN(<= 1 hour after A)])',
            NONE,
        ),
        ('chain(xEvent, timestamp, [A: WHAT(eventType = "a") WHEN(<= 7 days before now)])', ANY),
    ],
)
def test_time_shapes(text: str, expected: Polarity) -> None:
    """A window ending now only loses events as time passes; one whose end moves (events at
    or before now entering) or a calendar period may gain them; a chain with only relative
    WHENs never changes with time."""
    assert time_polarity(plan(text).root) is expected
