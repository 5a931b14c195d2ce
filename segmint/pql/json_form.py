"""PQL JSON (``pql/json``, pql.md 1.12): the syntax tree as the commercial platform's JSON AST.

Adobe documents ``fnApply``, ``fieldLookup``, ``literal``, ``parameterReference``, ``varRef``,
``varDecl``, ``fnCreate`` and ``set``; Segmint uses them where they fit and names the rest:

==================  ===========================================================================
tree                JSON
==================  ===========================================================================
String, Number,     ``{"nodeType": "literal", "literalType": "String" | "integer" | "double" |
Boolean, Null       "boolean" | "null", "value": ...}``
operators, calls,   ``{"nodeType": "fnApply", "fnName": "=", "params": [...]}``; methods put
if                  the target first (``startsWith``: [target, prefix]); ``and``/``or`` take
                    two or more params; ``-`` with one param negates
Field               ``{"nodeType": "fieldLookup", "fieldName": "f", "object": node}``
Name                ``varRef`` (``varName``) where a variable is in scope, else a
                    ``fieldLookup`` without ``object``: a field of the implicit subject
Param               ``{"nodeType": "parameterReference", "position": 1}``
Lambda              ``{"nodeType": "fnCreate", "params": [{"varName": "P"}], "body": node}``
Select              ``{"nodeType": "set", "variables": [varDecl, ...]}`` with
                    ``{"nodeType": "varDecl", "varName": "X", "range": node, "condition": node}``
Quantifier          ``{"nodeType": "quantifier", "quantifier": "exists", "variables": [...]}``
Aggregate           ``{"nodeType": "aggregate", "fnName": "sum", "value": node,
                    "variables": [...]}`` (no ``value`` in ``sum X from A``)
Array, Object       ``{"nodeType": "array", "items": [...]}``,
                    ``{"nodeType": "object", "entries": [{"key": "k", "value": node}]}``
TimeWord, Parent    ``{"nodeType": "timeWord", "word": "now"}``,
                    ``{"nodeType": "parentReference", "levels": 2}``
Filter, Let         ``{"nodeType": "filter", "object": node, "condition": node}``,
                    ``{"nodeType": "let", "varName": "V", "value": node, "body": node}``
Occurs              ``{"nodeType": "occurs", "subject": node, "tail": {"form": "distance",
                    "comparison": "<=", "amount": 3, "unit": "day", "direction": "before",
                    "reference": node}}``; forms ``relation`` (direction, reference), ``on``
                    (reference), ``between`` (start, end); a reference may be
                    ``{"nodeType": "period", "which": "last", "unit": "month"}``
Chain               ``{"nodeType": "chain", "events": node, "timeField": "timestamp", "steps":
                    [{"label": "A", "what": node, "when": tail, "count": 5, "where": node}]}``
==================  ===========================================================================

Reading (``from_json``, in ``json_reader``) also accepts Adobe's ``literal`` of type
``XDMObject`` ``"profile"`` (the profile: $1) and n-ary ``and``/``or``. Malformed input raises
``PQLError`` located by a JSON-pointer path.
"""

from __future__ import annotations

from typing import Any

from segmint.pql import ast
from segmint.pql.json_reader import from_json

__all__ = ["from_json", "to_json"]

JSON = dict[str, Any]

_LOGICAL = frozenset(ast.LOGICAL_OPERATORS)


def to_json(expr: ast.Expr) -> JSON:
    """The ``pql/json`` form of ``expr``."""
    return _write(expr, frozenset())


def _write(expr: ast.Expr, scope: frozenset[str]) -> JSON:
    if isinstance(expr, ast.Name):
        if expr.name in scope:
            return {"nodeType": "varRef", "varName": expr.name}
        return {"nodeType": "fieldLookup", "fieldName": expr.name}
    if isinstance(expr, ast.Field):
        return {
            "nodeType": "fieldLookup",
            "fieldName": expr.name,
            "object": _write(expr.target, scope),
        }
    if isinstance(expr, ast.Binary):
        return _apply(expr.op, _operands(expr, scope))
    if isinstance(expr, ast.Call):
        params = [] if expr.target is None else [_write(expr.target, scope)]
        params.extend(_write(arg, scope) for arg in expr.args)
        return _apply(expr.name, params)
    if isinstance(expr, ast.String | ast.Number | ast.Boolean | ast.Null):
        return _literal(expr)
    if isinstance(expr, ast.Unary):
        return _apply(expr.op, [_write(expr.operand, scope)])
    if isinstance(expr, ast.If):
        parts = (expr.condition, expr.then, expr.otherwise)
        return _apply("if", [_write(part, scope) for part in parts])
    if isinstance(expr, ast.Param):
        return {"nodeType": "parameterReference", "position": expr.position}
    if isinstance(expr, ast.Parent):
        return {"nodeType": "parentReference", "levels": expr.levels}
    if isinstance(expr, ast.TimeWord):
        return {"nodeType": "timeWord", "word": expr.word}
    if isinstance(expr, ast.Array):
        return {"nodeType": "array", "items": [_write(item, scope) for item in expr.items]}
    if isinstance(expr, ast.Object):
        entries = [{"key": key, "value": _write(value, scope)} for key, value in expr.entries]
        return {"nodeType": "object", "entries": entries}
    if isinstance(expr, ast.Filter):
        return {
            "nodeType": "filter",
            "object": _write(expr.target, scope),
            "condition": _write(expr.condition, scope),
        }
    if isinstance(expr, ast.Occurs):
        return {
            "nodeType": "occurs",
            "subject": _write(expr.subject, scope),
            "tail": _write_tail(expr.tail, scope),
        }
    if isinstance(expr, ast.Lambda):
        return {
            "nodeType": "fnCreate",
            "params": [{"varName": name} for name in expr.params],
            "body": _write(expr.body, scope | set(expr.params)),
        }
    if isinstance(expr, ast.Let):
        return {
            "nodeType": "let",
            "varName": expr.name,
            "value": _write(expr.value, scope),
            "body": _write(expr.body, scope | {expr.name}),
        }
    if isinstance(expr, ast.Select):
        return {"nodeType": "set", "variables": _write_bindings(expr.bindings, scope)[0]}
    if isinstance(expr, ast.Quantifier):
        variables = _write_bindings(expr.bindings, scope)[0]
        return {"nodeType": "quantifier", "quantifier": expr.kind, "variables": variables}
    if isinstance(expr, ast.Aggregate):
        variables, inner = _write_bindings(expr.bindings, scope)
        data: JSON = {"nodeType": "aggregate", "fnName": expr.function}
        if expr.value is not None:
            data["value"] = _write(expr.value, inner)
        data["variables"] = variables
        return data
    if isinstance(expr, ast.Chain):
        return _write_chain(expr, scope)
    raise TypeError(f"not a PQL expression: {expr!r}")


def _apply(name: str, params: list[JSON]) -> JSON:
    return {"nodeType": "fnApply", "fnName": name, "params": params}


def _operands(expr: ast.Binary, scope: frozenset[str]) -> list[JSON]:
    """The operands of ``expr``; a chain of ``and`` (or ``or``) becomes one n-ary list."""
    if expr.op not in _LOGICAL:
        return [_write(expr.left, scope), _write(expr.right, scope)]
    rights: list[ast.Expr] = []
    node: ast.Expr = expr
    while isinstance(node, ast.Binary) and node.op == expr.op:
        rights.append(node.right)
        node = node.left
    return [_write(node, scope), *(_write(right, scope) for right in reversed(rights))]


def _literal(expr: ast.String | ast.Number | ast.Boolean | ast.Null) -> JSON:
    if isinstance(expr, ast.Null):
        return {"nodeType": "literal", "literalType": "null", "value": None}
    if isinstance(expr, ast.String):
        kind = "String"
    elif isinstance(expr, ast.Boolean):
        kind = "boolean"
    else:
        kind = "integer" if isinstance(expr.value, int) else "double"
    return {"nodeType": "literal", "literalType": kind, "value": expr.value}


def _write_bindings(
    bindings: tuple[ast.Binding, ...], scope: frozenset[str]
) -> tuple[list[JSON], frozenset[str]]:
    """The varDecls, and the scope after them (an aggregation's value sees every variable)."""
    variables = []
    for binding in bindings:
        data: JSON = {
            "nodeType": "varDecl",
            "varName": binding.name,
            "range": _write(binding.source, scope),
        }
        scope = scope | {binding.name}
        if binding.condition is not None:
            data["condition"] = _write(binding.condition, scope)
        variables.append(data)
    return variables, scope


def _write_tail(tail: ast.OccursTail, scope: frozenset[str]) -> JSON:
    if isinstance(tail, ast.Distance):
        return {
            "form": "distance",
            "comparison": tail.op,
            "amount": tail.amount,
            "unit": tail.unit,
            "direction": tail.direction,
            "reference": _write_ref(tail.ref, scope),
        }
    if isinstance(tail, ast.Relation):
        reference = _write_ref(tail.ref, scope)
        return {"form": "relation", "direction": tail.direction, "reference": reference}
    if isinstance(tail, ast.Between):
        start, end = _write_ref(tail.start, scope), _write_ref(tail.end, scope)
        return {"form": "between", "start": start, "end": end}
    return {"form": "on", "reference": _write_ref(tail.ref, scope)}


def _write_ref(ref: ast.TimeRef, scope: frozenset[str]) -> JSON:
    if isinstance(ref, ast.Period):
        return {"nodeType": "period", "which": ref.which, "unit": ref.unit}
    return _write(ref, scope)


def _write_chain(chain: ast.Chain, scope: frozenset[str]) -> JSON:
    events = _write(chain.events, scope)
    steps = []
    for step in chain.steps:
        data: JSON = {"label": step.label, "what": _write(step.what, scope)}
        if step.when is not None:
            data["when"] = _write_tail(step.when, scope)
        if step.count is not None:
            data["count"] = step.count
        if step.where is not None:
            data["where"] = _write(step.where, scope)
        steps.append(data)
        scope = scope | {step.label}  # later steps' WHEN may refer to this step
    return {
        "nodeType": "chain",
        "events": events,
        "timeField": chain.time_field,
        "steps": steps,
    }
