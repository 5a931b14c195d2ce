"""A corpus of realistic Segment Builder definitions, each with the PQL a person would write for
it: the blocks must build exactly the plan the binder builds for that PQL, read back to the same
blocks, and survive printing as PQL and binding again."""

from __future__ import annotations

from typing import Any

import pytest

from segmint.plan.bind import bind
from segmint.plan.blocks import blocks_to_plan, dump_blocks, load_blocks, plan_to_blocks
from segmint.plan.unbind import to_ast
from segmint.pql import parse, to_pql
from segmint.schema.defaults import default_schemas
from segmint.schema.model import SchemaClass

SCHEMAS = default_schemas()
PROFILE, EVENT = SCHEMAS[SchemaClass.PROFILE], SCHEMAS[SchemaClass.EVENT]


def attr(field: str, operator: str, value: Any = None, **options: Any) -> dict[str, Any]:
    rule = {"type": "attribute", "field": field, "operator": operator, **options}
    return rule if value is None else {**rule, "value": value}


def cond(field: str, operator: str, value: Any = None, **options: Any) -> dict[str, Any]:
    rule = {"field": field, "operator": operator, **options}
    return rule if value is None else {**rule, "value": value}


def event_type(name: str) -> dict[str, Any]:
    return cond("eventType", "equals", name)


def last(amount: int, unit: str) -> dict[str, Any]:
    return {"kind": "inLast", "amount": amount, "unit": unit}


def root(*items: dict[str, Any], logic: str = "and", include: bool = True) -> dict[str, Any]:
    return {"type": "container", "logic": logic, "include": include, "items": list(items)}


PURCHASE = event_type("commerce.purchases")

#: (name, blocks, the equivalent PQL as a person writes it)
CORPUS: list[tuple[str, dict[str, Any], str]] = [
    (
        "US customers",
        root(attr("homeAddress.countryCode", "equals", "US")),
        'homeAddress.countryCode = "US"',
    ),
    (
        "Gmail users",
        root(attr("personalEmail.address", "endsWith", "@gmail.com", caseSensitive=False)),
        'personalEmail.address.endsWith("@gmail.com", false)',
    ),
    (
        "North American members above bronze",
        root(
            attr("homeAddress.countryCode", "in", ["US", "CA", "MX"]),
            attr("loyalty.tier", "notIn", ["bronze"]),
        ),
        'homeAddress.countryCode in ["US", "CA", "MX"] and loyalty.tier notIn ["bronze"]',
    ),
    (
        "Mid-tier points",
        root(attr("loyalty.points", "between", [1000, 5000])),
        "loyalty.points >= 1000 and loyalty.points <= 5000",
    ),
    (
        "Runners",
        root(attr("preferences.interests", "equals", "running")),
        'preferences.interests = "running"',
    ),
    (
        "Reachable by email",
        root(
            attr("consents.marketing.email", "isTrue"),
            attr("personalEmail.address", "exists"),
            attr("personalEmail.address", "doesNotContain", "test"),
        ),
        "consents.marketing.email = true and personalEmail.address.isNotNull() "
        'and personalEmail.address.doesNotContain("test")',
    ),
    (
        "No mobile outside the US prefix",
        root(
            attr("mobilePhone.number", "doesNotExist"),
            attr("mobilePhone.number", "doesNotStartWith", "+1"),
            logic="or",
        ),
        'mobilePhone.number.isNull() or mobilePhone.number.doesNotStartWith("+1")',
    ),
    (
        "Millennials",
        root(attr("person.birthDate", "between", ["1981-01-01", "1996-12-31"])),
        "person.birthDate occurs between date(1981, 1, 1) and date(1996, 12, 31)",
    ),
    (
        "New members",
        root(attr("loyalty.joinDate", "inLast", 30, unit="days")),
        "loyalty.joinDate occurs <= 30 days before now",
    ),
    (
        "Joined this month, yesterday, on launch day or after the summer",
        root(
            attr("loyalty.joinDate", "thisMonth"),
            attr("loyalty.joinDate", "yesterday"),
            attr("loyalty.joinDate", "on", "2024-03-01"),
            attr("loyalty.joinDate", "after", "2024-08-31"),
            logic="or",
        ),
        "loyalty.joinDate occurs this month or loyalty.joinDate occurs yesterday "
        "or loyalty.joinDate occurs on date(2024, 3, 1) "
        "or loyalty.joinDate occurs after date(2024, 8, 31)",
    ),
    (
        "Old accounts created before 2020",
        root(
            attr("createdAt", "before", 2, unit="years"),
            attr("createdAt", "before", "2020-01-01"),
        ),
        "createdAt occurs >= 2 years before now and createdAt occurs before date(2020, 1, 1)",
    ),
    (
        "Bay Area by city and postcode",
        root(
            attr("homeAddress.city", "matches", "^San "),
            attr("homeAddress.postalCode", "like", "941%"),
        ),
        'homeAddress.city.matches("^San ") and homeAddress.postalCode like "941%"',
    ),
    (
        "Born in the eighties, not 1985",
        root(
            attr("person.birthYear", "atLeast", 1980),
            attr("person.birthYear", "lessThan", 1990),
            attr("person.birthYear", "doesNotEqual", 1985),
            attr("person.birthYear", "notIn", [1900, 1901]),
        ),
        "person.birthYear >= 1980 and person.birthYear < 1990 and person.birthYear != 1985 "
        "and person.birthYear notIn [1900, 1901]",
    ),
    (
        "Frequent buyers",
        root(
            {
                "type": "event",
                "conditions": [PURCHASE],
                "count": {"operator": "atLeast", "value": 3},
                "time": last(90, "days"),
            }
        ),
        'xEvent[eventType = "commerce.purchases" and timestamp occurs <= 90 days before now]'
        ".count() >= 3",
    ),
    (
        "Lapsed buyers",
        root(
            {"type": "event", "conditions": [PURCHASE], "time": last(365, "days")},
            {
                "type": "event",
                "conditions": [PURCHASE],
                "count": {"operator": "none"},
                "time": last(90, "days"),
            },
        ),
        'xEvent.exists(eventType = "commerce.purchases" and timestamp occurs <= 365 days '
        'before now) and xEvent[eventType = "commerce.purchases" and timestamp occurs '
        "<= 90 days before now].count() = 0",
    ),
    (
        "Sneaker searchers who did not buy sneakers",
        root(
            {
                "type": "event",
                "time": last(14, "days"),
                "conditions": [
                    event_type("web.search"),
                    cond("search.keywords", "contains", "sneaker", caseSensitive=False),
                ],
            },
            {
                "type": "event",
                "count": {"operator": "none"},
                "time": last(14, "days"),
                "conditions": [PURCHASE, cond("productListItems.category", "equals", "Sneakers")],
            },
        ),
        'xEvent.exists(eventType = "web.search" and search.keywords.contains("sneaker", false) '
        "and timestamp occurs <= 14 days before now) and "
        'xEvent[eventType = "commerce.purchases" and productListItems.category = "Sneakers" '
        "and timestamp occurs <= 14 days before now].count() = 0",
    ),
    (
        "Big spenders",
        root(
            {
                "type": "event",
                "conditions": [PURCHASE],
                "time": last(90, "days"),
                "aggregate": {
                    "function": "sum",
                    "field": "commerce.order.priceTotal",
                    "operator": "greaterThan",
                    "value": 500,
                },
            }
        ),
        'xEvent[eventType = "commerce.purchases" and timestamp occurs <= 90 days before now]'
        ".sum(commerce.order.priceTotal) > 500",
    ),
    (
        "Generous baskets",
        root(
            {
                "type": "event",
                "conditions": [PURCHASE],
                "aggregate": {
                    "function": "average",
                    "field": "commerce.order.priceTotal",
                    "operator": "atLeast",
                    "value": 75.5,
                },
            }
        ),
        'xEvent[eventType = "commerce.purchases"].average(commerce.order.priceTotal) >= 75.5',
    ),
    (
        "One-time buyers of two SKUs",
        root(
            {
                "type": "event",
                "count": {"operator": "exactly", "value": 1},
                "conditions": [PURCHASE, cond("productListItems.SKU", "in", ["SKU-1", "SKU-2"])],
            }
        ),
        'xEvent[eventType = "commerce.purchases" and productListItems.SKU in ["SKU-1", "SKU-2"]]'
        ".count() = 1",
    ),
    (
        "Light browsers this week",
        root(
            {
                "type": "event",
                "count": {"operator": "atMost", "value": 2},
                "conditions": [cond("web.webPageDetails.name", "exists")],
                "time": {"kind": "thisWeek"},
            }
        ),
        "xEvent[web.webPageDetails.name.isNotNull() and timestamp occurs this week].count() <= 2",
    ),
    (
        "Web visitors today",
        root(
            {
                "type": "event",
                "conditions": [cond("channel", "equals", "web")],
                "time": {"kind": "today"},
            }
        ),
        'xEvent.exists(channel = "web" and timestamp occurs today)',
    ),
    (
        "Cart abandoners",
        root(
            {
                "type": "sequence",
                "time": last(1, "days"),
                "steps": [
                    {"conditions": [event_type("commerce.productViews")]},
                    {
                        "conditions": [event_type("commerce.productListAdds")],
                        "within": {"amount": 30, "unit": "minutes"},
                    },
                ],
            },
            {
                "type": "event",
                "conditions": [event_type("commerce.checkouts")],
                "count": {"operator": "none"},
                "time": last(1, "days"),
            },
        ),
        'chain(xEvent, timestamp, [A: WHAT(eventType = "commerce.productViews") '
        "WHEN(<= 1 day before now), "
        'B: WHAT(eventType = "commerce.productListAdds" and timestamp occurs <= 1 day before now)'
        " WHEN(<= 30 minutes after A)]) and "
        'xEvent[eventType = "commerce.checkouts" and timestamp occurs <= 1 day before now]'
        ".count() = 0",
    ),
    (
        "Browse, then buy after an hour",
        root(
            {
                "type": "sequence",
                "steps": [
                    {
                        "conditions": [
                            event_type("commerce.productViews"),
                            cond("productListItems.name", "contains", "sneaker"),
                        ]
                    },
                    {
                        "conditions": [PURCHASE],
                        "after": {"amount": 1, "unit": "hours"},
                        "within": {"amount": 7, "unit": "days"},
                    },
                ],
            }
        ),
        'chain(xEvent, timestamp, [A: WHAT(eventType = "commerce.productViews" and '
        'productListItems.name.contains("sneaker")), '
        'B: WHAT(eventType = "commerce.purchases" and timestamp occurs >= 1 hour after A) '
        "WHEN(<= 7 days after A)])",
    ),
    (
        "Repeat searchers who buy",
        root(
            {
                "type": "sequence",
                "steps": [
                    {"conditions": [event_type("web.search")], "count": 3, "time": last(7, "days")},
                    {"conditions": [PURCHASE]},
                ],
            }
        ),
        'chain(xEvent, timestamp, [A: WHAT(eventType = "web.search") '
        'WHEN(<= 7 days before now) COUNT(3), B: WHAT(eventType = "commerce.purchases")])',
    ),
    (
        "VIPs not at risk",
        root(
            {"type": "audience", "ref": "vip-customers"},
            {"type": "audience", "ref": "churn-risk", "include": False},
        ),
        'inSegment("vip-customers") and not inSegment("churn-risk")',
    ),
    (
        "US customers who are not staff",
        root(
            attr("homeAddress.countryCode", "equals", "US"),
            root(
                attr("personalEmail.address", "endsWith", "@segmint.example"),
                attr("loyalty.tier", "equals", "staff"),
                logic="or",
                include=False,
            ),
        ),
        'homeAddress.countryCode = "US" and not (personalEmail.address.endsWith('
        '"@segmint.example") or loyalty.tier = "staff")',
    ),
    (
        "Gold members, or outdoor fans who bought last month",
        root(
            root(
                attr("loyalty.tier", "equals", "gold", caseSensitive=False),
                attr("loyalty.points", "atLeast", 1000),
            ),
            root(
                attr("preferences.interests", "in", ["running", "hiking"], caseSensitive=False),
                {"type": "event", "conditions": [PURCHASE], "time": {"kind": "lastMonth"}},
            ),
            logic="or",
        ),
        '(loyalty.tier.equals("gold", false) and loyalty.points >= 1000) or '
        '(preferences.interests.equals("running", "hiking", false) and '
        'xEvent.exists(eventType = "commerce.purchases" and timestamp occurs last month))',
    ),
    (
        "Everyone with a known gender",
        root(
            attr("person.gender", "equals", "unknown"),
            attr("person.gender", "doesNotExist"),
            logic="or",
            include=False,
        ),
        'not (person.gender = "unknown" or person.gender.isNull())',
    ),
    (
        "High-value buyers between two dates, excluding one segment",
        root(
            {
                "type": "event",
                "time": {"kind": "between", "from": "2024-11-29", "to": "2024-12-02"},
                "conditions": [
                    PURCHASE,
                    cond("commerce.order.priceTotal", "between", [100, 1000.5]),
                    cond("commerce.order.currencyCode", "doesNotEqual", "usd", caseSensitive=False),
                ],
            },
            root(
                {"type": "audience", "ref": "employees"},
                {"type": "audience", "ref": "test"},
                logic="or",
                include=False,
            ),
        ),
        'xEvent.exists(eventType = "commerce.purchases" and commerce.order.priceTotal >= 100 and '
        'commerce.order.priceTotal <= 1000.5 and commerce.order.currencyCode.notEqualTo("usd", '
        "false) and timestamp occurs between date(2024, 11, 29) and date(2024, 12, 2)) and "
        'not (inSegment("employees") or inSegment("test"))',
    ),
]


@pytest.fixture(params=CORPUS, ids=[name for name, _, _ in CORPUS])
def case(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any], str]:
    found: tuple[str, dict[str, Any], str] = request.param
    return found


def test_blocks_build_the_plan_the_binder_builds(case: tuple[str, dict[str, Any], str]) -> None:
    _, data, pql = case
    built = blocks_to_plan(load_blocks(data), PROFILE, EVENT)
    assert built == bind(parse(pql), PROFILE, EVENT)


def test_blocks_read_back_from_their_plan(case: tuple[str, dict[str, Any], str]) -> None:
    blocks = load_blocks(case[1])
    assert plan_to_blocks(blocks_to_plan(blocks, PROFILE, EVENT)) == blocks


def test_the_persons_pql_reads_as_the_same_blocks(case: tuple[str, dict[str, Any], str]) -> None:
    _, data, pql = case
    assert plan_to_blocks(bind(parse(pql), PROFILE, EVENT)) == load_blocks(data)


def test_printed_pql_binds_to_the_same_plan(case: tuple[str, dict[str, Any], str]) -> None:
    plan = blocks_to_plan(load_blocks(case[1]), PROFILE, EVENT)
    assert bind(parse(to_pql(to_ast(plan))), PROFILE, EVENT) == plan


def test_json_round_trip(case: tuple[str, dict[str, Any], str]) -> None:
    blocks = load_blocks(case[1])
    assert load_blocks(dump_blocks(blocks)) == blocks


def test_the_corpus_covers_every_operator_and_rule() -> None:
    text = repr([data for _, data, _ in CORPUS])
    for word in ("'attribute'", "'event'", "'sequence'", "'audience'", "'include': False",
                 "'within'", "'after'", "'aggregate'", "'none'", "'exactly'", "'atMost'",
                 "caseSensitive", "'between'", "'matches'", "'like'", "'notIn'"):  # fmt: skip
        assert word in text
