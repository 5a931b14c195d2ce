"""Windowed counts, aggregates and ``exists`` answered by bisect (``edge.ranges``) equal the
reference: on random windows (of every form PQL has: most take the bisect path, the rest fall
back), event types and extra conditions, from scratch and from the streaming state's kept index
with its memo, its kept selections (``ranges.KeptSelection``) and their running aggregates while
events arrive out of order."""

from __future__ import annotations

import random
from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmint.evaluate.edge import EdgeSegments
from segmint.evaluate.edge.compiler import truth, value
from segmint.evaluate.edge.ranges import windowed
from segmint.evaluate.reference import ProfileData
from segmint.evaluate.streaming.state import ProfileState
from segmint.plan.nodes import Aggregate, Compare
from tests.conformance.strategies import EVENT_TYPES, Data, as_of_instants, data_sets
from tests.edge.profiles import (
    arrivals,
    check_arriving,
    corpus,
    profiles_of,
    reference_members,
)
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
def windowed_texts(draw: st.DrawFn) -> str:
    condition, count = draw(conditions()), draw(st.integers(0, 2))
    return draw(
        st.sampled_from(
            [
                f"(select X from xEvent where {condition}).count() > {count}",
                draw(aggregate_texts()),
                f"exists X from xEvent where {condition}",
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
    running_texts(),
    st.lists(as_of_instants(), min_size=1, max_size=4),
    st.randoms(use_true_random=False),
)
def test_running_aggregates_follow_each_arrival(
    data: Data, text: str, instants: list[datetime], order: random.Random
) -> None:
    """Events arrive one at a time, in any order, and the streaming state is read once after
    each (as the stream reads it, with no search for the next change), at varying instants:
    aggregates extended from one reading to the next (and restarted when the window's start
    moves or an event arrives late) equal the reference."""
    plans = corpus([text], combine=False)
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
