"""Binder errors: located at the offending node, with a hint where one helps."""

from __future__ import annotations

import pytest

from segmint.errors import PQLError
from segmint.plan.bind import bind
from segmint.pql import parse
from tests.evaluate.helpers import EVENT, PROFILE


def error(text: str) -> PQLError:
    with pytest.raises(PQLError) as caught:
        bind(parse(text), PROFILE, EVENT)
    return caught.value


def test_unknown_profile_field_with_did_you_mean() -> None:
    found = error('person.name.firstNme = "Ann"')
    assert found.message == 'unknown field "firstNme" under "person.name" in the profile schema'
    assert str(found.location) == "line 1, col 1"
    assert found.hint == 'did you mean "firstName" or "lastName"?'


def test_unknown_event_field_located_inside_a_filter() -> None:
    found = error("loyalty.points > 1 and\n  xEvent[comerce.order.priceTotal > 5]")
    assert found.message == 'unknown field "comerce" in the event schema'
    assert (found.location.line, found.location.column) == (2, 10)  # type: ignore[union-attr]
    assert found.hint == 'did you mean "commerce"?'


def test_unknown_item_field_names_the_array() -> None:
    found = error('xEvent.productListItems.sku = "A"')
    assert found.message == 'unknown field "sku" under "productListItems" in the event schema'
    assert found.hint == 'did you mean "SKU"?'


def test_errors_quote_the_source_when_given_it() -> None:
    text = 'homeAddress.contryCode = "FR"'
    with pytest.raises(PQLError) as caught:
        bind(parse(text), PROFILE, EVENT, source=text)
    assert str(caught.value) == (
        'line 1, col 1: unknown field "contryCode" under "homeAddress" in the profile schema\n'
        f"    {text}\n    ^\n"
        '  hint: did you mean "countryCode" or "postalCode" or "countryISO"?'
    )


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ('person.name.firstName < "b"', '"<" needs numbers, got a string', 1),
        ("createdAt < now", '"<" compares numbers; times are compared with occurs', 1),
        ('loyalty.points = "many"', "cannot compare an integer with a string", 1),
        (
            "loyalty.points = null",
            "a comparison with null is never true (a missing value fails every comparison)",
            1,
        ),
        ('loyalty.points.startsWith("1")', '"startsWith" needs a string here, got an integer', 1),
        ("person.gender + 1 > 2", '"+" needs numbers, got a string', 1),
        ("loyalty.points in 5", 'the right side of "in" must be a list, got an integer', 19),
        ("loyalty.tier occurs before now", "occurs needs a date or a timestamp, got a string", 1),
        (
            'person.gender matches "(a)\\\\1"',
            "unsupported regex: backreferences and octal escapes are not portable",
            23,
        ),
        (
            'person.gender matches "a(?=b)"',
            "unsupported regex: lookahead (?=...) is not portable",
            23,
        ),
        (
            "person.gender matches person.gender",
            "the regex of matches must be a quoted string, so it can be checked",
            23,
        ),
        (
            "xEvent.groupBy(eventType)",
            '"groupBy" is a computed-attribute construct, not supported in segment definitions',
            1,
        ),
        (
            "xEvent.map((E) => E.eventType)",
            '"map" is a computed-attribute construct, not supported in segment definitions',
            1,
        ),
        (
            '{"count": xEvent.count()}',
            "an object constructor {...} is a computed-attribute construct, not supported in segment definitions",
            1,
        ),
        (
            "$2.person.gender",
            "$2 does not exist: a segment definition has one parameter, $1, the profile",
            1,
        ),
        (
            "(P, Q) => P.person",
            "a segment definition has one parameter, the profile; this lambda has 2",
            1,
        ),
        (
            "xEvent[^^.person.gender]",
            "^^ climbs 2 level(s), but only 1 enclosing filter(s) are here",
            8,
        ),
        ("loyalty.points.count() > 1", '"count" needs a list, got an integer', 1),
        ("xEvent.sum(eventType) > 1", "sum needs numbers, got a string", 12),
        (
            "(select X from xEvent, Y from xEvent) = 1",
            "a select over several variables can only be used as a condition or counted",
            2,
        ),
        (
            'chain(xEvent, eventType, [A: WHAT(eventType = "a")])',
            '"eventType" is not a timestamp field of these events',
            1,
        ),
        (
            'chain(xEvent, timestamp, [A: WHAT(eventType = "a") WHEN(!= 2 days before now)])',
            "WHEN(!= ...) is not supported in a chain step",
            27,
        ),
        (
            'chain(xEvent, timestamp, [A: WHAT(eventType = "a"), A: WHAT(eventType = "b")])',
            'the step label "A" is used twice',
            53,
        ),
        (
            "inSegment(person.gender)",
            "inSegment takes the id or name of a segment as a quoted string",
            1,
        ),
        (
            "createdAt occurs before loyalty.tier",
            "a time reference must be one date or timestamp, got a string",
            25,
        ),
        (
            'person.gender.startsWith("a", person.gender)',
            "the case-sensitivity flag must be true or false",
            31,
        ),
        ('attributes.color = "red"', 'a map has no field "color"', 1),
        (
            'if(loyalty.points > 1, 1, "a") = 1',
            "the branches of if have different types: an integer and a string",
            1,
        ),
        ('[1, "a"]', "a list holds values of one type; this item is a string", 5),
        (
            "xEvent.sum((A, B) => A.commerce.order.priceTotal) > 1",
            "this lambda takes 2 parameters; a method passes one, the item",
            12,
        ),
        (
            "xEvent.count() + ((X) => X) > 1",
            "a lambda may only be the whole definition or the argument of a method",
            19,
        ),
        ("xEvent.topN(commerce, 1)", "topN sorts by a number, string or date, got an object", 13),
    ],
)
def test_rejections_are_located(text: str, message: str, column: int) -> None:
    found = error(text)
    assert found.message == message
    assert found.location is not None and found.location.column == column


def test_object_equality_is_allowed_to_tell_events_apart() -> None:
    bind(parse("select A from xEvent, B from xEvent where A != B"), PROFILE, EVENT)


def test_string_literals_coerce_to_the_other_side() -> None:
    plan = bind(parse('consents.marketing.email = "true" and loyalty.points = "5"'), PROFILE, EVENT)
    assert plan == bind(
        parse("consents.marketing.email = true and loyalty.points = 5"), PROFILE, EVENT
    )


def test_plan_metadata() -> None:
    plan = bind(
        parse(
            'inSegment("gold") and xEvent[productListItems[SKU = "A"]] and person.name and not inSegment("x")'
        ),
        PROFILE,
        EVENT,
    )
    assert plan.segments == {"gold", "x"}
    assert plan.event_fields == {"productListItems[].SKU"}
    assert plan.profile_fields == {"person.name.firstName", "person.name.lastName"}
