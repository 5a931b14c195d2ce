"""Block definitions evaluated by the reference interpreter on hand-made profiles: the blocks
mean what the Segment Builder shows."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from segmint.evaluate.reference import ProfileData, evaluate
from segmint.plan.blocks import blocks_to_plan, load_blocks
from segmint.schema.defaults import default_schemas
from segmint.schema.model import SchemaClass

SCHEMAS = default_schemas()
AS_OF = datetime(2024, 6, 15, 12, 0)


def members(definition: dict[str, Any], profiles: dict[str, ProfileData]) -> set[str]:
    plan = blocks_to_plan(
        load_blocks(definition), SCHEMAS[SchemaClass.PROFILE], SCHEMAS[SchemaClass.EVENT]
    )
    return {name for name, profile in profiles.items() if evaluate(plan, profile, AS_OF)}


def event(kind: str, ago: timedelta, **fields: Any) -> dict[str, Any]:
    return {"_id": f"{kind}-{ago}", "timestamp": AS_OF - ago, "eventType": kind, **fields}


def search(ago: timedelta, keywords: str) -> dict[str, Any]:
    return event("web.search", ago, search={"keywords": keywords})


def purchase(ago: timedelta, total: float, *categories: str) -> dict[str, Any]:
    items = [{"SKU": f"SKU-{n}", "category": name} for n, name in enumerate(categories)]
    return event(
        "commerce.purchases", ago, commerce={"order": {"priceTotal": total}},
        productListItems=items,
    )  # fmt: skip


DAY = timedelta(days=1)
LAST_14_DAYS = {"kind": "inLast", "amount": 14, "unit": "days"}


def test_sneaker_searchers_who_did_not_buy_sneakers() -> None:
    definition = {"items": [
        {"type": "event", "time": LAST_14_DAYS, "conditions": [
            {"field": "eventType", "operator": "equals", "value": "web.search"},
            {"field": "search.keywords", "operator": "contains", "value": "sneaker",
             "caseSensitive": False}]},
        {"type": "event", "time": LAST_14_DAYS, "count": {"operator": "none"}, "conditions": [
            {"field": "eventType", "operator": "equals", "value": "commerce.purchases"},
            {"field": "productListItems.category", "operator": "equals", "value": "Sneakers"}]},
    ]}  # fmt: skip
    profiles = {
        "searched": ProfileData(events=[search(3 * DAY, "Red SNEAKERS")]),
        "bought them": ProfileData(
            events=[search(3 * DAY, "sneakers"), purchase(DAY, 90, "Socks", "Sneakers")]
        ),
        "bought socks": ProfileData(
            events=[search(3 * DAY, "sneakers"), purchase(DAY, 9, "Socks")]
        ),
        "bought long ago": ProfileData(
            events=[search(2 * DAY, "sneakers"), purchase(20 * DAY, 90, "Sneakers")]
        ),
        "searched long ago": ProfileData(events=[search(15 * DAY, "sneakers")]),
        "searched boots": ProfileData(events=[search(DAY, "boots")]),
        "no events": ProfileData(),
    }
    assert members(definition, profiles) == {"searched", "bought socks", "bought long ago"}


def test_frequent_buyers_and_big_spenders() -> None:
    ninety_days = {"kind": "inLast", "amount": 90, "unit": "days"}
    bought = {"field": "eventType", "operator": "equals", "value": "commerce.purchases"}
    frequent = {"items": [{"type": "event", "conditions": [bought], "time": ninety_days,
                           "count": {"operator": "atLeast", "value": 3}}]}  # fmt: skip
    big = {"items": [{"type": "event", "conditions": [bought], "time": ninety_days,
                      "aggregate": {"function": "sum", "field": "commerce.order.priceTotal",
                                    "operator": "greaterThan", "value": 500}}]}  # fmt: skip
    profiles = {
        "three small": ProfileData(events=[purchase(n * DAY, 10) for n in (1, 2, 89)]),
        "one old": ProfileData(events=[purchase(n * DAY, 10) for n in (1, 2, 91)]),
        "two big": ProfileData(events=[purchase(DAY, 300), purchase(2 * DAY, 200.5)]),
        "exactly 500": ProfileData(events=[purchase(DAY, 250), purchase(2 * DAY, 250)]),
        "big but old": ProfileData(events=[purchase(100 * DAY, 900)]),
    }
    assert members(frequent, profiles) == {"three small"}
    assert members(big, profiles) == {"two big"}


def test_the_last_n_days_include_their_first_instant() -> None:
    definition = {"items": [{"type": "event", "time": LAST_14_DAYS}]}
    profiles = {
        "on the edge": ProfileData(events=[event("x", 14 * DAY)]),
        "just outside": ProfileData(events=[event("x", 14 * DAY + timedelta(microseconds=1))]),
        "in the future": ProfileData(events=[event("x", -timedelta(seconds=1))]),
    }
    assert members(definition, profiles) == {"on the edge"}


def test_cart_abandoners() -> None:
    step = {"field": "eventType", "operator": "equals"}
    definition = {"items": [
        {"type": "sequence", "time": {"kind": "inLast", "amount": 1, "unit": "days"}, "steps": [
            {"conditions": [{**step, "value": "commerce.productViews"}]},
            {"conditions": [{**step, "value": "commerce.productListAdds"}],
             "within": {"amount": 30, "unit": "minutes"}}]},
        {"type": "event", "count": {"operator": "none"},
         "conditions": [{**step, "value": "commerce.checkouts"}]},
    ]}  # fmt: skip
    minutes = timedelta(minutes=1)
    view, add = "commerce.productViews", "commerce.productListAdds"
    profiles = {
        "added soon after": ProfileData(
            events=[event(view, 60 * minutes), event(add, 40 * minutes)]
        ),
        "added too late": ProfileData(events=[event(view, 90 * minutes), event(add, 10 * minutes)]),
        "added first": ProfileData(events=[event(add, 60 * minutes), event(view, 50 * minutes)]),
        "checked out": ProfileData(
            events=[
                event(view, 60 * minutes),
                event(add, 50 * minutes),
                event("commerce.checkouts", 45 * minutes),
            ]
        ),
        "two days ago": ProfileData(events=[event(view, 2 * DAY), event(add, 2 * DAY - minutes)]),
    }
    assert members(definition, profiles) == {"added soon after"}


@pytest.mark.parametrize(
    ("attributes", "segments", "expected"),
    [
        ({"loyalty": {"joinDate": date(2024, 6, 1)}}, {"vip"}, True),
        ({"loyalty": {"joinDate": date(2024, 6, 1)}}, {"vip", "churn-risk"}, False),
        ({"loyalty": {"joinDate": date(2024, 5, 1)}}, {"vip"}, False),
        ({"loyalty": {"joinDate": date(2024, 5, 1)}, "preferences": {"interests": ["Hiking"]}},
         {"vip"}, True),
        ({}, {"vip"}, False),
    ],
)  # fmt: skip
def test_new_or_outdoor_vips_not_at_risk(
    attributes: dict[str, Any], segments: set[str], expected: bool
) -> None:
    definition = {"items": [
        {"type": "audience", "ref": "vip"},
        {"type": "audience", "ref": "churn-risk", "include": False},
        {"type": "container", "logic": "or", "items": [
            {"type": "attribute", "field": "loyalty.joinDate", "operator": "inLast",
             "value": 30, "unit": "days"},
            {"type": "attribute", "field": "preferences.interests", "operator": "in",
             "value": ["running", "hiking"], "caseSensitive": False}]},
    ]}  # fmt: skip
    profile = ProfileData(attributes=attributes, segments=frozenset(segments))
    assert members(definition, {"p": profile}) == ({"p"} if expected else set())
