"""The forward scan of chains: which shapes take it, and that it answers as the reference's
backtracking search does, on hand-made cases where the choice of the previous event matters and
on random chains of the shapes it takes."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from segmint.evaluate.edge import EdgeSegments
from segmint.evaluate.edge.sequence_scan import relative_windows
from segmint.evaluate.reference import ProfileData
from segmint.plan.nodes import Not, Sequence
from tests.conformance.strategies import (
    EVENT_TYPES,
    Data,
    as_of_instants,
    chains,
    data_sets,
)
from tests.edge.profiles import (
    arrivals,
    check_arriving,
    corpus,
    profiles_of,
    reference_members,
)
from tests.evaluate.helpers import AS_OF, event, plan

MINUTE = timedelta(minutes=1)


def _chain(text: str) -> Sequence:
    root = plan(text).root
    root = root.item if isinstance(root, Not) else root
    assert isinstance(root, Sequence)
    return root


@pytest.mark.parametrize(
    ("steps", "scanned"),
    [
        ('A: WHAT(eventType = "v"), B: WHAT(eventType = "c") WHEN(<= 1 hour after A)', True),
        ('A: WHAT(eventType = "v") WHEN(<= 7 days before now), B: WHAT(eventType = "c")', True),
        ('A: WHAT(eventType = "v"), B: WHAT(eventType = "c") COUNT(2)', True),
        (
            'A: WHAT(eventType = "v"), B: WHAT(eventType = "c") WHEN(> 1 hour after A) COUNT(2)',
            False,
        ),
        (
            'A: WHAT(eventType = "v"), B: WHAT(eventType = "c") WHERE(eventType = A.eventType)',
            False,
        ),
        (
            'A: WHAT(eventType = "v"), B: WHAT(eventType = "c"),'
            ' C: WHAT(eventType = "p") WHEN(<= 1 day after A)',
            False,
        ),
    ],
)
def test_which_chains_are_scanned(steps: str, scanned: bool) -> None:
    chain = _chain(f"chain(xEvent, timestamp, [{steps}])")
    assert (relative_windows(chain) is not None) == scanned


def _members(text: str, events: list[dict[str, object]]) -> bool:
    edge = EdgeSegments({"s": plan(text)})
    return "s" in edge.evaluate(ProfileData({}, events), AS_OF, search=1).members


@pytest.mark.parametrize(
    ("when", "b_after_first", "expected"),
    [
        # within an hour after A: only the later A (50 minutes before B) admits B
        ("<= 1 hour after A", 100, True),
        ("<= 1 hour after A", 200, False),
        # more than two hours after A: only the earlier A admits B
        ("> 2 hours after A", 130, True),
        ("> 2 hours after A", 110, False),
    ],
)
def test_the_previous_event_that_admits_the_step_is_found(
    when: str, b_after_first: int, expected: bool
) -> None:
    first = AS_OF - timedelta(days=1)
    events = [
        event("a1", first, "v"),
        event("a2", first + 50 * MINUTE, "v"),
        event("b", first + b_after_first * MINUTE, "c"),
    ]
    text = f'chain(xEvent, timestamp, [A: WHAT(eventType = "v"), B: WHAT(eventType = "c") WHEN({when})])'
    assert _members(text, events) is expected


@pytest.mark.parametrize("second_b", [True, False])
def test_a_later_previous_event_admits_a_later_candidate(second_b: bool) -> None:
    """b1 comes too late for a1; a2 then admits b2, which a3 comes after."""
    first = AS_OF - timedelta(days=1)
    minutes = {"a1": 0, "b1": 120, "a2": 180, "b2": 210, "a3": 300}
    events = [
        event(name, first + at * MINUTE, "v" if name.startswith("a") else "c")
        for name, at in minutes.items()
        if second_b or name != "b2"
    ]
    text = (
        'chain(xEvent, timestamp, [A: WHAT(eventType = "v"),'
        ' B: WHAT(eventType = "c") WHEN(<= 1 hour after A)])'
    )
    assert _members(text, events) is second_b


def test_count_counts_only_after_the_earliest_previous_event() -> None:
    first = AS_OF - timedelta(days=1)
    text = 'chain(xEvent, timestamp, [A: WHAT(eventType = "v"), B: WHAT(eventType = "c") COUNT(2)])'
    before = [
        event("b0", first, "c"),
        event("a", first + MINUTE, "v"),
        event("b1", first + 2 * MINUTE, "c"),
    ]
    assert not _members(text, before)
    assert _members(text, [*before, event("b2", first + 3 * MINUTE, "c")])


def test_every_admitted_time_of_a_step_counts_when_the_next_step_is_relative_to_it() -> None:
    """The earlier B is admitted by A but is too early for C; the later B admits C."""
    first = AS_OF - timedelta(days=1)
    text = (
        'chain(xEvent, timestamp, [A: WHAT(eventType = "v"),'
        ' B: WHAT(eventType = "c") WHEN(<= 1 hour after A),'
        ' C: WHAT(eventType = "p") WHEN(<= 1 hour after B)])'
    )
    events = [
        event("a", first, "v"),
        event("b1", first + 10 * MINUTE, "c"),
        event("b2", first + 50 * MINUTE, "c"),
        event("c", first + 100 * MINUTE, "p"),
    ]
    assert _members(text, events)
    assert not _members(text, [e for e in events if e["_id"] != "b2"])


def test_a_kept_step_admits_only_previous_events_after_the_step_before() -> None:
    """B at -2h comes before A, so C (one hour after the later B) has no B more than two
    hours before it that follows A; read from kept times, the earlier B must stay out."""
    first = AS_OF - timedelta(days=1)
    text = (
        'chain(xEvent, timestamp, [A: WHAT(eventType = "v"), B: WHAT(eventType = "c"),'
        ' C: WHAT(eventType = "p") WHEN(> 2 hours after B)])'
    )
    plans = {"s": plan(text)}
    events = [
        event("b0", first, "c"),
        event("a", first + 60 * MINUTE, "v"),
        event("b1", first + 120 * MINUTE, "c"),
        event("c", first + 180 * MINUTE, "p"),
    ]
    profile = ProfileData({}, events)
    assert not reference_members(plans, profile, AS_OF)
    check_arriving(EdgeSegments(plans), plans, profile, events, [AS_OF], "hand-made")


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(data=data_sets(), text=chains(), as_of=as_of_instants())
def test_scanned_chains_equal_the_reference(data: Data, text: str, as_of: datetime) -> None:
    plans = corpus([text], combine=False)
    root = plans["s0"].root
    assume(relative_windows(root.item if isinstance(root, Not) else root) is not None)
    edge = EdgeSegments(plans)
    for device, profile in profiles_of(data).items():
        assert edge.evaluate(profile, as_of, search=1).members == reference_members(
            plans, profile, as_of
        ), device


_KINDS = st.sampled_from([f'"{kind}"' for kind in EVENT_TYPES])
_EXTRA = st.sampled_from(
    ["", " and commerce.order.priceTotal > 5", ' and search.keywords = "boots"']
)


@st.composite
def typed_chains(draw: st.DrawFn) -> str:
    """Scanned chains whose every step tests the event's type: the streaming state keeps each
    step's passing times (``sequence._KeptTimes``)."""
    labels = ["A", "B", "C"][: draw(st.integers(1, 3))]
    steps = []
    for index, label in enumerate(labels):
        step = f"{label}: WHAT(eventType = {draw(_KINDS)}{draw(_EXTRA)})"
        shape = draw(st.integers(0, 4))
        if shape == 1 and index > 0:
            step += f" WHEN(<= {draw(st.integers(1, 48))} hours after {labels[index - 1]})"
        elif shape == 4 and index > 0:
            step += f" WHEN(> {draw(st.integers(1, 48))} hours after {labels[index - 1]})"
        elif shape == 2:
            step += f" WHEN(<= {draw(st.integers(1, 30))} days before now)"
        elif shape == 3:
            step += f" COUNT({draw(st.integers(2, 3))})"
        steps.append(step)
    return f"chain(xEvent, timestamp, [{', '.join(steps)}])"


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data_sets(),
    typed_chains(),
    st.lists(as_of_instants(), min_size=1, max_size=3),
    st.randoms(use_true_random=False),
)
def test_kept_chain_times_equal_the_reference(
    data: Data, text: str, instants: list[datetime], order: random.Random
) -> None:
    """Events arriving out of order into the kept index: the chain read from each step's kept
    times answers as the reference does, and as an evaluation from scratch."""
    plans = corpus([text], combine=False)
    assert relative_windows(_chain(text)) is not None
    edge = EdgeSegments(plans)
    for device, profile, events in arrivals(data, order):
        check_arriving(edge, plans, profile, events, instants, device)
