"""Builder blocks: the JSON model, time constraints as the binder's windows, located errors for
invalid blocks, and the constructs that have no block form."""

from __future__ import annotations

from typing import Any

import pytest

from segmint.errors import PQLError
from segmint.plan.bind import bind
from segmint.plan.blocks import (
    Attribute,
    Audience,
    Container,
    Count,
    Event,
    blocks_to_plan,
    dump_blocks,
    load_blocks,
    plan_to_blocks,
)
from segmint.plan.nodes import Plan
from segmint.pql import parse
from segmint.schema.defaults import default_schemas
from segmint.schema.model import SchemaClass

SCHEMAS = default_schemas()
PROFILE, EVENT = SCHEMAS[SchemaClass.PROFILE], SCHEMAS[SchemaClass.EVENT]


def build(*items: dict[str, Any], **root: Any) -> Plan:
    return blocks_to_plan(load_blocks({"items": list(items), **root}), PROFILE, EVENT)


def bound(pql: str) -> Plan:
    return bind(parse(pql), PROFILE, EVENT)


def blocks(pql: str) -> Container:
    return plan_to_blocks(bound(pql))


def fails(*items: dict[str, Any]) -> PQLError:
    with pytest.raises(PQLError) as caught:
        build(*items)
    return caught.value


# The JSON model ---------------------------------------------------------------------------------


def test_json_is_camel_case_and_leaves_out_unset_options() -> None:
    rule = Attribute(field="person.gender", operator="equals", value="f", case_sensitive=False)
    assert dump_blocks(Container(items=[rule, Audience(ref="vip")])) == {
        "type": "container",
        "logic": "and",
        "include": True,
        "items": [
            {"type": "attribute", "field": "person.gender", "operator": "equals", "value": "f",
             "caseSensitive": False},
            {"type": "audience", "ref": "vip", "include": True},
        ],
    }  # fmt: skip


def test_an_event_rule_counts_at_least_one_by_default() -> None:
    assert load_blocks({"items": [{"type": "event"}]}).items[0] == Event(count=Count(value=1))


def test_load_blocks_reads_json_text() -> None:
    text = '{"items": [{"type": "audience", "ref": "vip", "include": false}]}'
    assert load_blocks(text) == Container(items=[Audience(ref="vip", include=False)])


@pytest.mark.parametrize(
    ("data", "where", "says"),
    [
        ({"items": [{"type": "rule"}]}, "items[0]", "does not match any of the expected tags"),
        ({"items": [{}, {"type": "event", "count": {"operator": "some"}}]}, "items[0]", "tag"),
        ({"items": [{"type": "event", "count": {"operator": "some"}}]},
         "items[0].count.operator", "Input should be 'atLeast'"),
        ({"items": [{"type": "container", "items": [
            {"type": "attribute", "field": "x", "operator": "is"}]}]},
         "items[0].items[0].operator", "Input should be 'equals'"),
        ({"items": [{"type": "audience", "ref": "a", "color": "red"}]},
         "items[0].color", "Extra inputs are not permitted"),
        ({"logic": "xor", "items": []}, "logic", "Input should be 'and' or 'or'"),
    ],
)  # fmt: skip
def test_malformed_json_is_a_located_error(data: dict[str, Any], where: str, says: str) -> None:
    with pytest.raises(PQLError) as caught:
        load_blocks(data)
    assert caught.value.location is not None
    assert caught.value.location.field == where
    assert says in caught.value.message


# Time constraints are exactly the binder's windows --------------------------------------------


@pytest.mark.parametrize(
    ("time", "tail"),
    [
        ({"kind": "inLast", "amount": 30, "unit": "days"}, "<= 30 days before now"),
        ({"kind": "inLast", "amount": 6, "unit": "hours"}, "<= 6 hours before now"),
        ({"kind": "inLast", "amount": 1, "unit": "months"}, "<= 1 month before now"),
        ({"kind": "inNext", "amount": 2, "unit": "weeks"}, "<= 2 weeks after now"),
        ({"kind": "before", "amount": 1, "unit": "years"}, ">= 1 year before now"),
        ({"kind": "before", "date": "2024-01-31"}, "before date(2024, 1, 31)"),
        ({"kind": "after", "date": "2024-01-31"}, "after date(2024, 1, 31)"),
        ({"kind": "on", "date": "2024-02-29"}, "on date(2024, 2, 29)"),
        ({"kind": "between", "from": "2024-01-01", "to": "2024-01-31"},
         "between date(2024, 1, 1) and date(2024, 1, 31)"),
        ({"kind": "today"}, "today"),
        ({"kind": "yesterday"}, "yesterday"),
        ({"kind": "tomorrow"}, "tomorrow"),
        ({"kind": "thisWeek"}, "this week"),
        ({"kind": "thisMonth"}, "this month"),
        ({"kind": "thisYear"}, "this year"),
        ({"kind": "lastWeek"}, "last week"),
        ({"kind": "lastMonth"}, "last month"),
        ({"kind": "lastYear"}, "last year"),
        ({"kind": "nextWeek"}, "next week"),
        ({"kind": "nextMonth"}, "next month"),
        ({"kind": "nextYear"}, "next year"),
    ],
)  # fmt: skip
def test_each_time_constraint_is_the_window_of_its_pql_tail(
    time: dict[str, Any], tail: str
) -> None:
    plan = build({"type": "event", "time": time})
    assert plan == bound(f"xEvent.exists(timestamp occurs {tail})")
    assert plan_to_blocks(plan).items[0] == Event.model_validate({"time": time})


def test_a_date_field_takes_the_same_constraints_as_operators() -> None:
    rule = {"type": "attribute", "field": "person.birthDate", "operator": "inLast", "value": 18,
            "unit": "years"}  # fmt: skip
    assert build(rule) == bound("person.birthDate occurs <= 18 years before now")


def test_plan_fields_and_segments_are_what_the_binder_records() -> None:
    plan = build(
        {"type": "attribute", "field": "preferences.interests", "operator": "exists"},
        {"type": "sequence", "steps": [{"conditions": [
            {"field": "productListItems.SKU", "operator": "equals", "value": "A"}]}]},
        {"type": "audience", "ref": "vip"},
    )  # fmt: skip
    assert plan.profile_fields == {"preferences.interests[]"}
    assert plan.event_fields == {"productListItems[].SKU", "timestamp"}
    assert plan.segments == {"vip"}


def test_sequence_labels_avoid_top_level_event_fields() -> None:
    event = EVENT.extend({"A.code": EVENT.fields["channel"]})
    steps = [{"conditions": [{"field": "A.code", "operator": "exists"}]}] * 2
    data = load_blocks({"items": [{"type": "sequence", "steps": steps}]})
    plan = blocks_to_plan(data, PROFILE, event)
    pql = ("chain(xEvent, timestamp, [B: WHAT(A.code.isNotNull()), "
           "C: WHAT(A.code.isNotNull())])")  # fmt: skip
    assert plan == bind(parse(pql), PROFILE, event)


# Invalid blocks -------------------------------------------------------------------------------

RULE = {
    "type": "attribute",
    "field": "homeAddress.countryCode",
    "operator": "equals",
    "value": "US",
}


def rule(**changes: Any) -> dict[str, Any]:
    return {**RULE, **changes}


def purchases(**changes: Any) -> dict[str, Any]:
    condition = {"field": "eventType", "operator": "equals", "value": "commerce.purchases"}
    return {"type": "event", "conditions": [condition], **changes}


@pytest.mark.parametrize(
    ("items", "where", "message", "hint"),
    [
        ([RULE, RULE, rule(field="homeAdress.countryCode")], "items[2].field",
         'unknown field "homeAdress.countryCode" in the profile schema',
         'did you mean "homeAddress.countryCode"'),
        ([rule(field="homeAddress")], "items[0].field",
         '"homeAddress" is an object; a rule tests one of its fields',
         'pick a field such as "homeAddress.city", "homeAddress.countryCode", '
         '"homeAddress.postalCode"'),
        ([rule(operator="greaterThan")], "items[0].operator",
         '"greaterThan" does not apply to homeAddress.countryCode, a string field',
         "use one of: equals, doesNotEqual, contains"),
        ([rule(value=None)], "items[0].value", "this operator needs a string", None),
        ([rule(value=3)], "items[0].value", "needs a string, got 3", None),
        ([rule(operator="in", value=[])], "items[0].value", '"in" needs a list of values',
         'write ["a", "b"]'),
        ([rule(operator="in", value=["US", 1])], "items[0].value[1]", "needs a string, got 1",
         None),
        ([rule(operator="exists")], "items[0].value", '"exists" takes no value', "remove value"),
        ([rule(operator="notIn", value=["US"], caseSensitive=False)], "items[0].caseSensitive",
         '"notIn" has no case-insensitive form', "caseSensitive applies to: equals"),
        ([rule(unit="days")], "items[0].unit", '"equals" takes no unit', "remove unit"),
        ([rule(operator="matches", value="(?<=a)b")], "items[0].value", "unsupported regex",
         "regex subset"),
        ([rule(field="loyalty.points", operator="between", value=[1, 2, 3])], "items[0].value",
         "between needs two values", None),
        ([rule(field="loyalty.points", operator="atLeast", value=True)], "items[0].value",
         "needs a number, got true", None),
        ([rule(field="createdAt", operator="inLast", value=30)], "items[0].unit",
         '"inLast" needs a unit', 'add "unit": "days"'),
        ([rule(field="createdAt", operator="inLast", value="30", unit="days")], "items[0].value",
         '"inLast" needs a whole number of units', None),
        ([rule(field="createdAt", operator="inNext", value=0, unit="days")], "items[0].value",
         '"inNext" needs a whole number of units, 1 or more', None),
        ([rule(field="createdAt", operator="before", value="31/01/2024")], "items[0].value",
         'needs a date, got "31/01/2024"', 'write "YYYY-MM-DD"'),
        ([rule(field="createdAt", operator="between", value=["2024-01-01"])], "items[0].value",
         "between needs two dates", None),
        ([rule(field="createdAt", operator="today", value="2024-01-01")], "items[0].value",
         '"today" takes no value', None),
        ([{"type": "container", "items": []}], "items[0].items",
         "a container needs at least one rule", None),
        ([{"type": "audience", "ref": " "}], "items[0].ref",
         "an audience reference needs a segment id or name", None),
        ([purchases(time={"kind": "inLast", "amount": 30})], "items[0].time.unit",
         "inLast needs unit", '{"kind": "inLast", "amount": 30, "unit": "days"}'),
        ([purchases(time={"kind": "inLast", "amount": 0, "unit": "days"})],
         "items[0].time.amount", "inLast needs a positive amount, got 0", None),
        ([purchases(time={"kind": "today", "date": "2024-01-01"})], "items[0].time.date",
         "today takes no date", None),
        ([purchases(time={"kind": "between", "from": "2024-01-01"})], "items[0].time.to",
         "between needs to", None),
        ([purchases(time={"kind": "before", "amount": 2})], "items[0].time.unit",
         "before needs unit", None),
        ([purchases(time={"kind": "before", "amount": 2, "date": "2024-01-01"})],
         "items[0].time.amount", "before takes no amount", "remove amount"),
        ([purchases(time={"kind": "before"})], "items[0].time.date", "before needs date",
         "more than a year ago"),
        ([purchases(conditions=[{"field": "search.keyword", "operator": "exists"}])],
         "items[0].conditions[0].field", 'unknown field "search.keyword" in the event schema',
         'did you mean "search.keywords"?'),
        ([purchases(conditions=[{"field": "timestamp", "operator": "today"}])],
         "items[0].conditions[0].field",
         "an event rule's time is its time constraint, not a condition", 'set "time"'),
        ([purchases(count={"operator": "atLeast"})], "items[0].count.value",
         "atLeast needs a number of events, 1 or more", '{"operator": "none"}'),
        ([purchases(count={"operator": "exactly", "value": 0})], "items[0].count.value",
         "exactly needs a number of events, 1 or more", None),
        ([purchases(count={"operator": "none", "value": 0})], "items[0].count.value",
         "none counts no events", None),
        ([purchases(count={"operator": "atLeast", "value": 2}, aggregate={
            "function": "sum", "field": "commerce.order.priceTotal", "operator": "atLeast",
            "value": 1})], "items[0].count", "an aggregate rule compares the aggregate", None),
        ([purchases(aggregate={"function": "sum", "field": "productListItems.priceTotal",
                               "operator": "atLeast", "value": 1})],
         "items[0].aggregate.field", "sum needs a number field with one value per event, "
         "productListItems.priceTotal is a list of number values", None),
        ([purchases(aggregate={"function": "max", "field": "channel", "operator": "atLeast",
                               "value": 1})],
         "items[0].aggregate.field", "max needs a number field", None),
        ([{"type": "sequence", "steps": []}], "items[0].steps",
         "a sequence needs at least one step", None),
        ([{"type": "sequence", "steps": [{"within": {"amount": 1, "unit": "hours"}}]}],
         "items[0].steps[0].within", "the first step has no previous step to be within", None),
        ([{"type": "sequence", "steps": [{}, {"after": {"amount": 0, "unit": "hours"}}]}],
         "items[0].steps[1].after.amount", "after needs 1 or more units", None),
        ([{"type": "sequence", "steps": [{}, {"count": 0}]}], "items[0].steps[1].count",
         "a step counts 1 or more events", None),
        ([{"type": "sequence", "time": {"kind": "today"},
           "steps": [{}, {"time": {"kind": "today"}}]}], "items[0].steps[1].time",
         "this step has its own time", "remove one of them"),
        ([{"type": "container", "items": [RULE, rule(field="x.y")]}], "items[0].items[1].field",
         'unknown field "x.y"', None),
    ],
)  # fmt: skip
def test_invalid_blocks_are_located_errors_with_hints(
    items: list[dict[str, Any]], where: str, message: str, hint: str | None
) -> None:
    error = fails(*items)
    assert error.location is not None
    assert error.location.field == where
    assert message in error.message
    if hint is not None:
        assert error.hint is not None
        assert hint in error.hint


# Plans written as PQL, read as blocks -----------------------------------------------------------


@pytest.mark.parametrize(
    ("pql", "count"),
    [
        ('xEvent[eventType = "a"].count() > 2', {"operator": "atLeast", "value": 3}),
        ('xEvent[eventType = "a"].count() >= 1', {"operator": "atLeast", "value": 1}),
        ('xEvent[eventType = "a"].count() < 3', {"operator": "atMost", "value": 2}),
        ('xEvent[eventType = "a"].count() < 1', {"operator": "none"}),
        ('xEvent[eventType = "a"].count() <= 0', {"operator": "none"}),
    ],
)
def test_other_spellings_of_counts_read_as_counts(pql: str, count: dict[str, Any]) -> None:
    condition = {"field": "eventType", "operator": "equals", "value": "a"}
    expected = Event.model_validate({"conditions": [condition], "count": count})
    assert blocks(pql) == Container(items=[expected])


@pytest.mark.parametrize(
    ("pql", "rule"),
    [
        ('person.gender.equals("f")', {"operator": "equals", "value": "f"}),
        ('person.gender.equals("f", "m")', {"operator": "in", "value": ["f", "m"]}),
        ('person.gender.notEqualTo("f")', {"operator": "doesNotEqual", "value": "f"}),
        ('person.gender.contains("f")', {"operator": "contains", "value": "f"}),
    ],
)
def test_method_spellings_read_as_conditions(pql: str, rule: dict[str, Any]) -> None:
    expected = Attribute.model_validate({"field": "person.gender", **rule})
    assert blocks(pql) == Container(items=[expected])


def test_a_root_exclusion_of_one_rule_is_an_excluded_root() -> None:
    assert blocks("not loyalty.points > 3") == Container(
        include=False,
        items=[Attribute(field="loyalty.points", operator="greaterThan", value=3)],
    )


def test_double_negation_is_kept() -> None:
    found = blocks('not not inSegment("a")')
    assert found == Container(include=False, items=[Audience(ref="a", include=False)])
    assert blocks_to_plan(found, PROFILE, EVENT) == bound('not not inSegment("a")')


def test_a_sequence_whose_steps_share_a_time_has_a_sequence_time() -> None:
    found = blocks(
        'chain(xEvent, timestamp, [A: WHAT(eventType = "a") WHEN(today), '
        'B: WHAT(eventType = "b") WHEN(today)])'
    )
    sequence = found.items[0]
    assert sequence.type == "sequence"
    assert sequence.time is not None
    assert sequence.time.kind == "today"
    assert [step.time for step in sequence.steps] == [None, None]


@pytest.mark.parametrize(
    ("pql", "construct"),
    [
        ("let x = loyalty.points in x > 3", "`let`"),
        ("loyalty.points + 1 > 3", "arithmetic"),
        ("-loyalty.points < 3", "arithmetic"),
        ('if(loyalty.points > 3, "a", "b") = "a"', "`if`"),
        ('forall X from xEvent where X.channel = "web"', "`forall`"),
        ('xEvent.exists(productListItems.exists(SKU = "a" and quantity > 2))',
         "`exists` over an array"),
        ("xEvent.exists(productListItems.sum(quantity) > 2)", "`sum` over an array"),
        ('xEvent.topN(timestamp, 1).exists(channel = "web")', "`topN`"),
        ("person.birthDate.getMonth() = currentMonth()", "the function `getMonth`"),
        ("preferences.interests.intersects([\"a\"])", "the function `intersects`"),
        ('person.name.firstName = person.name.lastName', "this condition"),
        ("xEvent[channel = \"web\"]", "a filtered list"),
        ('chain(xEvent, timestamp, [A: WHAT(channel = "a"), B: WHAT(channel = "b"), '
         "C: WHAT(channel = \"c\") WHEN(<= 1 hour after A)])", "this time window"),
        ("createdAt occurs < 30 days before now", "this condition"),
        ('xEvent.exists(channel = "web" and timestamp occurs < 3 days before now)',
         "this time window"),
        ('xEvent.exists(timestamp occurs today and timestamp occurs this month)',
         "an event rule with two time constraints"),
        ('chain(xEvent, timestamp, [A: WHAT(true), B: WHAT(timestamp occurs today) '
         "WHEN(this month)])", "a chain step with two time constraints"),
        ('xEvent.exists(channel = "a" or channel = "b")', "`or` among an event's conditions"),
        ("true", "this condition"),
        ("consents.marketing.email in [true]", "this condition"),
        ("xEvent.sum(productListItems.priceTotal) > 3", "this condition"),
    ],
)  # fmt: skip
def test_constructs_without_a_block_say_so(pql: str, construct: str) -> None:
    with pytest.raises(PQLError) as caught:
        blocks(pql)
    assert caught.value.message == (
        f"{construct} has no Segment Builder block; edit this definition as PQL"
    )
