"""Null-logic truth tables (DESIGN.md section 4): two-valued logic, missing fails every
comparison, arithmetic propagates missing, aggregates of nothing."""

from __future__ import annotations

import pytest

from tests.evaluate.helpers import holds

# loyalty.points present (7), absent, or zero; person.birthYear is 1990 when present.
PRESENT = {"loyalty.points": 7, "person.birthYear": 1990, "person.gender": "f"}
ABSENT: dict[str, object] = {}
ZERO = {"loyalty.points": 0, "person.birthYear": 1990}

TABLE = [
    # query, present, absent
    ("loyalty.points = 7", True, False),
    ("loyalty.points != 7", False, False),
    ("loyalty.points != 8", True, False),
    ("not (loyalty.points = 7)", False, True),
    ("not (loyalty.points != 7)", True, True),
    ("loyalty.points < 8", True, False),
    ("loyalty.points >= 8", False, False),
    ("not (loyalty.points < 8)", False, True),
    ("loyalty.points in [7, 8]", True, False),
    ("loyalty.points notIn [7, 8]", False, False),
    ("loyalty.points notIn [1, 2]", True, False),
    ('person.gender.contains("f")', True, False),
    ('person.gender.doesNotContain("f")', False, False),
    ('person.gender.doesNotContain("m")', True, False),
    ('person.gender.startsWith("f") or loyalty.points = 7', True, False),
    ('person.gender.startsWith("f") and loyalty.points = 7', True, False),
    ("loyalty.points + 1 = 8", True, False),
    ("loyalty.points + 1 != 8", False, False),
    ("not (loyalty.points * 2 > 1)", False, True),
    ("-loyalty.points = -7", True, False),
    ("loyalty.points", True, False),
    ("loyalty.points.isNull()", False, True),
    ("loyalty.points.isNotNull()", True, False),
    ("if(loyalty.points = 7, 1, 2) = 1", True, False),
    ("if(loyalty.points = 7, 1, 2) = 2", False, True),
    ("person.birthYear / loyalty.points > 5", True, False),
]


@pytest.mark.parametrize(("query", "present", "absent"), TABLE)
def test_truth_table(query: str, present: bool, absent: bool) -> None:
    assert holds(query, PRESENT) is present
    assert holds(query, ABSENT) is absent


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("person.birthYear / loyalty.points > 5", False),  # /0 is missing
        ("person.birthYear / loyalty.points < 5", False),
        ("not (person.birthYear / loyalty.points > 5)", True),
        ("(person.birthYear / loyalty.points).isNull()", True),
        ("person.birthYear % loyalty.points = 0", False),
        ("loyalty.points * 5 = 0", True),
    ],
)
def test_division_by_zero_is_missing(query: str, expected: bool) -> None:
    assert holds(query, ZERO) is expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("xEvent.count() = 0", True),
        ("xEvent.sum(commerce.order.priceTotal) = 0", True),
        ("xEvent.average(commerce.order.priceTotal).isNull()", True),
        ("xEvent.min(commerce.order.priceTotal).isNull()", True),
        ("xEvent.max(commerce.order.priceTotal) > 0", False),
        ("not (xEvent.max(commerce.order.priceTotal) > 0)", True),
        ("(sum X.commerce.order.priceTotal over X from xEvent) = 0", True),
    ],
)
def test_aggregates_of_nothing(query: str, expected: bool) -> None:
    assert holds(query) is expected


def test_tuples_with_a_missing_value_are_dropped_before_aggregating() -> None:
    from datetime import datetime

    from tests.evaluate.helpers import event

    events = [
        event("a", datetime(2018, 8, 1), commerce__order__priceTotal=10.0),
        event("b", datetime(2018, 8, 2)),
        event("c", datetime(2018, 8, 3), commerce__order__priceTotal=20.0),
    ]
    assert holds("xEvent.average(commerce.order.priceTotal) = 15", events=events)
    assert holds("xEvent.count() = 3", events=events)
    assert holds("(min X.commerce.order.priceTotal over X from xEvent) = 10", events=events)


def test_percent_takes_the_sign_of_the_dividend() -> None:
    assert holds("-loyalty.points % 5 = -2", PRESENT)
    assert holds("loyalty.points % -5 = 2", PRESENT)


def test_existential_projection_through_product_list_items() -> None:
    from datetime import datetime

    from tests.evaluate.helpers import event

    items = [{"SKU": "A", "priceTotal": 5.0}, {"SKU": "B", "priceTotal": 50.0}, {"SKU": "C"}]
    events = [event("a", datetime(2018, 8, 1), productListItems=items)]
    assert holds('xEvent.productListItems.SKU = "B"', events=events)
    assert holds('xEvent.productListItems.SKU != "B"', events=events)  # some item differs
    assert not holds('xEvent.productListItems.SKU = "Z"', events=events)
    assert holds("xEvent.productListItems.priceTotal > 40", events=events)
    assert not holds("xEvent.productListItems.priceTotal > 60", events=events)
    assert holds('xEvent.productListItems.SKU in ["Z", "C"]', events=events)
    assert holds("xEvent.productListItems.priceTotal.count() = 2", events=events)  # C has none
    assert holds("xEvent.productListItems.count() = 3", events=events)
    assert holds('xEvent.productListItems.SKU.startsWith("b", false)', events=events)
    assert not holds('xEvent.productListItems.SKU = "B"', events=[])
