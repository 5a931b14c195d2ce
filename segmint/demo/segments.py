"""The demo's example segments: one or more for every construct a marketer reaches for, written
in PQL as a user of the commercial platform would write them."""

from __future__ import annotations

from segmint.store.definitions import SegmentSpec

_DEFINITIONS: tuple[tuple[str, str, str], ...] = (
    ("US customers", "attribute", 'homeAddress.countryCode = "US"'),
    (
        "Gold or platinum, born before 1980",
        "list membership and numbers",
        'loyalty.tier in ["gold", "platinum"] and person.birthYear < 1980',
    ),
    ("Gmail users", "string predicate", 'personalEmail.address.endsWith("@gmail.com", false)'),
    (
        "Tech or gaming fans",
        "array attribute",
        'preferences.interests.intersects(["tech", "gaming"])',
    ),
    (
        "Searched for sneakers in the last 30 days and did not buy",
        "windowed counts and negation",
        'xEvent[eventType = "search" and search.keywords.contains("sneakers", false)'
        " and timestamp occurs <= 30 days before now].count() > 0"
        ' and not (xEvent[eventType = "commerce.purchases"'
        " and timestamp occurs <= 30 days before now].count() > 0)",
    ),
    (
        "3+ purchases in 90 days",
        "windowed count",
        'xEvent[eventType = "commerce.purchases" and timestamp occurs <= 90 days before now]'
        ".count() >= 3",
    ),
    (
        "Spent over 200 in 90 days",
        "sum over 90 days",
        "sum X.commerce.order.priceTotal over X from xEvent"
        ' where X.eventType = "commerce.purchases" and X.timestamp occurs <= 90 days before now'
        " > 200",
    ),
    (
        "Average order over 100",
        "average",
        "average X.commerce.order.priceTotal over X from xEvent"
        ' where X.eventType = "commerce.purchases" > 100',
    ),
    (
        "Viewed then added to cart within 1 hour",
        "sequence",
        'chain(xEvent, timestamp, [A: WHAT(eventType = "commerce.productViews"),'
        ' B: WHAT(eventType = "commerce.productListAdds") WHEN(<= 1 hour after A)])',
    ),
    (
        "Bought sneakers",
        "projection through product items",
        'xEvent[eventType = "commerce.purchases" and productListItems.category = "Sneakers"]'
        ".count() > 0",
    ),
    (
        "Email clickers in 14 days",
        "windowed existence",
        'xEvent[eventType = "directMarketing.emailClicked"'
        " and timestamp occurs <= 14 days before now].count() > 0",
    ),
    (
        "Lapsed buyers",
        "bought before, not in the last 60 days",
        'xEvent[eventType = "commerce.purchases"].count() > 0'
        ' and not (xEvent[eventType = "commerce.purchases"'
        " and timestamp occurs <= 60 days before now].count() > 0)",
    ),
    (
        "Abandoned a cart this week",
        "pairs of events",
        'exists A from xEvent where A.eventType = "commerce.productListAdds"'
        " and A.timestamp occurs <= 7 days before now"
        ' and not (exists B from xEvent where B.eventType = "commerce.checkouts"'
        " and B.timestamp occurs after A.timestamp)",
    ),
    (
        "US sneaker prospects",
        "segment of segments",
        'inSegment("Searched for sneakers in the last 30 days and did not buy")'
        ' and inSegment("US customers")',
    ),
    (
        "Frequent but not big spenders",
        "segment of segments with exclusion",
        'inSegment("3+ purchases in 90 days") and not inSegment("Spent over 200 in 90 days")',
    ),
)

DEMO_SEGMENTS: tuple[SegmentSpec, ...] = tuple(
    SegmentSpec(name, pql, description, tags=("demo",)) for name, description, pql in _DEFINITIONS
)
