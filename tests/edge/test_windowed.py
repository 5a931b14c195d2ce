"""Windowed counts, aggregates and ``exists`` answered by bisect (``edge.ranges``) equal the
reference: on random windows (of every form PQL has: most take the bisect path, the rest fall
back), event types and extra conditions, from scratch and from the streaming state's kept index
with its memo, its kept selections (``ranges.KeptSelection``) and their running aggregates while
events arrive out of order."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmint.demo.segments import DEMO_SEGMENTS
from segmint.evaluate.edge import EdgeSegments
from segmint.evaluate.edge.compiler import _DIRECT, leaves_to_flip, truth, value
from segmint.evaluate.edge.context import TICK
from segmint.evaluate.edge.ranges import KeptSelection, windowed
from segmint.evaluate.reference import ProfileData, evaluate
from segmint.evaluate.streaming import Processor
from segmint.evaluate.streaming.state import ProfileState
from segmint.plan.nodes import Aggregate, And, Compare, Not, Quantify
from tests.conformance.strategies import EVENT_TYPES, Data, as_of_instants, data_sets
from tests.edge.profiles import (
    arrivals,
    check_arriving,
    corpus,
    profiles_of,
    reference_members,
)
from tests.evaluate.helpers import plan
from tests.plan.test_roundtrip import tails

_SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_QUOTED = [f'"{kind}"' for kind in EVENT_TYPES]
_TYPES = st.sampled_from(_QUOTED)
_EXTRA = st.sampled_from(
    ["", "X.commerce.order.priceTotal > 5 and ", 'X.search.keywords.contains("sneakers") and ']
)


@st.composite
def conditions(draw: st.DrawFn) -> str:
    """An event type test and a window on X's timestamp, perhaps with another item."""
    kind, other, extra, tail = draw(_TYPES), draw(_TYPES), draw(_EXTRA), draw(tails)
    test = draw(st.sampled_from([f"X.eventType = {kind}", f"X.eventType in [{kind}, {other}]"]))
    occurs = f"X.timestamp occurs {tail}"
    return draw(st.sampled_from([f"{test} and {extra}{occurs}", f"{occurs} and {test}"]))


def _aggregate_over(draw: st.DrawFn, condition: str) -> str:
    function = draw(st.sampled_from(["sum", "average", "min", "max"]))
    threshold = draw(st.sampled_from([7, 27, 47]))
    return f"({function} X.commerce.order.priceTotal over X from xEvent where {condition}) > {threshold}"


@st.composite
def aggregate_texts(draw: st.DrawFn) -> str:
    return _aggregate_over(draw, draw(conditions()))


@st.composite
def running_texts(draw: st.DrawFn) -> str:
    """An aggregate over events of every type, in a window of a closed form or in none: read
    through a kept selection."""
    window = draw(st.sampled_from(["", " and X.timestamp occurs <= 3 days before now",
                                   " and X.timestamp occurs < 20 hours before now"]))  # fmt: skip
    return _aggregate_over(draw, f"X.eventType in [{', '.join(_QUOTED)}]{window}")


@st.composite
def nested_texts(draw: st.DrawFn) -> str:
    """Events of one type, in a window, with (or without) an event of another type in a window
    anchored on theirs: the outer item depends on time through the inner one, which is
    windowed on a bound that does not move (as the demo's abandoned cart)."""
    kind, other, tail = draw(_TYPES), draw(_TYPES), draw(tails)
    relative = draw(st.sampled_from(["after A.timestamp", "before A.timestamp", "on A.timestamp",
                                     "<= 2 hours after A.timestamp", "> 1 day before A.timestamp",
                                     "between A.timestamp and now"]))  # fmt: skip
    inner = f"exists B from xEvent where B.eventType = {other} and B.timestamp occurs {relative}"
    inner = draw(st.sampled_from([inner, f"not ({inner})"]))
    items = [f"A.eventType = {kind}", f"A.timestamp occurs {tail}", inner]
    condition = " and ".join(draw(st.permutations(items)))
    count = draw(st.integers(0, 2))
    return draw(st.sampled_from([f"exists A from xEvent where {condition}",
                                 f"(select A from xEvent where {condition}).count() > {count}"]))  # fmt: skip


@st.composite
def windowed_texts(draw: st.DrawFn) -> str:
    condition, count = draw(conditions()), draw(st.integers(0, 2))
    return draw(
        st.sampled_from(
            [
                f"(select X from xEvent where {condition}).count() > {count}",
                draw(aggregate_texts()),
                f"exists X from xEvent where {condition}",
                draw(nested_texts()),
            ]
        )
    )


def test_demo_shape_takes_the_bisect_path() -> None:
    root = corpus(['xEvent[eventType = "search" and timestamp occurs <= 3 days before now]'
                   ".count() > 1"], combine=False)  # fmt: skip
    assert root is not None
    compare = root["s0"].root
    assert isinstance(compare, Compare) and isinstance(compare.left, Aggregate)
    assert windowed(compare.left, truth, value) is not None


def test_abandoned_cart_shape_takes_the_bisect_path() -> None:
    """The adds in the window are found by bisect although the item after them (no checkout
    since) depends on time, and the checkouts after an add by bisect on the add's time."""
    text = next(s.pql for s in DEMO_SEGMENTS if s.name == "Abandoned a cart this week")
    root = corpus([text], combine=False)["s0"].root
    assert isinstance(root, Quantify) and isinstance(root.condition, And)
    inner = root.condition.items[-1]
    assert isinstance(inner, Not) and isinstance(inner.item, Quantify)
    assert windowed(root, truth, value) is not None
    assert isinstance(windowed(inner.item, truth, value), KeptSelection)


@_SETTINGS
@given(
    data_sets(),
    st.lists(windowed_texts(), min_size=1, max_size=3),
    st.lists(as_of_instants(), min_size=1, max_size=3),
    st.randoms(use_true_random=False),
)
def test_windowed_equals_reference(
    data: Data, texts: list[str], instants: list[datetime], order: random.Random
) -> None:
    plans = corpus(texts, combine=False)
    edge = EdgeSegments(plans)
    for device, profile in profiles_of(data).items():
        events = sorted(profile.events, key=lambda event: event["timestamp"])
        ordered = ProfileData(profile.attributes, events)
        for as_of in instants:
            result = edge.evaluate(ordered, as_of)
            assert result.members == reference_members(plans, ordered, as_of), (device, as_of)
        order.shuffle(events)
        check_arriving(edge, plans, profile, events, instants, device)


@_SETTINGS
@given(
    data_sets(),
    st.lists(running_texts(), min_size=1, max_size=3),
    st.lists(as_of_instants(), min_size=1, max_size=4),
    st.randoms(use_true_random=False),
)
def test_running_aggregates_follow_each_arrival(
    data: Data, texts: list[str], instants: list[datetime], order: random.Random
) -> None:
    """Events arrive one at a time, in any order, and the streaming state is read once after
    each (as the stream reads it, with no search for the next change), at varying instants:
    aggregates extended from one reading to the next (and restarted when the window's start
    moves or an event arrives late) equal the reference, also where several aggregates (each
    with its own window and function) share the events they keep."""
    plans = corpus(texts, combine=False)
    edge = EdgeSegments(plans)
    for device, profile, events in arrivals(data, order):
        state = ProfileState.of(ProfileData(profile.attributes))
        for step, event in enumerate(events):
            state.add(event)
            as_of = instants[step % len(instants)]
            seen = ProfileData(profile.attributes, list(state.events))
            outcomes = edge.outcomes(state.data(), as_of)
            found = {segment for segment, outcome in outcomes.items() if outcome.member}
            assert found == reference_members(plans, seen, as_of), (device, step, as_of)


@pytest.mark.parametrize(
    ("text", "members"),
    [
        ('xEvent[eventType = "a" and timestamp occurs > 3 days before now].count() > 0', [0, 1]),
        (
            'exists X from xEvent where X.eventType = "a" and X.timestamp occurs before yesterday',
            [0, 1],
        ),
        (
            'exists X from xEvent where X.eventType = "a" and X.timestamp occurs between '
            "date(2026, 1, 1) and date(2026, 1, 12)",
            [1, 1],
        ),
    ],
)
def test_an_event_after_a_moving_end_enters_on_time(text: str, members: list[int]) -> None:
    """An event after the end of a window that moves enters it later: the memo read at the
    second instant, with no event since, must have lapsed then (not so after a fixed end)."""
    plans = corpus([text], combine=False)
    edge = EdgeSegments(plans)
    state = ProfileState.of(ProfileData({}))
    state.add({"_id": "1", "eventType": "a", "timestamp": datetime(2026, 1, 10)})
    for day, expected in zip((11, 14), members, strict=True):
        as_of = datetime(2026, 1, day)
        assert edge.evaluate(state.data(), as_of).members == ({"s0"} if expected else set())
        assert reference_members(plans, ProfileData({}, list(state.events)), as_of) == (
            {"s0"} if expected else set()
        )


_OPS = st.sampled_from(["=", "!=", "<", ">", "<=", ">="])
_THRESHOLDS = st.one_of(
    st.integers(-3, 12),
    st.integers(-6, 24).map(lambda half: half / 2),
    st.sampled_from([math.inf, -math.inf, math.nan]),
)


@given(op=_OPS, number=_THRESHOLDS, held=st.integers(1, 30))
def test_leaves_to_flip_finds_the_first_leaving_that_changes_the_comparison(
    op: str, number: float, held: int
) -> None:
    direct = _DIRECT[op]
    changes = [
        gone for gone in range(1, held + 1) if direct(held - gone, number) != direct(held, number)
    ]
    assert leaves_to_flip(direct, number)(held) == (changes[0] if changes else held)


CLICKED = 'eventType = "directMarketing.emailClicked"'


@pytest.mark.parametrize(
    ("text", "flipping"),
    [
        (f"xEvent[{CLICKED} and timestamp occurs <= 14 days before now].count() >= 2", 3),
        (f"xEvent[{CLICKED} and timestamp occurs <= 14 days before now].count() > 0", 4),
        (f"exists X from xEvent where X.{CLICKED} and X.timestamp occurs <= 14 days before now", 4),
        (f"not (xEvent[{CLICKED} and timestamp occurs <= 14 days before now].count() < 3)", 2),
    ],
)
def test_a_member_is_next_evaluated_when_its_membership_can_change(
    text: str, flipping: int
) -> None:
    """A profile with four clicks a day apart: its timer is set for the click whose leaving
    the 14 days flips the answer, not for the first to leave, which changes only the count."""
    processor = Processor(EdgeSegments({"clickers": plan(text)}))
    start = datetime(2026, 3, 1)
    clicks = [
        {"_id": f"c{day}", "eventType": "directMarketing.emailClicked",
         "timestamp": start + timedelta(days=day)}
        for day in range(4)
    ]  # fmt: skip
    processor.resume(start + timedelta(days=3), None)
    processor.add_profile("p1", ProfileData({}, clicks))
    assert processor.members("p1") == {"clickers"}
    leaves = start + timedelta(days=flipping - 1 + 14) + TICK
    assert processor.next_due("p1") == leaves
    processor.advance(leaves - TICK)
    assert processor.members("p1") == {"clickers"}
    processor.advance(leaves)
    assert processor.members("p1") == frozenset()


def _abandoned(days: int) -> str:
    """A click in the window with no checkout after it: an ``exists`` whose condition reads
    other events, so its selection is not kept (the generic bisect path)."""
    return (
        f"exists X from xEvent where X.{CLICKED} and X.timestamp occurs <= {days} days before "
        'now and not (exists Y from xEvent where Y.eventType = "commerce.checkouts" and '
        "Y.timestamp occurs after X.timestamp)"
    )


def _windowed(shape: str, op: str, number: int, days: int) -> str:
    """A trailing window of ``days`` over the clicks: their count, or the sum or average of
    their amounts, against ``number``; or the "abandoned" ``exists``."""
    window = f"{CLICKED} and X.timestamp occurs <= {days} days before now"
    if shape == "count":
        return f"xEvent[{window.replace('X.', '')}].count() {op} {number}"
    if shape == "abandoned":
        return _abandoned(days)
    amounts = f"X.commerce.order.priceTotal over X from xEvent where X.{window}"
    return f"{shape} {amounts} {op} {number}"


@settings(max_examples=200, deadline=None)
@given(
    shape=st.sampled_from(["count", "abandoned", "sum", "average"]),
    op=_OPS,
    number=st.integers(0, 4),
    days=st.integers(1, 6),
    arrivals=st.lists(
        st.tuples(
            st.integers(0, 12 * 24), st.integers(0, 4), st.one_of(st.none(), st.integers(-3, 5))
        ),
        min_size=1,
        max_size=8,
    ).map(lambda found: sorted(found, key=lambda arrival: arrival[0])),
    checkpoints=st.lists(st.integers(0, 20 * 24), min_size=1, max_size=6, unique=True).map(sorted),
    loaded=st.integers(0, 8),
)
def test_a_windowed_answer_changes_on_time_as_its_events_leave(
    shape: str,
    op: str,
    number: int,
    days: int,
    arrivals: list[tuple[int, int, int | None]],
    checkpoints: list[int],
    loaded: int,
) -> None:
    """A streamed profile holding several events of a trailing window (clicks with an amount,
    some missing or negative, and one in five a checkout), the first ``loaded`` of them known
    before the stream: at every checkpoint its membership is the reference's, however many of
    them must leave before the answer changes."""
    segment = plan(_windowed(shape, op, number, days))
    start = datetime(2026, 3, 1)
    clicks: list[dict[str, Any]] = [
        {"_id": f"c{at}",
         "eventType": "commerce.checkouts" if kind == 0 else "directMarketing.emailClicked",
         "timestamp": start + timedelta(hours=hour, milliseconds=at),
         "commerce": {"order": {"priceTotal": amount}}}
        for at, (hour, kind, amount) in enumerate(arrivals)
    ]  # fmt: skip
    processor = Processor(EdgeSegments({"s": segment}), resolve=lambda event: "p1")
    instants = [start + timedelta(hours=hour, microseconds=7) for hour in checkpoints]
    known = [click for click in clicks[:loaded] if click["timestamp"] <= instants[0]]
    pending = clicks[len(known) :]
    processor.resume(instants[0], None)
    processor.add_profile("p1", ProfileData({}, known))
    for checkpoint in instants:
        arrived = [click for click in pending if click["timestamp"] <= checkpoint]
        processor.feed(arrived)
        pending = pending[len(arrived) :]
        processor.advance(checkpoint)
        seen = [click for click in clicks if click["timestamp"] <= checkpoint]
        expected = evaluate(segment, ProfileData({}, seen), checkpoint)
        assert ("s" in processor.members("p1")) == expected, checkpoint
