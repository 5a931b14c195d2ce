"""Properties: any text and any JSON give a tree or a PQLError, and every tree round-trips."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from segmint.errors import PQLError
from segmint.pql import ast, from_json, parse, to_json, to_pql

from .ast_strategies import trees
from .test_pql_parser import examples

EXAMPLES = examples()
_VOCABULARY = [
    *"()[]{},.:^$=<>!+-*/%\"'\\",
    "=>", "!=", "<=", ">=", "$1", "^^", "a", "X", "xEvent", "1", "2.5", '"s"', "and", "or",
    "not", "in", "notIn", "like", "matches", "occurs", "select", "from", "where", "exists",
    "forall", "sum", "over", "let", "true", "null", "now", "today", "before", "after",
    "between", "on", "last", "month", "days", "chain", "timestamp", "WHAT", "WHEN", "COUNT",
    "WHERE", "if", "date", "count", "startsWith", "\n",
]  # fmt: skip


def parses_or_fails_cleanly(text: str) -> None:
    """The text parses (and then its canonical print is stable) or raises a PQLError."""
    try:
        tree = parse(text)
    except PQLError as error:
        assert error.location is not None
        assert "^" in str(error)
        return
    printed = to_pql(tree)
    assert parse(printed) == tree
    assert to_pql(parse(printed)) == printed


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_random_text(text: str) -> None:
    parses_or_fails_cleanly(text)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_VOCABULARY), max_size=25), st.sampled_from(["", " "]))
def test_random_token_soup(words: list[str], separator: str) -> None:
    parses_or_fails_cleanly(separator.join(words))


@st.composite
def mutated_examples(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(EXAMPLES))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        edit = draw(st.sampled_from(["delete", "insert", "swap"]))
        if edit == "delete":
            text = text[:at] + text[at + 1 :]
        elif edit == "insert":
            char = draw(st.sampled_from(_VOCABULARY[:24]) | st.characters())
            text = text[:at] + char + text[at:]
        elif at + 1 < len(text):
            text = text[:at] + text[at + 1] + text[at] + text[at + 2 :]
    return text


@settings(max_examples=500, deadline=None)
@given(mutated_examples())
def test_mutated_examples(text: str) -> None:
    parses_or_fails_cleanly(text)


@settings(max_examples=400, deadline=None)
@given(trees)
def test_random_trees_round_trip_through_text(tree: ast.Expr) -> None:
    printed = to_pql(tree)
    assert parse(printed) == tree
    assert to_pql(parse(printed)) == printed


@settings(max_examples=300, deadline=None)
@given(trees)
def test_random_trees_round_trip_through_json(tree: ast.Expr) -> None:
    assert from_json(json.loads(json.dumps(to_json(tree)))) == tree


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["nodeType", "fnName", "params", "value", "fieldName", "object"]),
            children,
        )
    ),
    max_leaves=10,
)


@st.composite
def damaged_json(draw: st.DrawFn) -> Any:
    """Valid PQL JSON with one value somewhere replaced by arbitrary JSON."""
    data = to_json(draw(trees))
    node: Any = data
    while isinstance(node, dict | list) and node and draw(st.booleans()):
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        key = draw(st.sampled_from(keys))
        if not isinstance(node[key], dict | list) or draw(st.booleans()):
            node[key] = draw(json_values)
            break
        node = node[key]
    return data


@settings(max_examples=300, deadline=None)
@given(json_values | damaged_json())
def test_any_json_gives_a_tree_or_a_located_error(data: Any) -> None:
    try:
        tree = from_json(data)
    except PQLError as error:
        assert error.location is not None and error.location.field
        return
    assert from_json(to_json(tree)) == tree
    assert parse(to_pql(tree)) == tree
