"""The compiled normaliser (the fast path of JSON validation) accepts exactly the records in
which the precise path finds no problem, and gives them the same shape: random records of the
default schemas, most fields of their own type, some of any JSON type, null, or unknown."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segmint.ingest.normalise import REFUSED, members
from segmint.ingest.validate import RecordValidator
from segmint.schema.defaults import default_schemas
from segmint.schema.fields import FieldType, Node
from segmint.schema.model import SchemaClass

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**65), 2**65) | st.floats() | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=4,
)

_LEAVES: dict[FieldType, st.SearchStrategy[Any]] = {
    FieldType.STRING: st.text(max_size=6),
    FieldType.INTEGER: st.integers(-(2**64), 2**64) | st.integers(-50, 50).map(float),
    FieldType.NUMBER: st.integers(-(2**70), 2**70) | st.floats(),
    FieldType.BOOLEAN: st.booleans(),
    FieldType.DATE: st.dates().map(lambda d: d.isoformat()) | st.sampled_from(["2026-02-30"]),
    FieldType.DATETIME: st.datetimes(timezones=st.just(UTC) | st.none()).map(
        lambda t: t.isoformat()
    )
    | st.sampled_from(["2026-05-01T12:00:00Z", "2026-05-01", "yesterday"]),
    FieldType.MAP: st.dictionaries(st.text(max_size=3), st.text(max_size=3) | st.integers()),
}


def _value(node: Node, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values for a node: mostly of its own shape, one in ten anything (so that a record
    often holds a single problem, which the normaliser must find wherever it is)."""
    own: st.SearchStrategy[Any]
    if node.is_array:
        own = st.lists(_value(Node(node.name, False, node.leaf, node.children), depth), max_size=3)
    elif node.leaf is not None:
        own = _LEAVES[node.leaf]
    else:
        own = _object(node.children, depth + 1)
    return st.integers(0, 9).flatmap(lambda pick: own if pick else _JSON)


def _object(children: dict[str, Node], depth: int) -> st.SearchStrategy[dict[str, Any]]:
    """Objects with some of the fields (deep levels left out), sometimes an unknown one."""
    if depth > 3:
        return st.just({})
    optional = {name: _value(node, depth) for name, node in children.items()}
    known = st.fixed_dictionaries({}, optional=optional)
    unknown = st.dictionaries(st.sampled_from(["bogus", "Name"]), _JSON, max_size=1)
    return st.one_of(known, known, known, st.tuples(known, unknown).map(lambda t: {**t[0], **t[1]}))


@pytest.mark.parametrize("schema_class", list(SchemaClass))
@given(data=st.data())
def test_the_normaliser_accepts_exactly_what_the_precise_path_accepts(
    schema_class: SchemaClass, data: st.DataObject
) -> None:
    schema = default_schemas()[schema_class]
    validator = RecordValidator(schema, {}, {}, "test")
    record = data.draw(_object(schema.tree(), 0))
    problems: list[str] = []
    precise = validator._members(
        validator.tree, record, "", False, lambda field, message: problems.append(message)
    )
    normalised = members(schema.tree())(record)
    if problems:
        assert normalised is REFUSED
    else:
        assert normalised == precise


def test_a_refused_record_still_has_its_problems_located() -> None:
    schema = default_schemas()[SchemaClass.EVENT]
    validator = RecordValidator(schema, {}, {}, "events.jsonl")
    record, problems = validator.validate(
        {"_id": "e1", "timestamp": "2026-05-01T12:00:00Z", "eventType": 7}, 3, from_text=False
    )
    assert record is None
    assert [str(p.location) for p in problems][:1] == ["events.jsonl:3: field eventType"]


def test_values_json_writers_refuse_are_quoted_as_sent() -> None:
    """An integer past 64 bits and NaN (as a Python caller of ``EventStream.collect`` may send
    them) are quoted in their problem's message: orjson refuses the one and nulls the other."""
    validator = RecordValidator(default_schemas()[SchemaClass.EVENT], {}, {}, "api")
    record = {
        "_id": "e1",
        "timestamp": "2026-05-01T12:00:00Z",
        "eventType": 2**70,
        "commerce": {"order": {"priceTotal": float("nan")}},
    }
    _, problems = validator.validate(record, 1, from_text=False)
    assert [p.message for p in problems][:2] == [
        "expected a string, got 1180591620717411303424",
        "expected a finite number, got NaN",
    ]
