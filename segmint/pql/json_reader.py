"""Reading PQL JSON (the format is described in ``json_form``) with located errors.

Every problem names its place as a JSON pointer (``/params/0/object``) in ``Location.field``, so
a client that built the JSON by hand can find its mistake.
"""

from __future__ import annotations

import math
import re
from typing import Any

from segmint.errors import Location, PQLError, did_you_mean
from segmint.pql import ast
from segmint.pql.functions import SIGNATURES, suggest
from segmint.pql.tokens import KEYWORDS

JSON = dict[str, Any]

_LOGICAL = frozenset(ast.LOGICAL_OPERATORS)
_BINARY = frozenset({*ast.RELATIONAL_OPERATORS, *ast.ARITHMETIC_OPERATORS})
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_NODE_TYPES = (
    "literal", "fnApply", "fieldLookup", "varRef", "parameterReference", "fnCreate", "set",
    "quantifier", "aggregate", "array", "object", "timeWord", "parentReference", "filter",
    "let", "occurs", "chain", "period",
)  # fmt: skip
_UNIT_SPELLINGS = {
    spelling: unit for unit, plural in ast.UNITS.items() for spelling in (unit, plural)
}


def from_json(data: Any) -> ast.Expr:
    """The syntax tree of a ``pql/json`` document; raise a located ``PQLError`` if malformed."""
    try:
        return _read(data, "")
    except RecursionError:
        raise PQLError("the PQL JSON is nested too deeply", location=Location(field="/")) from None


def _fail(message: str, path: str, hint: str | None = None) -> PQLError:
    return PQLError(message, location=Location(field=path or "/"), hint=hint)


def _read(data: Any, path: str) -> ast.Expr:
    node = _object(data, path)
    node_type = _text(node, "nodeType", path)
    if node_type == "fnApply":
        return _read_apply(node, path)
    if node_type == "fieldLookup":
        name = _word(node, "fieldName", path)
        if "object" not in node:
            return ast.Name(_identifier(name, f"{path}/fieldName"))
        return ast.Field(_read(node["object"], f"{path}/object"), name)
    if node_type == "literal":
        return _read_literal(node, path)
    if node_type == "varRef":
        return ast.Name(_identifier(_text(node, "varName", path), f"{path}/varName"))
    if node_type == "parameterReference":
        return ast.Param(_count(node, "position", path, 1))
    if node_type == "parentReference":
        return ast.Parent(_count(node, "levels", path, 1))
    if node_type == "timeWord":
        return ast.TimeWord(_choice(node, "word", path, ast.TIME_WORDS))
    if node_type == "array":
        return ast.Array(_nodes(node, "items", path))
    if node_type == "object":
        return ast.Object(_read_entries(node, path))
    if node_type == "filter":
        target = _read(_get(node, "object", path), f"{path}/object")
        return ast.Filter(target, _read(_get(node, "condition", path), f"{path}/condition"))
    if node_type == "occurs":
        subject = _read(_get(node, "subject", path), f"{path}/subject")
        return ast.Occurs(subject, _read_tail(_get(node, "tail", path), f"{path}/tail"))
    return _read_binder(node, node_type, path)


def _read_binder(node: JSON, node_type: str, path: str) -> ast.Expr:
    """Nodes that introduce variables, and the error for an unknown nodeType."""
    if node_type == "fnCreate":
        entries = _list(node, "params", path, nonempty=True)
        params = tuple(_param(entry, f"{path}/params/{i}") for i, entry in enumerate(entries))
        return ast.Lambda(params, _read(_get(node, "body", path), f"{path}/body"))
    if node_type == "let":
        name = _identifier(_text(node, "varName", path), f"{path}/varName")
        value = _read(_get(node, "value", path), f"{path}/value")
        return ast.Let(name, value, _read(_get(node, "body", path), f"{path}/body"))
    if node_type == "set":
        return ast.Select(_read_bindings(node, path))
    if node_type == "quantifier":
        kind = _choice(node, "quantifier", path, ast.QUANTIFIERS)
        return ast.Quantifier(kind, _read_bindings(node, path))
    if node_type == "aggregate":
        function = _choice(node, "fnName", path, ast.AGGREGATES)
        bindings = _read_bindings(node, path)
        if "value" in node:
            value = _read(node["value"], f"{path}/value")
            return ast.Aggregate(function, value, bindings)
        if len(bindings) != 1:
            raise _fail(
                f'"{function}" without a "value" needs exactly one variable',
                f"{path}/variables",
            )
        return ast.Aggregate(function, None, bindings)
    if node_type == "chain":
        return _read_chain(node, path)
    if node_type == "period":
        raise _fail("a period is only valid as the reference of an occurs tail", f"{path}/nodeType")
    raise _fail(
        f'unknown nodeType "{node_type}"', f"{path}/nodeType", did_you_mean(node_type, _NODE_TYPES)
    )


def _param(data: Any, path: str) -> str:
    return _identifier(_text(_object(data, path), "varName", path), f"{path}/varName")


def _read_apply(node: JSON, path: str) -> ast.Expr:
    if "function" in node and "fnName" not in node:
        raise _fail(
            "applying a function value (fnApply with function) is not supported",
            f"{path}/function",
            hint="inline the function body, with its parameters replaced by the arguments",
        )
    name = _text(node, "fnName", path)
    params = _nodes(node, "params", path) if "params" in node else ()
    where = f"{path}/params"
    if name in _LOGICAL:
        if len(params) < 2:
            raise _fail(f'"{name}" needs at least 2 params, got {len(params)}', where)
        result = params[0]
        for right in params[1:]:
            result = ast.Binary(name, result, right)
        return result
    if name == "not" or (name == "-" and len(params) == 1):
        if len(params) != 1:
            raise _fail(f'"{name}" needs 1 param, got {len(params)}', where)
        return ast.Unary(name, params[0])
    if name in _BINARY:
        if len(params) != 2:
            raise _fail(f'"{name}" needs 2 params, got {len(params)}', where)
        return ast.Binary(name, params[0], params[1])
    if name == "if":
        if len(params) != 3:
            raise _fail(f'"if" needs 3 params, got {len(params)}', where)
        return ast.If(*params)
    signature = SIGNATURES.get(name)
    if signature is None:
        raise _fail(f'unknown function "{name}"', f"{path}/fnName", suggest(name, method=None))
    target = None
    if signature.method:
        if not params:
            raise _fail(f'method "{name}" needs its target as the first param', where)
        target, params = params[0], params[1:]
    if not signature.accepts(len(params)):
        extra = " after the target" if signature.method else ""
        raise _fail(f'"{name}" takes {signature.arity()}{extra}, got {len(params)}', where)
    return ast.Call(name, target, params)


def _read_literal(node: JSON, path: str) -> ast.Expr:
    kind = _text(node, "literalType", path).lower()
    value: Any = node.get("value")
    where = f"{path}/value"
    if kind == "string":
        if not isinstance(value, str):
            raise _fail("a String literal needs a string value", where)
        return ast.String(value)
    if kind in ("integer", "int", "long"):
        if type(value) is not int:
            raise _fail("an integer literal needs a whole number value", where)
        return ast.Number(value)
    if kind in ("double", "float", "number", "decimal"):
        if type(value) not in (int, float) or not math.isfinite(value):
            raise _fail("a double literal needs a finite number value", where)
        return ast.Number(float(value))
    if kind == "boolean":
        if not isinstance(value, bool):
            raise _fail("a boolean literal needs true or false", where)
        return ast.Boolean(value)
    if kind == "null":
        return ast.Null()
    if kind == "xdmobject":
        if value != "profile":
            raise _fail('only the XDMObject literal "profile" is supported', where)
        return ast.Param(1)
    raise _fail(
        f'unknown literalType "{node["literalType"]}"',
        f"{path}/literalType",
        "literal types are String, integer, double, boolean and null",
    )


def _read_entries(node: JSON, path: str) -> tuple[tuple[str, ast.Expr], ...]:
    entries = []
    for i, entry in enumerate(_list(node, "entries", path)):
        where = f"{path}/entries/{i}"
        entry = _object(entry, where)
        value = _read(_get(entry, "value", where), f"{where}/value")
        entries.append((_text(entry, "key", where), value))
    return tuple(entries)


def _read_bindings(node: JSON, path: str) -> tuple[ast.Binding, ...]:
    bindings = []
    for i, item in enumerate(_list(node, "variables", path, nonempty=True)):
        where = f"{path}/variables/{i}"
        decl = _object(item, where)
        name = _identifier(_text(decl, "varName", where), f"{where}/varName")
        source = _read(_get(decl, "range", where), f"{where}/range")
        condition = None
        if decl.get("condition") is not None:
            condition = _read(decl["condition"], f"{where}/condition")
        bindings.append(ast.Binding(name, source, condition))
    return tuple(bindings)


def _read_tail(data: Any, path: str) -> ast.OccursTail:
    tail = _object(data, path)
    form = _choice(tail, "form", path, ("distance", "relation", "on", "between"))
    if form == "distance":
        op = _choice(tail, "comparison", path, ast.COMPARISONS)
        amount = _count(tail, "amount", path, 0)
        unit = _UNIT_SPELLINGS.get(_text(tail, "unit", path))
        if unit is None:
            hint = did_you_mean(tail["unit"], _UNIT_SPELLINGS)
            raise _fail(f'unknown time unit "{tail["unit"]}"', f"{path}/unit", hint)
        direction = _choice(tail, "direction", path, ast.DIRECTIONS)
        return ast.Distance(op, amount, unit, direction, _read_ref(tail, "reference", path))
    if form == "relation":
        direction = _choice(tail, "direction", path, ast.DIRECTIONS)
        return ast.Relation(direction, _read_ref(tail, "reference", path))
    if form == "between":
        return ast.Between(_read_ref(tail, "start", path), _read_ref(tail, "end", path))
    return ast.On(_read_ref(tail, "reference", path))


def _read_ref(tail: JSON, key: str, path: str) -> ast.TimeRef:
    where = f"{path}/{key}"
    ref = _object(_get(tail, key, path), where)
    if ref.get("nodeType") == "period":
        which = _choice(ref, "which", where, ast.PERIOD_WORDS)
        unit = _choice(ref, "unit", where, tuple(ast.UNITS))
        return ast.Period(which, unit)
    return _read(ref, where)


def _read_chain(node: JSON, path: str) -> ast.Expr:
    events = _read(_get(node, "events", path), f"{path}/events")
    time_field = _identifier(_text(node, "timeField", path), f"{path}/timeField")
    steps = []
    for i, item in enumerate(_list(node, "steps", path, nonempty=True)):
        where = f"{path}/steps/{i}"
        step = _object(item, where)
        label = _identifier(_text(step, "label", where), f"{where}/label")
        what = _read(_get(step, "what", where), f"{where}/what")
        when = _read_tail(step["when"], f"{where}/when") if "when" in step else None
        count = _count(step, "count", where, 1) if "count" in step else None
        extra = _read(step["where"], f"{where}/where") if "where" in step else None
        steps.append(ast.ChainStep(label, what, when, count, extra))
    return ast.Chain(events, time_field, tuple(steps))


# Field access with located errors ------------------------------------------------------------


def _object(data: Any, path: str) -> JSON:
    if not isinstance(data, dict):
        raise _fail(f"expected a JSON object, found {_kind(data)}", path)
    return data


def _get(node: JSON, key: str, path: str) -> Any:
    if key not in node:
        raise _fail(f'missing "{key}"', path)
    return node[key]


def _text(node: JSON, key: str, path: str) -> str:
    value = _get(node, key, path)
    if not isinstance(value, str):
        raise _fail(f'"{key}" must be a string, found {_kind(value)}', f"{path}/{key}")
    return value


def _word(node: JSON, key: str, path: str) -> str:
    value = _text(node, key, path)
    if not _WORD.match(value):
        raise _fail(
            f'"{value}" is not a valid PQL name',
            f"{path}/{key}",
            "names are letters, digits and _, not starting with a digit",
        )
    return value


def _identifier(name: str, path: str) -> str:
    if not _WORD.match(name) or name.lower() in KEYWORDS:
        raise _fail(
            f'"{name}" is not a valid PQL variable or field name',
            path,
            "names are letters, digits and _, not starting with a digit, and not reserved words",
        )
    return name


def _count(node: JSON, key: str, path: str, least: int) -> int:
    value = _get(node, key, path)
    if type(value) is not int or value < least:
        raise _fail(f'"{key}" must be a whole number >= {least}', f"{path}/{key}")
    return value


def _choice(node: JSON, key: str, path: str, options: tuple[str, ...]) -> str:
    value = _text(node, key, path)
    if value not in options:
        raise _fail(
            f'"{key}" must be one of {", ".join(options)}, found "{value}"',
            f"{path}/{key}",
            did_you_mean(value, options),
        )
    return value


def _list(node: JSON, key: str, path: str, *, nonempty: bool = False) -> list[Any]:
    value = _get(node, key, path)
    if not isinstance(value, list):
        raise _fail(f'"{key}" must be a list, found {_kind(value)}', f"{path}/{key}")
    if nonempty and not value:
        raise _fail(f'"{key}" must not be empty', f"{path}/{key}")
    return value


def _nodes(node: JSON, key: str, path: str) -> tuple[ast.Expr, ...]:
    return tuple(_read(item, f"{path}/{key}/{i}") for i, item in enumerate(_list(node, key, path)))


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), "a number"
    )
