"""``chain``: ordered steps, strictly increasing timestamps, COUNT, WHEN relative to now and
to an earlier label; ``inSegment``; explanations."""

from __future__ import annotations

from datetime import datetime, timedelta

from segmint.evaluate import ProfileData, explain
from tests.evaluate.helpers import AS_OF, event, holds, plan

H = timedelta(hours=1)
LOGIN_SEARCH = (
    'chain(xEvent, timestamp, [A: WHAT(eventType = "login"), B: WHAT(eventType = "search")])'
)


def test_steps_must_happen_in_order() -> None:
    in_order = [event("1", AS_OF - 3 * H, "login"), event("2", AS_OF - 2 * H, "search")]
    reversed_ = [event("1", AS_OF - 2 * H, "login"), event("2", AS_OF - 3 * H, "search")]
    assert holds(LOGIN_SEARCH, events=in_order)
    assert not holds(LOGIN_SEARCH, events=reversed_)


def test_equal_timestamps_are_not_strictly_increasing() -> None:
    same = [event("1", AS_OF - H, "login"), event("2", AS_OF - H, "search")]
    assert not holds(LOGIN_SEARCH, events=same)


def test_a_later_first_step_event_does_not_hide_an_earlier_match() -> None:
    events = [
        event("1", AS_OF - 5 * H, "login"),
        event("2", AS_OF - 4 * H, "search"),
        event("3", AS_OF - 3 * H, "login"),
    ]
    assert holds(LOGIN_SEARCH, events=events)


def test_count_needs_distinct_events_between_the_neighbouring_steps() -> None:
    query = 'chain(xEvent, timestamp, [A: WHAT(eventType = "login"), B: WHAT(eventType = "view") COUNT(2), C: WHAT(eventType = "buy")])'
    views_between = [
        event("l", AS_OF - 9 * H, "login"),
        event("v1", AS_OF - 8 * H, "view"),
        event("v2", AS_OF - 7 * H, "view"),
        event("b", AS_OF - 6 * H, "buy"),
    ]
    assert holds(query, events=views_between)
    one_view_before_login = [
        event("v0", AS_OF - 10 * H, "view"),
        *[e for e in views_between if e["_id"] != "v1"],
    ]
    assert not holds(query, events=one_view_before_login)
    one_view_after_buy = [*views_between[:2], views_between[3], event("v3", AS_OF - 5 * H, "view")]
    assert not holds(query, events=one_view_after_buy)


def test_count_events_may_share_a_timestamp() -> None:
    query = 'chain(xEvent, timestamp, [A: WHAT(eventType = "view") COUNT(2)])'
    assert holds(query, events=[event("1", AS_OF - H, "view"), event("2", AS_OF - H, "view")])
    assert not holds(query, events=[event("1", AS_OF - H, "view")])


def test_when_relative_to_now() -> None:
    query = 'chain(xEvent, timestamp, [A: WHAT(eventType = "view") WHEN(<= 24 hours before now) COUNT(2)])'
    inside = [event("1", AS_OF - 24 * H, "view"), event("2", AS_OF - H, "view")]
    outside = [
        event("1", AS_OF - 24 * H - timedelta(milliseconds=1), "view"),
        event("2", AS_OF - H, "view"),
    ]
    assert holds(query, events=inside)
    assert not holds(query, events=outside)


def test_when_relative_to_an_earlier_label() -> None:
    query = 'chain(xEvent, timestamp, [A: WHAT(eventType = "cart"), B: WHAT(eventType = "buy") WHEN(<= 1 hour after A)])'
    late = [event("c", AS_OF - 5 * H, "cart"), event("b", AS_OF - 3 * H, "buy")]
    assert not holds(query, events=late)
    second_cart = [*late, event("c2", AS_OF - 3.5 * H, "cart")]
    assert holds(query, events=second_cart)
    exactly = [event("c", AS_OF - 5 * H, "cart"), event("b", AS_OF - 4 * H, "buy")]
    assert holds(query, events=exactly)


def test_conditions_may_use_earlier_labels() -> None:
    query = 'chain(xEvent, timestamp, [A: WHAT(eventType = "view"), B: WHAT(eventType = "buy" and productListItems.SKU = A.productListItems.SKU)])'
    view = event("v", AS_OF - 2 * H, "view", productListItems=[{"SKU": "S1"}])
    assert holds(
        query, events=[view, event("b", AS_OF - H, "buy", productListItems=[{"SKU": "S1"}])]
    )
    assert not holds(
        query, events=[view, event("b", AS_OF - H, "buy", productListItems=[{"SKU": "S2"}])]
    )


def test_in_segment_by_id_or_name() -> None:
    assert holds('inSegment("gold")', segments=frozenset({"gold", "id-1"}))
    assert holds(
        'inSegment("id-1") and not inSegment("silver")', segments=frozenset({"gold", "id-1"})
    )
    assert not holds('inSegment("gold")')


def test_explanation_names_clauses_and_the_events_that_satisfied_them() -> None:
    events = [
        event("e1", AS_OF - 3 * H, "login"),
        event("e2", AS_OF - 2 * H, "search"),
        event("e3", AS_OF - H, "search"),
    ]
    text = f'loyalty.points > 10 and xEvent[eventType = "search"].count() >= 2 and {LOGIN_SEARCH}'
    profile = ProfileData({"loyalty": {"points": 5}}, events)
    result = explain(plan(text), profile, AS_OF)
    assert not result.held
    points, searches, chain = result.children
    assert (points.text, points.held, points.events) == ("loyalty.points > 10", False, ())
    assert searches.text == '(select _1 from xEvent where _1.eventType = "search").count() >= 2'
    assert searches.held and searches.events == ("e2", "e3")
    assert chain.held
    assert [step.events for step in chain.children] == [("e1",), ("e2",)]
    assert chain.children[1].text == 'chain(xEvent, timestamp, [B: WHAT(eventType = "search")])'


def test_explanation_of_not_and_or() -> None:
    profile = ProfileData({}, [event("e1", datetime(2018, 8, 1), "login")])
    result = explain(
        plan('not (xEvent[eventType = "login"]) or person.gender = "f"'), profile, AS_OF
    )
    assert not result.held
    negation, gender = result.children
    assert negation.children[0].held and negation.children[0].events == ("e1",)
    assert not gender.held
