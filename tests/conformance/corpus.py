"""The golden corpus: definitions over the default schemas covering every plan construct, and a
small hand-made data set whose values sit on the edges those definitions test."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tests.conformance.harness import Definition, identity
from tests.conftest import event

AS_OF = datetime(2018, 8, 28, 15, 30)  # a Tuesday
TODAY = datetime(2018, 8, 28)
MS = timedelta(milliseconds=1)
H = timedelta(hours=1)
D = timedelta(days=1)

PURCHASE = "commerce.purchases"
SEARCH = "search"
VIEW = "commerce.productViews"
ADD = "commerce.productListAdds"
CLICK = "directMarketing.emailClicked"

CORPUS: tuple[Definition, ...] = (
    # attributes and strings, with case flags
    ("country", 'homeAddress.countryCode = "US"'),
    ("not country", 'not (homeAddress.countryCode = "US")'),
    ("country differs", 'homeAddress.countryCode != "US"'),
    ("first name", 'person.name.firstName.startsWith("an", false)'),
    (
        "last name",
        'person.name.lastName.endsWith("son", true) or person.name.lastName.doesNotStartWith("J", true)',
    ),
    (
        "email domain",
        'personalEmail.address.contains("@GMAIL", false) and not personalEmail.address.doesNotEndWith(".COM", false)',
    ),
    (
        "email negations",
        'personalEmail.address.doesNotContain("example", true) and personalEmail.address.doesNotEndWith(".org", false)',
    ),
    (
        "state",
        'homeAddress.stateProvince.equals("ny", "ca", false) or homeAddress.stateProvince.notEqualTo("QC", true)',
    ),
    ("city like", 'homeAddress.city like "%an_%" or homeAddress.city like "T\\\\_%"'),
    ("email matches", 'personalEmail.address matches "^[a-z]+[0-9]+@"'),
    (
        "regex group",
        'personalEmail.address.regexGroup("@([a-z]+)[.]", 1) = "gmail" or personalEmail.address.regexGroup("^(z)?x", 0) = "x" and personalEmail.address.regexGroup("^(z)?x", 2).isNull()',
    ),
    # numbers, arithmetic, if / let, nulls
    ("born before 1990", "person.birthYear < 1990 and person.birthYear >= 1900"),
    ("arithmetic", "(loyalty.points + 10) * 2 - 6 / 3 > 100 or -loyalty.points < -200"),
    ("modulo", "loyalty.points % 7 = 5 or loyalty.points % 2 = 0"),
    (
        "division by zero",
        "(loyalty.points / 0).isNull() and loyalty.points / (loyalty.points - 12) > 1",
    ),
    (
        "if",
        'if(loyalty.tier = "gold", loyalty.points, 0 - 1) > 100 or if(loyalty.tier = "bronze", 1, 2) = 1',
    ),
    ("let", "let P = loyalty.points in P > 10 and P < 1000"),
    (
        "null checks",
        "person.birthYear.isNull() or preferences.interests.isNotNull() and homeAddress.isNotNull()",
    ),
    ("boolean attribute", "consents.marketing.email = true or consents.marketing.email"),
    (
        "dates",
        "person.birthDate.getYear() < 1990 and person.birthDate.getMonth() >= 6 or loyalty.joinDate.getDayOfMonth() = 10",
    ),
    # lists and maps
    (
        "tier in",
        'loyalty.tier in ["gold", "platinum"] or loyalty.tier notIn ["gold", "bronze", "silver"]',
    ),
    ("interests intersect", 'preferences.interests.intersects(["tech", "gaming"])'),
    (
        "interests subset",
        'preferences.interests.subsetOf(["tech", "beach", "fashion"]) and preferences.interests.supersetOf(["fashion"]) or preferences.interests.includes("beach")',
    ),
    (
        "interests distinct",
        'preferences.interests.distinct().count() = 2 or preferences.interests.intersection(["tech", "fashion"]).count() = 1',
    ),
    (
        "interests head",
        'preferences.interests.head() = "tech" or preferences.interests.distinct() = ["fashion"]',
    ),
    ("interests empty", "preferences.interests.count() = 0 or preferences.interests.count() = 3"),
    (
        "map",
        'attributes.get("vip") = "yes" or attributes.keys().includes("source") or attributes.values() = ["web"]',
    ),
    # projection through items, event aggregates
    ("bought sku A", 'xEvent.productListItems.SKU = "A"'),
    (
        "sneakers bought",
        f'xEvent[eventType = "{PURCHASE}" and productListItems.category = "Sneakers"].count() > 0',
    ),
    (
        "item price",
        "xEvent.productListItems.priceTotal > 50 and xEvent.productListItems.count() >= 2",
    ),
    ("two purchases", f'xEvent[eventType = "{PURCHASE}"].count() >= 2'),
    (
        "spend",
        f'sum X.commerce.order.priceTotal over X from xEvent where X.eventType = "{PURCHASE}" > 100',
    ),
    ("average order", "(average X.commerce.order.priceTotal over X from xEvent) > 50"),
    (
        "min max order",
        "(min X.commerce.order.priceTotal over X from xEvent) < 20 or (max X.commerce.order.priceTotal over X from xEvent) >= 300",
    ),
    (
        "item sum",
        "xEvent.productListItems.sum(priceTotal) >= 100 or xEvent.productListItems.priceTotal.average() < 15",
    ),
    (
        "top item",
        'xEvent.productListItems.topN(priceTotal, 1).head().SKU = "A" or xEvent.productListItems.bottomN(priceTotal, 1).head().priceTotal = 10',
    ),
    # quantifiers, pairs
    (
        "list quantifier reading events",
        f'exists I from preferences.interests : I = "tech" and xEvent[eventType = "{SEARCH}"].count() > 0',
    ),
    (
        "list forall reading events",
        f'forall I from preferences.interests : I = "fashion" or xEvent[eventType = "{PURCHASE}"].count() >= 3',
    ),
    ("exists mobile", 'exists E from xEvent : E.device.type = "mobile"'),
    ("all mobile", 'forall E from xEvent : E.device.type = "mobile"'),
    (
        "exists item",
        f'exists E from xEvent where E.eventType = "{PURCHASE}", I from E.productListItems where I.priceTotal > 50',
    ),
    (
        "all items priced",
        f'forall E from xEvent where E.eventType = "{PURCHASE}", I from E.productListItems where I.priceTotal > 5',
    ),
    ("item filter", 'xEvent[productListItems[SKU = "B"]].count() > 0'),
    (
        "pairs",
        f'(select A from xEvent where A.eventType = "{SEARCH}", B from xEvent where B.eventType = "{PURCHASE}" and B.timestamp occurs <= 1 hour after A.timestamp).count() > 0',
    ),
    (
        "pairs distinct",
        "select F1 from xEvent, F2 from xEvent where F1 != F2 and F1.eventType = F2.eventType",
    ),
    # occurs, every tail kind
    ("last 3 days", "xEvent[timestamp occurs <= 3 days before now].count() >= 2"),
    ("last 2 hours open", "xEvent[timestamp occurs < 2 hours before now].count() > 0"),
    (
        "before today",
        f'xEvent[eventType = "{PURCHASE}" and timestamp occurs before today].count() > 1',
    ),
    ("after now", "createdAt occurs after now or xEvent.timestamp occurs after now"),
    ("exactly 2 days before today", "xEvent.timestamp occurs = 2 days before today"),
    (
        "not 1 day before today",
        f'xEvent[eventType = "{PURCHASE}" and timestamp occurs != 1 day before today].count() > 0',
    ),
    ("at least 3 days ago", "xEvent.timestamp occurs >= 3 days before now"),
    ("more than 3 days ago", "xEvent.timestamp occurs > 3 days before now"),
    ("from now", "createdAt occurs < 1 day from now"),
    ("between dates", "xEvent.timestamp occurs between date(2018, 8, 14) and date(2018, 8, 26)"),
    ("on date", "xEvent.timestamp occurs on date(2018, 8, 26)"),
    ("today yesterday", "xEvent.timestamp occurs today or createdAt occurs yesterday"),
    ("last week", "xEvent.timestamp occurs last week"),
    (
        "this month",
        f'xEvent[eventType = "{PURCHASE}" and timestamp occurs this month].count() >= 2',
    ),
    ("last month", "loyalty.joinDate occurs last month or createdAt occurs this year"),
    ("month before today", "xEvent[timestamp occurs <= 1 month before today].count() > 3"),
    (
        "14 days",
        f'xEvent[eventType = "{CLICK}" and timestamp occurs <= 14 days before now].count() > 0',
    ),
    (
        "30 days",
        f'xEvent[eventType = "{SEARCH}" and timestamp occurs <= 30 days before now].count() > 0',
    ),
    (
        "relative to event",
        f'exists A from xEvent where A.eventType = "{VIEW}" and (exists B from xEvent where B.eventType = "{ADD}" and B.timestamp occurs <= 1 hour after A.timestamp)',
    ),
    (
        "not followed",
        f'exists A from xEvent where A.eventType = "{ADD}" and not (exists B from xEvent where B.eventType = "{PURCHASE}" and B.timestamp occurs after A.timestamp)',
    ),
    (
        "birth date",
        "person.birthDate occurs before date(1990, 1, 1) or person.birthDate occurs <= 40 years before today",
    ),
    # chains
    (
        "chain view add",
        f'chain(xEvent, timestamp, [A: WHAT(eventType = "{VIEW}"), B: WHAT(eventType = "{ADD}") WHEN(<= 1 hour after A)])',
    ),
    (
        "chain count",
        f'chain(xEvent, timestamp, [A: WHAT(eventType = "{SEARCH}") COUNT(2), B: WHAT(eventType = "{PURCHASE}")])',
    ),
    (
        "chain when now",
        f'chain(xEvent, timestamp, [A: WHAT(eventType = "{PURCHASE}") WHEN(<= 3 days before now) COUNT(2)])',
    ),
    (
        "chain where",
        f'chain(xEvent, timestamp, [A: WHAT(eventType = "{PURCHASE}"), B: WHAT(eventType = "{PURCHASE}") WHERE(commerce.order.priceTotal > A.commerce.order.priceTotal)])',
    ),
    (
        "chain today",
        f'chain(xEvent, timestamp, [A: WHAT(eventType = "{SEARCH}") WHEN(before today), B: WHAT(eventType != "{SEARCH}") WHEN(today)])',
    ),
    (
        "chain three",
        f'chain(xEvent, timestamp, [A: WHAT(eventType = "{SEARCH}"), B: WHAT(eventType = "{PURCHASE}") WHEN(< 1 day after A), C: WHAT(eventType = "{PURCHASE}") WHEN(> 1 hour after B)])',
    ),
    (
        "not chain",
        f'not chain(xEvent, timestamp, [A: WHAT(eventType = "{VIEW}"), B: WHAT(eventType = "{ADD}")])',
    ),
    # segments of segments (same job)
    ("us gold", 'inSegment("country") and inSegment("tier in")'),
    ("us not spender", 'inSegment("country") and not inSegment("spend") or inSegment("us gold")'),
    # conjunctions of member sets only: selected from the sets, not from every profile
    (
        "viewers who added",
        f'inSegment("chain view add") and xEvent[eventType = "{VIEW}"].count() >= 1',
    ),
    (
        "searching chain adders",
        f'xEvent[eventType = "{SEARCH}"].count() > 0 and chain(xEvent, timestamp, [A: WHAT(eventType = "{VIEW}"), B: WHAT(eventType = "{ADD}")])',
    ),
)


def _crm(key: str, device: str | None, **attributes: Any) -> dict[str, Any]:
    identities = identity("crmId", key)
    if device is not None:
        identities |= identity("ecid", device, primary=False)
    return {"identityMap": identities, **attributes}


def _at(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds") + "Z"


def _event(
    ident: str, moment: datetime, event_type: str, ecid: str, **fields: Any
) -> dict[str, Any]:
    return event(ident, _at(moment), event_type, ecid=ecid) | fields


def _order(total: float | None, *items: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {"productListItems": list(items)}
    if total is not None:
        fields["commerce"] = {"order": {"priceTotal": total}}
    return fields


CRM: list[dict[str, Any]] = [
    _crm(
        "c1",
        "d1",
        person={
            "name": {"firstName": "Anna", "lastName": "Johnson"},
            "birthYear": 1985,
            "birthDate": "1985-06-25",
        },
        personalEmail={"address": "anna85@gmail.com"},
        homeAddress={"city": "Cannes", "stateProvince": "NY", "countryCode": "US"},
        loyalty={"tier": "gold", "points": 250, "joinDate": "2018-07-10"},
        consents={"marketing": {"email": True}},
        preferences={"interests": ["tech", "beach", "tech"]},
        attributes={"vip": "yes", "source": "ads"},
        createdAt=_at(AS_OF - 3 * H),
    ),
    _crm(
        "c2",
        "d2",
        person={"name": {"firstName": "bob", "lastName": "Jones"}},
        personalEmail={"address": "BOB@Example.com"},
        homeAddress={"city": "T_bor", "stateProvince": "QC", "countryCode": "CA"},
        loyalty={"tier": "bronze", "points": 0, "joinDate": "2018-08-10"},
        consents={"marketing": {"email": False}},
        preferences={"interests": ["fashion"]},
        attributes={"source": "web"},
        createdAt=_at(TODAY - MS),
    ),
    _crm(
        "c3",
        None,
        homeAddress={"countryCode": "US"},
        loyalty={"tier": "platinum", "points": 19},
        preferences={"interests": []},
        createdAt=_at(AS_OF + MS),
    ),
    _crm(
        "c5",
        "d5",
        person={"name": {"firstName": "Dan"}, "birthYear": 1990, "birthDate": "1978-08-28"},
        personalEmail={"address": "x@b.org"},
        loyalty={"tier": "silver", "points": 12},
        preferences={"interests": ["fashion", "tech", "beach"]},
    ),
]

EVENTS: list[dict[str, Any]] = [
    # d1: Anna
    _event("a1", AS_OF - 2 * D, SEARCH, "d1", search={"keywords": "Red Sneakers"}),
    _event(
        "a2",
        AS_OF - 2 * D + H,
        PURCHASE,
        "d1",
        **_order(
            120.0,
            {"SKU": "A", "priceTotal": 100.0, "category": "Sneakers"},
            {"SKU": "B", "priceTotal": 20.0},
        ),
    ),
    _event("a3", AS_OF - 2 * H, VIEW, "d1", device={"type": "mobile"}),
    _event("a4", AS_OF - H, ADD, "d1", device={"type": "mobile"}),
    _event("a5", AS_OF - 14 * D, CLICK, "d1"),
    _event("a6", AS_OF + D, PURCHASE, "d1", **_order(5.0, {"SKU": "Z", "priceTotal": 5.0})),
    _event("a7", AS_OF - 40 * D, PURCHASE, "d1", **_order(40.0, {"SKU": "C"})),
    # d2: Bob
    _event("b1", AS_OF - 30 * D, SEARCH, "d2", search={"keywords": "sneakers"}),
    _event("b2", TODAY, "web.webpagedetails.pageViews", "d2"),
    _event("b3", AS_OF - 3 * D - MS, PURCHASE, "d2", **_order(10.0, {"priceTotal": 10.0})),
    _event("b4", TODAY - MS, PURCHASE, "d2", **_order(300.0, {"SKU": "B", "priceTotal": 3.0})),
    _event("b5", AS_OF - 3 * D, SEARCH, "d2"),
    _event("b6", TODAY - 2 * D, SEARCH, "d2"),
    # d4: anonymous visitor
    _event("v1", AS_OF - 3 * H, VIEW, "d4", device={"type": "mobile"}),
    _event("v2", AS_OF - 2 * H + MS, ADD, "d4", device={"type": "mobile"}),
    _event("v3", AS_OF, ADD, "d4", device={"type": "mobile"}),
    # d5: Dan, purchases this month and a search chain
    _event(
        "d1", datetime(2018, 8, 1), PURCHASE, "d5", **_order(30.0, {"SKU": "B", "priceTotal": 30.0})
    ),
    _event("d2", datetime(2018, 8, 20, 9), SEARCH, "d5"),
    _event("d3", datetime(2018, 8, 20, 9), SEARCH, "d5"),
    _event("d4", datetime(2018, 8, 20, 10), SEARCH, "d5"),
    _event("d5", datetime(2018, 8, 20, 10), PURCHASE, "d5", **_order(None, {"SKU": "A"})),
    _event("d6", datetime(2018, 8, 20, 11, 0, 0, 1000), PURCHASE, "d5", **_order(60.0)),
    _event("d7", datetime(2018, 7, 31, 23, 59, 59, 999000), PURCHASE, "d5", **_order(25.0)),
    _event("d8", datetime(2018, 8, 26, 12), VIEW, "d5"),
]

#: Evaluation instants: the day, and the window edges of the data to the millisecond.
INSTANTS = (
    AS_OF,
    AS_OF - MS,
    AS_OF + MS,
    AS_OF + D,
    TODAY,
    datetime(2018, 9, 1),
    datetime(2018, 8, 27, 0, 0, 0, 1000),
)
