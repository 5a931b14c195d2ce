"""``to_pql(to_ast(plan))`` is canonical PQL that binds again to an equal plan: on the golden
corpus, and on random definitions over the whole plan vocabulary."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segmint.errors import PQLError
from segmint.plan.bind import bind
from segmint.plan.nodes import Plan
from segmint.plan.unbind import to_ast
from segmint.pql import parse, to_pql
from tests.evaluate.helpers import EVENT, PROFILE
from tests.evaluate.test_golden import CASES

CORPUS = Path(__file__).parents[1] / "fixtures" / "pql" / "examples.pql"


def round_trip(plan: Plan) -> str:
    text = to_pql(to_ast(plan))
    again = bind(parse(text), PROFILE, EVENT)
    assert again == plan, text
    assert to_pql(to_ast(again)) == text  # canonical: printing is a fixed point
    return text


def corpus() -> list[str]:
    lines = CORPUS.read_text().splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def test_the_corpus_round_trips() -> None:
    bound = 0
    for text in [*corpus(), *(case[0] for case in CASES)]:
        try:
            plan = bind(parse(text), PROFILE, EVENT)
        except PQLError:
            continue  # fields the test schemas lack, computed-attribute constructs
        round_trip(plan)
        bound += 1
    assert bound >= 150


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        (
            'xEvent[eventType = "a"].count() > 1',
            '(select _1 from xEvent where _1.eventType = "a").count() > 1',
        ),
        ('$1.person.gender = "f"', 'person.gender = "f"'),
        ('(P) => P.person.gender.equals("F", true)', 'person.gender.equals("F")'),
        ("createdAt occurs from now", "createdAt occurs after now"),
        (
            "createdAt occurs != 2 days before now",
            "createdAt occurs <= 1 day before now or createdAt occurs > 2 days before now",
        ),
        ("createdAt occurs between today and today", "createdAt occurs today"),
        (
            'chain(xEvent, timestamp, [A: WHAT(eventType = "a") COUNT(1) WHERE(channel = "web")])',
            'chain(xEvent, timestamp, [A: WHAT(eventType = "a" and channel = "web")])',
        ),
    ],
)
def test_canonical_text(text: str, canonical: str) -> None:
    assert round_trip(bind(parse(text), PROFILE, EVENT)) == canonical


# Random definitions ---------------------------------------------------------------------------

UNITS = ["millisecond", "second", "minute", "hour", "day", "week", "month", "year", "decade"]
refs = st.one_of(
    st.sampled_from(["now", "today", "yesterday", "tomorrow", "createdAt", "loyalty.joinDate"]),
    st.builds("{} {}".format, st.sampled_from(["this", "last", "next"]), st.sampled_from(UNITS)),
    st.builds(
        "date({}, {}, {})".format, st.integers(1990, 2030), st.integers(1, 12), st.integers(1, 28)
    ),
)
tails = st.one_of(
    st.builds(
        "{} {} {} {} {}".format,
        st.sampled_from(["<", "<=", "=", "!=", ">", ">="]),
        st.integers(0, 40),
        st.sampled_from(UNITS),
        st.sampled_from(["before", "after", "from"]),
        refs,
    ),
    st.builds("{} {}".format, st.sampled_from(["before", "after", "on"]), refs),
    refs,
    st.builds("between {} and {}".format, refs, refs),
)
numbers = st.sampled_from(["loyalty.points", "person.birthYear", "3", "2.5", "-1"])
arith = st.recursive(
    numbers,
    lambda inner: st.builds(
        "({} {} {})".format, inner, st.sampled_from(["+", "-", "*", "/", "%"]), inner
    ),
    max_leaves=3,
)
strings = st.sampled_from(['"a"', '"%b_"', '"Web"'])
event_conditions = st.one_of(
    st.builds("eventType = {}".format, strings),
    st.builds(
        "commerce.order.priceTotal {} {}".format,
        st.sampled_from(["<", ">=", "!="]),
        st.integers(0, 9),
    ),
    st.builds("productListItems[SKU = {}]".format, strings),
    st.builds("timestamp occurs {}".format, tails),
    st.builds("channel.startsWith({}, {})".format, strings, st.sampled_from(["true", "false"])),
)
atoms = st.one_of(
    st.builds("{} {} {}".format, arith, st.sampled_from(["=", "!=", "<", ">", "<=", ">="]), arith),
    st.builds(
        "person.gender {} {}".format, st.sampled_from(["=", "!=", "like", "matches"]), strings
    ),
    st.builds("loyalty.points {} [1, 2, 3]".format, st.sampled_from(["in", "notIn"])),
    st.builds("createdAt occurs {}".format, tails),
    st.builds('inSegment("{}")'.format, st.sampled_from(["gold", "id-1"])),
    st.sampled_from(
        [
            "person.name",
            "preferences.interests",
            "consents.marketing.email",
            "loyalty.points.isNull()",
        ]
    ),
    st.builds("xEvent[{}]".format, event_conditions),
    st.builds("xEvent[{}].count() > {}".format, event_conditions, st.integers(0, 3)),
    st.builds(
        "xEvent[{}].{}(commerce.order.priceTotal) >= 1".format,
        event_conditions,
        st.sampled_from(["sum", "average", "min", "max"]),
    ),
    st.builds("exists E from xEvent where E.{}".format, event_conditions),
    st.builds(
        "forall E from xEvent : E.{}, I from E.productListItems where I.SKU = {}".format,
        event_conditions,
        strings,
    ),
    st.builds(
        "(sum X.commerce.order.priceTotal over X from xEvent where X.{}) > 5".format,
        event_conditions,
    ),
    st.builds(
        "(average I.priceTotal over X from xEvent, I from X.productListItems where X.{}) > 5".format,
        event_conditions,
    ),
    st.builds(
        'preferences.interests.{}(["a", "b"])'.format,
        st.sampled_from(["intersects", "subsetOf", "supersetOf"]),
    ),
    st.builds("(let V = {} in V > 2)".format, arith),
    st.builds(
        "if({}, 1, 2) = 1".format, st.sampled_from(['person.gender = "f"', "loyalty.points"])
    ),
    st.builds('attributes.get({}) = "x"'.format, strings),
    st.builds(
        "chain(xEvent, timestamp, [A: WHAT({}) WHEN({}), B: WHAT({}) WHEN({}) COUNT({})])".format,
        event_conditions,
        st.sampled_from(["<= 3 days before now", "today", "last week", "> 1 hour before now"]),
        event_conditions,
        st.sampled_from(["<= 1 hour after A", "< 2 days after A", "after A", "between A and now"]),
        st.integers(1, 3),
    ),
)
definitions = st.recursive(
    atoms,
    lambda inner: st.one_of(
        st.builds("({} and {})".format, inner, inner),
        st.builds("({} or {})".format, inner, inner),
        st.builds("not ({})".format, inner),
    ),
    max_leaves=4,
)


@given(definitions)
def test_random_definitions_round_trip(text: str) -> None:
    round_trip(bind(parse(text), PROFILE, EVENT))
