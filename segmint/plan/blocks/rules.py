"""Conditions (``field operator value``) as plan predicates, and back.

Each operator builds the node the binder builds for its PQL spelling: ``equals`` is ``=`` (or
``.equals(v, false)`` when case does not matter), ``contains`` is ``.contains(v, flag)``,
``in`` is ``in [...]``, ``exists`` is ``.isNotNull()``, ``between`` two numbers is
``>= a and <= b``, and a date operator is an ``occurs`` window. A field read through an array
(``productListItems.SKU``) is a projection, so every comparison on it is existential.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import get_args

from segmint.errors import Location, PQLError, did_you_mean
from segmint.plan import types as t
from segmint.plan.blocks.model import Condition, Operator, Scalar, TimeConstraint, TimeKind
from segmint.plan.blocks.timing import time_of, window_of
from segmint.plan.nodes import And, Call, Compare, Get, In, ListOf, Literal, Node, Occurs, type_of
from segmint.plan.regex import regex_problem
from segmint.plan.scope import lookup_field
from segmint.plan.types import NUMERIC, TEMPORAL, Kind
from segmint.schema.model import Schema

_PRESENCE: tuple[Operator, ...] = ("exists", "doesNotExist")
_CALLS: tuple[Operator, ...] = (
    "contains", "doesNotContain", "startsWith", "doesNotStartWith", "endsWith", "doesNotEndWith",
)  # fmt: skip
_COMPARE: dict[Operator, str] = {
    "equals": "=",
    "doesNotEqual": "!=",
    "greaterThan": ">",
    "lessThan": "<",
    "atLeast": ">=",
    "atMost": "<=",
}
_OPERATORS_OF_COMPARE = {op: name for name, op in _COMPARE.items()}
_TIME_KINDS: tuple[TimeKind, ...] = get_args(TimeKind)
_STRING: tuple[Operator, ...] = (
    "equals", "doesNotEqual", *_CALLS, "in", "notIn", "matches", "like", *_PRESENCE,
)  # fmt: skip
_NUMBER: tuple[Operator, ...] = (*_COMPARE, "between", "in", "notIn", *_PRESENCE)
_BOOLEAN: tuple[Operator, ...] = ("isTrue", "isFalse", *_PRESENCE)
_TIME: tuple[Operator, ...] = (*_TIME_KINDS, *_PRESENCE)
_CASED: tuple[Operator, ...] = ("equals", "doesNotEqual", *_CALLS, "in")


def operators(kind: Kind) -> tuple[Operator, ...]:
    """The operators that apply to a field of this kind."""
    if kind is Kind.STRING:
        return _STRING
    if kind in NUMERIC:
        return _NUMBER
    if kind is Kind.BOOLEAN:
        return _BOOLEAN
    return _TIME if kind in TEMPORAL else _PRESENCE


@dataclass
class Fields:
    """Resolves dotted field paths of one schema, recording the schema leaves read."""

    schema: Schema
    read: set[str] = field(default_factory=set)

    def get(self, root: Node, path: str, at: str) -> Get:
        """``root.path`` as a chain of ``Get``s; ``at`` is the JSON path of the field, for
        errors."""
        node: Node = root
        schema_path = ""
        for name in path.split("."):
            found = lookup_field(self.schema, type_of(node), name)
            if found is None:
                raise PQLError(
                    f'unknown field "{path}" in the {self.schema.schema_class} schema',
                    location=Location(field=at),
                    hint=did_you_mean(path, self.paths()),
                )
            kind, schema_path = found
            node = Get(node, name, kind)
        if type_of(node).kind is Kind.OBJECT:
            inside = [name for name in self.paths() if name.startswith(path + ".")]
            raise PQLError(
                f'"{path}" is an object; a rule tests one of its fields',
                location=Location(field=at),
                hint="pick a field such as " + ", ".join(f'"{name}"' for name in inside[:3]),
            )
        assert isinstance(node, Get)
        self.read.add(schema_path)
        return node

    def paths(self) -> list[str]:
        return sorted(path.replace("[]", "") for path in self.schema.fields)


def condition_node(rule: Condition, subject: Get, at: str) -> Node:
    """The predicate of ``rule`` on the resolved field ``subject``; ``at`` is the rule's JSON
    path."""
    kind = type_of(subject).kind
    op = rule.operator
    if op not in operators(kind):
        raise _error(
            f'"{op}" does not apply to {rule.field}, a {kind} field', at, "operator",
            "use one of: " + ", ".join(operators(kind)),
        )  # fmt: skip
    if not rule.case_sensitive and (op not in _CASED or kind is not Kind.STRING):
        raise _error(
            f'"{op}" has no case-insensitive form', at, "caseSensitive",
            "caseSensitive applies to: " + ", ".join(_CASED),
        )  # fmt: skip
    if kind in TEMPORAL and op in _TIME_KINDS:
        return Occurs(subject, window_of(_time(rule, at), at))
    if rule.unit is not None:
        raise _error(f'"{op}" takes no unit', at, "unit", "remove unit")
    if op in (*_PRESENCE, "isTrue", "isFalse"):
        if rule.value is not None:
            raise _error(f'"{op}" takes no value', at, "value", "remove value")
        if op in _PRESENCE:
            return Call("isNotNull" if op == "exists" else "isNull", (subject,), t.BOOLEAN)
        return Compare("=", subject, Literal(op == "isTrue", t.BOOLEAN))
    if op in ("in", "notIn", "between"):
        return _listed(rule, subject, kind, at)
    value = _literal(rule.value, kind, at, "value")
    if op in _COMPARE and rule.case_sensitive:
        return Compare(_COMPARE[op], subject, value)
    flag = (Literal(rule.case_sensitive, t.BOOLEAN),)
    if op in ("equals", "doesNotEqual"):
        name = "equals" if op == "equals" else "notEqualTo"
        return Call(name, (subject, value, *flag), t.BOOLEAN)
    if op == "matches":
        problem = regex_problem(str(rule.value))
        if problem is not None:
            raise _error(f"unsupported regex: {problem}", at, "value",
                         "use the regex subset Python, DuckDB and Spark read alike")  # fmt: skip
    return Call(op, (subject, value, *(flag if op in _CALLS else ())), t.BOOLEAN)


def _listed(rule: Condition, subject: Get, kind: Kind, at: str) -> Node:
    values = rule.value
    if not isinstance(values, list) or not values:
        example = "[10, 20]" if rule.operator == "between" else '["a", "b"]'
        raise _error(f'"{rule.operator}" needs a list of values', at, "value", f"write {example}")
    items = [_literal(item, kind, at, f"value[{n}]") for n, item in enumerate(values)]
    if rule.operator == "between":
        if len(items) != 2:
            raise _error("between needs two values, the lowest and the highest", at, "value")
        return And((Compare(">=", subject, items[0]), Compare("<=", subject, items[1])))
    if not rule.case_sensitive:
        return Call("equals", (subject, *items, Literal(False, t.BOOLEAN)), t.BOOLEAN)
    common = t.STRING if kind is Kind.STRING else t.NUMBER
    if all(item.type == t.INTEGER for item in items):
        common = t.INTEGER
    return In(subject, ListOf(tuple(items), common.listed()), rule.operator == "notIn")


def _literal(value: object, kind: Kind, at: str, where: str) -> Literal:
    if kind is Kind.STRING and isinstance(value, str):
        return Literal(value, t.STRING)
    if kind in NUMERIC and isinstance(value, int | float) and not isinstance(value, bool):
        return Literal(value, t.INTEGER if isinstance(value, int) else t.NUMBER)
    wanted = "a number" if kind in NUMERIC else "a string"
    if value is None:
        raise _error(f"this operator needs {wanted}", at, where)
    raise _error(f"needs {wanted}, got {json.dumps(value)}", at, where)


def _time(rule: Condition, at: str) -> TimeConstraint:
    """A date operator's value as a time constraint."""
    op, value = rule.operator, rule.value
    assert op in _TIME_KINDS
    counted = op in ("inLast", "inNext") or (op == "before" and isinstance(value, int))
    if counted:
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise _error(f'"{op}" needs a whole number of units, 1 or more', at, "value")
        if rule.unit is None:
            raise _error(f'"{op}" needs a unit', at, "unit", 'add "unit": "days"')
        return TimeConstraint(kind=op, amount=value, unit=rule.unit)
    if rule.unit is not None:
        raise _error(f'"{op}" takes no unit', at, "unit", "remove unit")
    if op == "between":
        if not isinstance(value, list) or len(value) != 2:
            hint = 'write ["2024-01-01", "2024-01-31"]'
            raise _error("between needs two dates", at, "value", hint)
        start, end = (_date(item, at, f"value[{n}]") for n, item in enumerate(value))
        return TimeConstraint(kind=op, start=start, end=end)
    if op in ("before", "after", "on"):
        return TimeConstraint(kind=op, date=_date(value, at, "value"))
    if value is not None:
        raise _error(f'"{op}" takes no value', at, "value", "remove value")
    return TimeConstraint(kind=op)


def _date(value: object, at: str, where: str) -> dt.date:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise _error(f"needs a date, got {json.dumps(value)}", at, where, 'write "YYYY-MM-DD"')


def _error(message: str, at: str, where: str, hint: str | None = None) -> PQLError:
    return PQLError(message, location=Location(field=f"{at}.{where}"), hint=hint)


# Back from nodes ----------------------------------------------------------------------------


def path_of(node: Node, root: Node) -> str | None:
    """The dotted path of a ``Get`` chain from ``root``, or None if ``node`` is not one."""
    names: list[str] = []
    while isinstance(node, Get):
        names.append(node.field)
        node = node.target
    return ".".join(reversed(names)) if names and node == root else None


def read_condition(node: Node, root: Node) -> Condition | None:
    """The condition on a field of ``root`` that builds ``node``, or None if there is none."""
    found = _read(node, root)
    if found is None or found.operator not in operators(type_of(_subject(node)).kind):
        return None
    return found


def _subject(node: Node) -> Node:
    """The field a condition's node tests: its first operand."""
    if isinstance(node, And):
        return _subject(node.items[0])
    if isinstance(node, Occurs):
        return node.subject
    if isinstance(node, In):
        return node.value
    if isinstance(node, Compare):
        return node.left
    assert isinstance(node, Call)
    return node.args[0]


def _read(node: Node, root: Node) -> Condition | None:
    if isinstance(node, Occurs):
        path, time = path_of(node.subject, root), time_of(node.window)
        return None if path is None or time is None else _time_condition(path, time)
    if isinstance(node, And):
        return _between(node, root)
    if isinstance(node, In) and isinstance(node.items, ListOf):
        values = _values(node.items.items)
        path = path_of(node.value, root)
        if path is None or values is None:
            return None
        return Condition(field=path, operator="notIn" if node.negated else "in", value=values)
    if isinstance(node, Compare):
        return _compare(node, root)
    if isinstance(node, Call) and node.args:
        return _call(node, root)
    return None


def _compare(node: Compare, root: Node) -> Condition | None:
    path = path_of(node.left, root)
    values = _values((node.right,))
    if path is None or values is None:
        return None
    value = values[0]
    if type_of(node.left).kind is Kind.BOOLEAN:
        if node.op != "=" or not isinstance(value, bool):
            return None
        return Condition(field=path, operator="isTrue" if value else "isFalse")
    return Condition(field=path, operator=_OPERATORS_OF_COMPARE[node.op], value=value)


def _call(node: Call, root: Node) -> Condition | None:
    path = path_of(node.args[0], root)
    values = _values(node.args[1:])
    name = node.function
    if path is None or values is None:
        return None
    if name in ("isNotNull", "isNull") and not values:
        return Condition(field=path, operator="exists" if name == "isNotNull" else "doesNotExist")
    if name in ("matches", "like") and len(values) == 1:
        return Condition(field=path, operator=name, value=values[0])
    if len(values) < 2 or not isinstance(values[-1], bool):
        return None
    *words, cased = values
    if name in _CALLS and len(words) == 1:
        return Condition(field=path, operator=name, value=words[0], case_sensitive=cased)
    if name == "notEqualTo" and len(words) == 1:
        return Condition(field=path, operator="doesNotEqual", value=words[0], case_sensitive=cased)
    if name != "equals":
        return None
    if len(words) == 1:
        return Condition(field=path, operator="equals", value=words[0], case_sensitive=cased)
    return Condition(field=path, operator="in", value=words, case_sensitive=cased)


def _between(node: And, root: Node) -> Condition | None:
    """``f >= a and f <= b`` over a number field: ``between``."""
    if len(node.items) != 2:
        return None
    low, high = node.items
    if not (isinstance(low, Compare) and isinstance(high, Compare)):
        return None
    path = path_of(low.left, root)
    values = _values((low.right, high.right))
    if (low.op, high.op) != (">=", "<=") or low.left != high.left or values is None:
        return None
    if path is None or type_of(low.left).kind not in NUMERIC:
        return None
    return Condition(field=path, operator="between", value=values)


def _values(nodes: tuple[Node, ...]) -> list[Scalar] | None:
    """The values of literal nodes, or None if any node is not a present literal."""
    found: list[Scalar] = []
    for node in nodes:
        if not isinstance(node, Literal) or node.value is None:
            return None
        found.append(node.value)
    return found


def _time_condition(path: str, time: TimeConstraint) -> Condition:
    value: Scalar | list[Scalar] | None = time.amount
    if time.date is not None:
        value = time.date.isoformat()
    elif time.start is not None and time.end is not None:
        value = [time.start.isoformat(), time.end.isoformat()]
    return Condition(field=path, operator=time.kind, value=value, unit=time.unit)


def pair_betweens(items: tuple[Node, ...], root: Node) -> list[Node]:
    """``items`` of a conjunction with each adjacent ``>= a``, ``<= b`` pair on the same number
    field of ``root`` joined into the ``And`` a ``between`` builds (the binder flattens it)."""
    paired: list[Node] = []
    for item in items:
        if paired and not isinstance(paired[-1], And):
            candidate = And((paired[-1], item))
            if _between(candidate, root) is not None:
                paired[-1] = candidate
                continue
        paired.append(item)
    return paired
