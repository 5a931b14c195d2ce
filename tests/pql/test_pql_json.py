"""PQL JSON (pql/json): Adobe's converter output reads, trees round-trip, bad JSON is located."""

from __future__ import annotations

import json
from typing import Any

import pytest

from segmint.errors import PQLError
from segmint.pql import from_json, parse, to_json

from .test_pql_parser import examples

ADOBE_EXAMPLE = (
    '{"nodeType":"fnApply","fnName":"=","params":[{"nodeType":"fieldLookup","fieldName":"country",'
    '"object":{"nodeType":"fieldLookup","fieldName":"workAddress","object":{"nodeType":'
    '"parameterReference","position":1}}},{"nodeType":"literal","literalType":"String",'
    '"value":"US"}]}'
)


def test_reads_the_converter_example_of_the_reference() -> None:
    tree = from_json(json.loads(ADOBE_EXAMPLE))
    assert tree == parse('$1.workAddress.country = "US"')
    assert to_json(tree) == json.loads(ADOBE_EXAMPLE)


def lit(kind: str, value: Any) -> dict[str, Any]:
    return {"nodeType": "literal", "literalType": kind, "value": value}


def test_variables_in_scope_are_var_refs_and_other_names_are_implicit_fields() -> None:
    assert to_json(parse("exists X from xEvent where X.a and b")) == {
        "nodeType": "quantifier",
        "quantifier": "exists",
        "variables": [
            {
                "nodeType": "varDecl",
                "varName": "X",
                "range": {"nodeType": "fieldLookup", "fieldName": "xEvent"},
                "condition": {
                    "nodeType": "fnApply",
                    "fnName": "and",
                    "params": [
                        {
                            "nodeType": "fieldLookup",
                            "fieldName": "a",
                            "object": {"nodeType": "varRef", "varName": "X"},
                        },
                        {"nodeType": "fieldLookup", "fieldName": "b"},
                    ],
                },
            }
        ],
    }


def test_and_chains_are_one_n_ary_application_and_methods_put_the_target_first() -> None:
    data = to_json(parse('a and b and c.startsWith("x", false)'))
    assert data["fnName"] == "and"
    assert [param.get("fieldName", param.get("fnName")) for param in data["params"]] == [
        "a",
        "b",
        "startsWith",
    ]
    assert data["params"][2]["params"] == [
        {"nodeType": "fieldLookup", "fieldName": "c"},
        lit("String", "x"),
        lit("boolean", False),
    ]


def test_occurs_and_chain_golden() -> None:
    data = to_json(
        parse("chain(xEvent, timestamp, [A: WHAT(a), B: WHAT(b) WHEN(<= 1 hour after A) COUNT(2)])")
    )
    assert data["steps"][1] == {
        "label": "B",
        "what": {"nodeType": "fieldLookup", "fieldName": "b"},
        "when": {
            "form": "distance",
            "comparison": "<=",
            "amount": 1,
            "unit": "hour",
            "direction": "after",
            "reference": {"nodeType": "varRef", "varName": "A"},
        },
        "count": 2,
    }
    assert to_json(parse("t occurs last month"))["tail"] == {
        "form": "on",
        "reference": {"nodeType": "period", "which": "last", "unit": "month"},
    }


def test_literal_kinds() -> None:
    assert [to_json(parse(text)) for text in ('"s"', "1", "1.5", "true", "null")] == [
        lit("String", "s"),
        lit("integer", 1),
        lit("double", 1.5),
        lit("boolean", True),
        lit("null", None),
    ]
    assert from_json(lit("XDMObject", "profile")) == parse("$1")
    assert from_json(lit("string", "s")) == parse('"s"')


@pytest.mark.parametrize("text", examples())
def test_every_reference_example_round_trips_through_json_text(text: str) -> None:
    tree = parse(text)
    assert from_json(json.loads(json.dumps(to_json(tree)))) == tree


FIELD_A = {"nodeType": "fieldLookup", "fieldName": "a"}

BAD = [
    # (data, message, field, hint)
    ([], "expected a JSON object, found a list", "/", None),
    ({"fieldName": "a"}, 'missing "nodeType"', "/", None),
    ({"nodeType": "fnAply"}, 'unknown nodeType "fnAply"', "/nodeType", 'did you mean "fnApply"?'),
    (
        {"nodeType": "fnApply", "fnName": "=", "params": [FIELD_A]},
        '"=" needs 2 params, got 1',
        "/params",
        None,
    ),
    (
        {"nodeType": "fnApply", "fnName": "startWith", "params": [FIELD_A]},
        'unknown function "startWith"',
        "/fnName",
        'did you mean "startsWith" or "doesNotStartWith"?',
    ),
    (
        {"nodeType": "fnApply", "fnName": "count", "params": []},
        'method "count" needs its target as the first param',
        "/params",
        None,
    ),
    (
        {"nodeType": "fnApply", "fnName": "and", "params": [FIELD_A, {"nodeType": "varRef"}]},
        'missing "varName"',
        "/params/1",
        None,
    ),
    (
        {"nodeType": "fieldLookup", "fieldName": "a", "object": {"nodeType": "fieldLookup"}},
        'missing "fieldName"',
        "/object",
        None,
    ),
    (
        {"nodeType": "fieldLookup", "fieldName": "a-b"},
        '"a-b" is not a valid PQL name',
        "/fieldName",
        "names are letters, digits and _, not starting with a digit",
    ),
    (
        {"nodeType": "varRef", "varName": "select"},
        '"select" is not a valid PQL variable or field name',
        "/varName",
        "names are letters, digits and _, not starting with a digit, and not reserved words",
    ),
    (lit("integer", "3"), "an integer literal needs a whole number value", "/value", None),
    (
        lit("date", "2020"),
        'unknown literalType "date"',
        "/literalType",
        "literal types are String, integer, double, boolean and null",
    ),
    (
        {"nodeType": "set", "variables": []},
        '"variables" must not be empty',
        "/variables",
        None,
    ),
    (
        {
            "nodeType": "occurs",
            "subject": FIELD_A,
            "tail": {"form": "distance", "comparison": "<=", "amount": 3, "unit": "dyas"},
        },
        'unknown time unit "dyas"',
        "/tail/unit",
        'did you mean "days" or "years"?',
    ),
    (
        {"nodeType": "occurs", "subject": FIELD_A, "tail": {"form": "during"}},
        '"form" must be one of distance, relation, on, between, found "during"',
        "/tail/form",
        None,
    ),
    (
        {"nodeType": "chain", "events": FIELD_A, "timeField": "t", "steps": [{"label": "A"}]},
        'missing "what"',
        "/steps/0",
        None,
    ),
    (
        {"nodeType": "parameterReference", "position": 0},
        '"position" must be a whole number >= 1',
        "/position",
        None,
    ),
    (
        {"nodeType": "fnApply", "function": {"nodeType": "fnCreate"}, "params": []},
        "applying a function value (fnApply with function) is not supported",
        "/function",
        "inline the function body, with its parameters replaced by the arguments",
    ),
    (
        {"nodeType": "period", "which": "last", "unit": "day"},
        "a period is only valid as the reference of an occurs tail",
        "/nodeType",
        None,
    ),
]


@pytest.mark.parametrize(("data", "message", "field", "hint"), BAD)
def test_malformed_json_is_located(data: Any, message: str, field: str, hint: str | None) -> None:
    with pytest.raises(PQLError) as caught:
        from_json(data)
    assert (caught.value.message, caught.value.hint) == (message, hint)
    assert caught.value.location is not None
    assert caught.value.location.field == field


def test_deep_json_is_an_error_not_a_crash() -> None:
    data: dict[str, Any] = FIELD_A
    for _ in range(5000):
        data = {"nodeType": "fnApply", "fnName": "not", "params": [data]}
    with pytest.raises(PQLError, match="nested too deeply"):
        from_json(data)
