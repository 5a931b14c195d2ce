"""Golden tests: the examples of pql.md (adapted to the demo schemas plus a few fields), each on
hand-made profiles with the expected result."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.evaluate.helpers import AS_OF, event, holds

D = timedelta(days=1)
H = timedelta(hours=1)

ANN = {
    "person.name.firstName": "Johnny",
    "person.name.lastName": "Upjohn",
    "person.birthYear": 1985,
    "person.birthMonth": 6,
    "person.birthday": datetime(1993, 6, 25).date(),
    "person.emailAddress": "ann2010@gmail.com",
    "person.favoriteColors": ["red", "teal"],
    "person.favoriteCities": ["Paris"],
    "person.visitedCities": ["Paris", "Rome"],
    "person.eatenFoods": ["sushi", "pizza", "taco"],
    "person.orders": [{"storeId": "s1", "price": 10.0}, {"storeId": "s2", "price": 30.0}],
    "homeAddress.countryISO": "CA",
    "homeAddress.city": "Cannes",
    "homeAddress.stateProvince": "VT",
    "workAddress.stateProvince": "VT",
    "loyalty.points": 25,
    "identityMap": {"example@example.com": "ECID"},
    "createdAt": datetime(2018, 8, 28, 12, 30),
}
EVENTS = [
    event(
        "e1",
        AS_OF - 2 * D,
        "commerce.purchases",
        commerce__order__priceTotal=60.0,
        commerce__order__currencyCode="USD",
        commerce__item__price=60.0,
        productListItems=[{"SKU": "PS", "priceTotal": 50.0}, {"SKU": "XB", "priceTotal": 10.0}],
    ),
    event(
        "e2",
        AS_OF - 40 * D,
        "download",
        device__model="pixel",
        metrics__commerce__abandons__value=1,
    ),
    event(
        "e3",
        AS_OF - 3 * H,
        "commerce.purchases",
        commerce__order__priceTotal=500.0,
        commerce__order__currencyCode="EUR",
        productListItems=[{"SKU": "A1"}],
    ),
    event("e4", AS_OF + D, "download"),  # after as_of: does not exist yet
]

CASES = [
    # 1.1
    ("person.birthYear", True),
    ("homeAddress.stateProvince = workAddress.stateProvince", True),
    ("$1.homeAddress.stateProvince = $1.workAddress.stateProvince", True),
    ("(Profile) => Profile.homeAddress.stateProvince = Profile.workAddress.stateProvince", True),
    ("xEvent", True),
    # 1.3
    ("person.name.firstName", True),
    ("workEmail.address", False),
    ("_luma.income", False),
    ('select X from person.orders where X.storeId = "s2"', True),
    ('select X from person.orders where X.storeId = "s9"', False),
    ('xEvent.device.model = "pixel"', True),
    ("person.orders.storeId.distinct().count() > 1", True),
    ("xEvent.metrics.commerce.abandons.value > 0", True),
    ('identityMap.get("example@example.com") = "ECID"', True),
    ('identityMap.keys().includes("example@example.com")', True),
    ('identityMap.values() = ["ECID"]', True),
    ('xEvent[productListItems[^^.person.name.firstName = "Johnny"]]', True),
    ('xEvent[productListItems[^^.person.name.firstName = "Ann"]]', False),
    # 1.4
    ('person.name.firstName matches "John"', True),
    ('person.name.firstName.matches("(?i)^john")', True),
    ('person.name.lastName matches "J.hn"', False),
    ('person.name.lastName matches "j.hn"', True),
    ('homeAddress.city like "%an%"', True),
    ('homeAddress.city like "C_nnes"', True),
    ('homeAddress.city like "%es_"', False),
    ("loyalty.points % 5 = 0", True),
    ('homeAddress.countryISO = "CA" AND NOT (person.birthYear = 1985)', False),
    ('CHAIN(xEvent, timestamp, [A: WHAT(eventType = "download")])', True),
    ("(loyalty.points + 5) * 2 - 10 / 5 = 58", True),
    # 1.5, 1.6
    ("homeAddress.isNull()", False),
    ("homeAddress.isNotNull()", True),
    ("workEmail.address.isNull()", True),
    ("homeAddress.countryISO", True),
    ("select X from xEvent where X.commerce.order", True),
    # 1.7
    (
        'select X from xEvent where X.eventType = "download", I from X.productListItems where I.SKU = "PS"',
        False,
    ),
    (
        'select X from xEvent where X.eventType = "commerce.purchases", I from X.productListItems where I.SKU = "PS"',
        True,
    ),
    ("(select X from xEvent where X.productListItems.count() > 1).count() > 0", True),
    ("(select X from xEvent where X.productListItems.count() > 2).count() > 0", False),
    ("select F1 from xEvent, F2 from xEvent where F1 != F2", True),
    ('xEvent[productListItems[SKU="PS"]]', True),
    ('xEvent[productListItems[SKU="ZZ"]]', False),
    (
        'xEvent[(timestamp occurs < 7 days before now) and eventType="commerce.purchases"].count() = 2',
        True,
    ),
    (
        'exists E from xEvent where (E.commerce.item.price > 50), I from E.productListItems where I.SKU = "PS"',
        True,
    ),
    ("exists E from xEvent : E.commerce.item.price > 60", False),
    (
        'forall E from xEvent where (E.commerce.order.priceTotal > 50), I from E.productListItems where I.SKU != "none"',
        False,
    ),
    ("forall E from xEvent : E.timestamp occurs < 1 year before now", True),
    # 1.8
    ("xEvent.timestamp occurs <= 3 days before now", True),
    ("xEvent.timestamp occurs before today", True),
    ("xEvent.timestamp occurs last month", True),
    ("xEvent.timestamp occurs between date(2018, 7, 1) and date(2018, 7, 31)", True),
    ("xEvent.timestamp occurs on date(2018, 8, 26)", True),
    ("xEvent.timestamp occurs date(2018, 8, 27)", False),
    ("xEvent.timestamp occurs <= 1 month before today", True),
    ("createdAt occurs today", True),
    (
        "person.birthday.getMonth() = 6 and person.birthday.getYear() in [1991, 1992, 1993] and person.birthday.getDayOfMonth() <= 25",
        True,
    ),
    ("currentMonth() = 8 and currentYear() = 2018 and currentDayOfMonth() = 28", True),
    ("person.birthMonth = currentMonth()", False),
    ("date(currentYear() - 1, 10, 1) = date(2017, 10, 1)", True),
    # 1.9
    ('chain(xEvent, timestamp, [A: WHAT(eventType.equals("COMMERCE.PURCHASES", false))])', True),
    ('chain(xEvent, timestamp, [A: WHAT(eventType = "commerce.purchases") WHEN(today)])', True),
    (
        'chain(xEvent, timestamp, [A: WHAT(eventType = "download") WHEN(< 8 days before now)])',
        False,
    ),
    (
        'chain(xEvent, timestamp, [A: WHAT(eventType = "commerce.purchases") WHEN(<= 24 hours before now)])',
        True,
    ),
    ('chain(xEvent, timestamp, [A: WHAT(eventType = "commerce.purchases") COUNT(2)])', True),
    ('chain(xEvent, timestamp, [A: WHAT(eventType = "commerce.purchases") COUNT(3)])', False),
    (
        'chain(xEvent, timestamp, [A: WHAT(eventType = "download"), B: WHAT(eventType = "commerce.purchases"), C: WHAT(commerce.order.priceTotal > 100)])',
        True,
    ),
    (
        'chain(xEvent, timestamp, [C0: WHAT(eventType = "download"), C1: WHAT(eventType = "commerce.purchases") WHEN(<= 24 hours after C0)])',
        False,
    ),
    (
        'chain(xEvent, timestamp, [A: WHAT(eventType = "commerce.purchases"), B: WHAT(eventType = "commerce.purchases") WHEN(<= 2 days after A)])',
        True,
    ),
    ('not(chain(xEvent, timestamp, [A: WHAT(eventType = "addToCart")]))', True),
    # 1.11
    ('if(homeAddress.countryISO = "CA", 1, 2) = 1', True),
    ("let V = loyalty.points in V > 20 and V < 30", True),
    (
        'let S = (sum X.commerce.order.priceTotal over X from xEvent where X.commerce.order.currencyCode = "USD") in (S > 50 and S < 1000)',
        True,
    ),
    (
        'let S = (sum X.commerce.order.priceTotal over X from xEvent where X.commerce.order.currencyCode = "GBP") in S = 0',
        True,
    ),
    (
        "sum X.commerce.order.priceTotal over X from xEvent where X.commerce.order.priceTotal > 100 = 500",
        True,
    ),
    ("(average X.commerce.order.priceTotal over X from xEvent) = 280", True),
    ("(min X.commerce.order.priceTotal over X from xEvent) = 60", True),
    ("(max X.commerce.order.priceTotal over X from xEvent) = 500", True),
    ("(sum X from person.orders.price where X > 15) = 30", True),
    ("person.orders.count() = 2", True),
    ("person.orders.sum(price) = 40", True),
    ("person.orders.average(price) = 20", True),
    ("person.orders.min(price) = 10 and person.orders.max(price) = 30", True),
    ("person.orders.price.sum() = 40", True),
    ('not(homeAddress.stateProvince.equals("VT", "VA", "WA"))', False),
    # 1.14
    ('homeAddress.countryISO = "CA" and person.birthYear = 1985', True),
    ('homeAddress.countryISO = "US" or person.birthYear = 1985', True),
    ('!(homeAddress.countryISO = "CA")', False),
    ('homeAddress.countryISO != "CA"', False),
    (
        "person.birthMonth > 2 and person.birthMonth >= 6 and person.birthMonth < 7 and person.birthMonth <= 6",
        True,
    ),
    ("person.birthMonth in [3, 6, 9]", True),
    ("person.birthMonth notIn [3, 6, 9]", False),
    ('person.favoriteColors.intersects(["red", "blue", "green"])', True),
    ('person.favoriteColors.intersection(["teal", "red", "blue"]) = ["red", "teal"]', True),
    ('person.favoriteColors.intersection(["blue"]).isNull()', True),
    ("person.favoriteCities.subsetOf(person.visitedCities)", True),
    ("person.visitedCities.subsetOf(person.favoriteCities)", False),
    ('person.eatenFoods.supersetOf(["sushi", "pizza"])', True),
    ('person.favoriteColors.includes("red")', True),
    ('person.orders.topN(price, 1).head().storeId = "s2"', True),
    ('person.orders.bottomN(price, 1).head().storeId = "s1"', True),
    ('person.name.firstName.startsWith("Joh")', True),
    ('person.name.firstName.doesNotStartWith("Joh")', False),
    ('person.emailAddress.endsWith(".com")', True),
    ('person.emailAddress.doesNotEndWith(".com")', False),
    ('person.emailAddress.contains("2010@gm")', True),
    ('person.emailAddress.doesNotContain("2010@gm")', False),
    ('person.name.firstName.equals("johnny")', False),
    ('person.name.firstName.equals("johnny", false)', True),
    ('person.name.firstName.notEqualTo("John")', True),
    ('person.emailAddress.regexGroup("@(\\\\w+)", 1) = "gmail"', True),
    ("person.birthday occurs = 3 days before today", False),
    ("createdAt occurs = 3 hours before now", True),
    ("select X from xEvent where X.timestamp occurs yesterday", False),
    ('inSegment("e3be6d7f-1727-401f-a41e-c296b45f607a")', True),
    ('inSegment("existing segment")', False),
]


@pytest.mark.parametrize(("query", "expected"), CASES, ids=[case[0][:60] for case in CASES])
def test_pql_examples(query: str, expected: bool) -> None:
    segments = frozenset({"e3be6d7f-1727-401f-a41e-c296b45f607a"})
    assert holds(query, ANN, EVENTS, segments) is expected


def test_an_empty_profile_fails_presence_tests_and_passes_negations() -> None:
    assert not holds("person.birthYear")
    assert not holds("xEvent")
    assert holds("not person.birthYear")
    assert holds("xEvent.count() = 0")


def test_events_after_as_of_do_not_exist() -> None:
    late = [event("late", AS_OF + timedelta(milliseconds=1), "download")]
    assert not holds('xEvent[eventType = "download"]', events=late)
    assert holds('xEvent[eventType = "download"]', events=late, as_of=AS_OF + 2 * H)
