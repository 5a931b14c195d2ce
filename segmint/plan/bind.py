"""The binder: a PQL syntax tree, checked against the profile and event schemas, becomes a plan.

It resolves every name (variable, implicit field, ``$1``, lambda parameter, ``^`` parent, chain
label) and every path against the schemas, infers and checks types, makes Boolean coercions
explicit (``Truthy``), turns every ``occurs`` tail into a ``Window``, and normalises sugar:
``xEvent[c]``, ``.filter(c)`` and ``select`` become ``Filter``; ``.count()``, ``.sum(e)`` and
``sum e over ...`` become ``Aggregate``; bindings over several variables nest. Anything it cannot
give a meaning is a ``PQLError`` located at the offending node, with a hint.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from segmint.errors import Location, PQLError, did_you_mean
from segmint.plan import types as t
from segmint.plan import windows
from segmint.plan.calls import CallBinder
from segmint.plan.nodes import (
    And,
    Arith,
    Compare,
    Events,
    Get,
    If,
    In,
    InSegment,
    Let,
    ListOf,
    Literal,
    Neg,
    Node,
    Not,
    Occurs,
    Or,
    Period,
    Plan,
    Profile,
    Sequence,
    Step,
    TimeAnchor,
    Truthy,
    Var,
    Window,
    conjunction,
    type_of,
)
from segmint.plan.scope import Scope, field_names, lookup_field
from segmint.plan.types import NUMERIC, TEMPORAL, Kind, Type
from segmint.pql import ast
from segmint.pql.source import PQLSyntaxError
from segmint.schema.model import Schema

_N = TypeVar("_N", bound=ast.Expr)
_ORDERING = ("<", ">", "<=", ">=")
_COMPUTED_ONLY = (
    "is a computed-attribute construct, not supported in segment definitions",
    "segment on a computed attribute instead, or express the condition with count() or sum()",
)


def bind(
    tree: ast.Expr, profile_schema: Schema, event_schema: Schema, *, source: str | None = None
) -> Plan:
    """Bind a parsed definition. Pass the PQL ``source`` text to get errors that quote it."""
    binder = Binder(profile_schema, event_schema, source)
    root = binder.root(tree)
    return Plan(
        root,
        frozenset(binder.segments),
        _leaves(event_schema, binder.event_fields),
        _leaves(profile_schema, binder.profile_fields),
    )


def _leaves(schema: Schema, paths: set[str]) -> frozenset[str]:
    """The schema leaves read: each leaf path, and every leaf under an object read whole."""
    found: set[str] = set()
    for path in paths:
        if path in schema.fields:
            found.add(path)
        elif not any(other.startswith(path + ".") for other in paths):
            found.update(leaf for leaf in schema.fields if leaf.startswith(path + "."))
    return frozenset(found)


class Binder(CallBinder):
    """One use: binds one definition and collects what it depends on."""

    def __init__(self, profile: Schema, event: Schema, source: str | None) -> None:
        self._schemas = {"profile": profile, "event": event}
        self._source = source
        self.segments: set[str] = set()
        self.event_fields: set[str] = set()
        self.profile_fields: set[str] = set()
        self._handlers: dict[type[ast.Expr], Callable[[ast.Expr, Scope], Node]] = {
            ast.String: lambda e, s: Literal(_as(e, ast.String).value, t.STRING),
            ast.Number: self._number,
            ast.Boolean: lambda e, s: Literal(_as(e, ast.Boolean).value, t.BOOLEAN),
            ast.Null: lambda e, s: Literal(None, t.NULL),
            ast.Array: self._array,
            ast.TimeWord: lambda e, s: TimeAnchor(_as(e, ast.TimeWord).word),
            ast.Name: self._name,
            ast.Param: self._param,
            ast.Parent: self._parent,
            ast.Field: self._field_access,
            ast.Binary: self._binary,
            ast.Unary: self._unary,
            ast.Occurs: self._occurs,
            ast.If: self._if,
            ast.Let: self._let,
            ast.Chain: self._chain,
            ast.Call: self.call,
            ast.Filter: self.bracket_filter,
            ast.Select: self.select,
            ast.Quantifier: self.quantifier,
            ast.Aggregate: self.long_aggregate,
            ast.Lambda: self._misplaced_lambda,
            ast.Object: self._object,
        }

    # Entry points -------------------------------------------------------------------------------

    def root(self, tree: ast.Expr) -> Node:
        scope = Scope()
        if isinstance(tree, ast.Lambda):
            if len(tree.params) != 1:
                raise self.error(
                    f"a segment definition has one parameter, the profile; "
                    f"this lambda has {len(tree.params)}",
                    tree,
                    "write (Profile) => CONDITION",
                )
            scope = scope.with_name(tree.params[0], Profile())
            tree = tree.body
        return self.condition(tree, scope)

    def value(self, expr: ast.Expr, scope: Scope) -> Node:
        return self._handlers[type(expr)](expr, scope)

    def condition(self, expr: ast.Expr, scope: Scope) -> Node:
        """``expr`` in a Boolean position: a non-Boolean value is tested for presence."""
        if isinstance(expr, ast.Select) and len(expr.bindings) > 1:
            return self.nested_quantifier("exists", expr.bindings, scope)
        node = self.value(expr, scope)
        return node if type_of(node) == t.BOOLEAN else Truthy(node)

    def error(self, message: str, at: ast.Node, hint: str | None = None) -> PQLError:
        span = at.span
        if span is None:
            return PQLError(message, hint=hint)
        if self._source is not None:
            return PQLSyntaxError(
                message, source=self._source, line=span.line, column=span.column, hint=hint
            )
        return PQLError(message, location=Location(line=span.line, column=span.column), hint=hint)

    def computed_only(self, what: str, at: ast.Node) -> PQLError:
        return self.error(f"{what} {_COMPUTED_ONLY[0]}", at, _COMPUTED_ONLY[1])

    # Literals and names -------------------------------------------------------------------------

    def _number(self, expr: ast.Expr, scope: Scope) -> Node:
        value = _as(expr, ast.Number).value
        return Literal(value, t.INTEGER if isinstance(value, int) else t.NUMBER)

    def _array(self, expr: ast.Expr, scope: Scope) -> Node:
        items = tuple(self.value(item, scope) for item in _as(expr, ast.Array).items)
        common: Type = t.NULL
        for item, written in zip(items, _as(expr, ast.Array).items, strict=True):
            kind = type_of(item)
            unified = t.unify(common, kind) if not kind.many else None
            if unified is None or kind.kind in (Kind.OBJECT, Kind.MAP):
                raise self.error(
                    f"a list holds values of one type; this item is {kind.describe()}",
                    written,
                    "write a list of strings, numbers, Booleans or dates",
                )
            common = unified
        return ListOf(items, (t.ANY if common.kind is Kind.NULL else common).listed())

    def _object(self, expr: ast.Expr, scope: Scope) -> Node:
        raise self.computed_only("an object constructor {...}", expr)

    def _misplaced_lambda(self, expr: ast.Expr, scope: Scope) -> Node:
        raise self.error(
            "a lambda may only be the whole definition or the argument of a method",
            expr,
            "write (Profile) => CONDITION, or ARRAY.sum((X) => X.value)",
        )

    def _name(self, expr: ast.Expr, scope: Scope) -> Node:
        name = _as(expr, ast.Name).name
        found = scope.lookup(name)
        if found is not None:
            return found
        if name == "xEvent":
            return Events()
        return self.field(scope.subjects[-1], name, expr)

    def _param(self, expr: ast.Expr, scope: Scope) -> Node:
        position = _as(expr, ast.Param).position
        if position != 1:
            raise self.error(
                f"${position} does not exist: a segment definition has one parameter, $1, "
                "the profile",
                expr,
                "write $1.FIELD, or just FIELD",
            )
        return Profile()

    def _parent(self, expr: ast.Expr, scope: Scope) -> Node:
        levels = _as(expr, ast.Parent).levels
        if levels >= len(scope.subjects):
            raise self.error(
                f"{'^' * levels} climbs {levels} level(s), but only {len(scope.subjects) - 1} "
                "enclosing filter(s) are here",
                expr,
                "^ refers to the item of the enclosing [...] filter, ^^ to the one around it",
            )
        return scope.subjects[-1 - levels]

    def _field_access(self, expr: ast.Expr, scope: Scope) -> Node:
        access = _as(expr, ast.Field)
        return self.field(self.value(access.target, scope), access.name, expr)

    def field(self, target: Node, name: str, at: ast.Expr) -> Get:
        """``target.name``, checked against the schema of ``target``'s object type."""
        parent = type_of(target)
        if parent.kind is not Kind.OBJECT:
            hint = f'read a map entry with .get("{name}")' if parent.kind is Kind.MAP else None
            raise self.error(f'{parent.describe()} has no field "{name}"', at, hint)
        schema = self._schemas[parent.scope]
        found = lookup_field(schema, parent, name)
        if found is None:
            where = f'under "{parent.path.replace("[]", "")}" ' if parent.path else ""
            raise self.error(
                f'unknown field "{name}" {where}in the {parent.scope} schema',
                at,
                _suggest(name, field_names(schema, parent)),
            )
        kind, path = found
        (self.event_fields if parent.scope == "event" else self.profile_fields).add(path)
        return Get(target, name, kind)

    # Operators ----------------------------------------------------------------------------------

    def _binary(self, expr: ast.Expr, scope: Scope) -> Node:
        binary = _as(expr, ast.Binary)
        op = binary.op
        if op in ("and", "or"):
            joined = And if op == "and" else Or
            items: list[Node] = []
            for side in (binary.left, binary.right):
                item = self.condition(side, scope)
                items.extend(item.items if isinstance(item, joined) else (item,))
            return joined(tuple(items))
        if op in ast.COMPARISONS:
            return self._compare(binary, scope)
        if op in ("in", "notIn"):
            return self._in(binary, scope)
        if op in ("like", "matches"):
            return self.builtin(op, (binary.left, binary.right), binary, scope)
        left, right = self.value(binary.left, scope), self.value(binary.right, scope)
        self._numeric(left, binary.left, f'"{op}"')
        self._numeric(right, binary.right, f'"{op}"')
        return Arith(op, left, right)

    def _unary(self, expr: ast.Expr, scope: Scope) -> Node:
        unary = _as(expr, ast.Unary)
        if unary.op == "not":
            return Not(self.condition(unary.operand, scope))
        operand = self.value(unary.operand, scope)
        self._numeric(operand, unary.operand, 'minus "-"')
        return Neg(operand)

    def _numeric(self, node: Node, at: ast.Expr, what: str) -> None:
        kind = type_of(node)
        if kind.many or kind.kind not in (*NUMERIC, Kind.NULL, Kind.ANY):
            raise self.error(f"{what} needs numbers, got {kind.describe()}", at)

    def _compare(self, binary: ast.Binary, scope: Scope) -> Node:
        left = self.value(binary.left, scope)
        right = self.value(binary.right, scope)
        left, right = _coerce(left, right), _coerce(right, left)
        lt, rt = type_of(left), type_of(right)
        if Kind.NULL in (lt.kind, rt.kind):
            raise self.error(
                "a comparison with null is never true (a missing value fails every comparison)",
                binary,
                "test presence with .isNull() or .isNotNull()",
            )
        if binary.op in _ORDERING:
            for node, kind, side in ((left, lt, binary.left), (right, rt, binary.right)):
                if kind.kind in TEMPORAL:
                    raise self.error(
                        f'"{binary.op}" compares numbers; times are compared with occurs',
                        side,
                        "write T occurs before date(2024, 1, 1), or T occurs <= 3 days before now",
                    )
                self._numeric(_single(node), side, f'"{binary.op}"')
            if lt.many and rt.many:
                raise self.error(f'"{binary.op}" cannot compare two lists', binary)
        elif t.unify(lt.item(), rt.item()) is None:
            raise self.error(
                f"cannot compare {lt.describe()} with {rt.describe()}",
                binary,
                "compare values of the same type, e.g. a string field with a quoted string",
            )
        return Compare(binary.op, left, right)

    def _in(self, binary: ast.Binary, scope: Scope) -> Node:
        value = self.value(binary.left, scope)
        items = self.value(binary.right, scope)
        vt, it = type_of(value), type_of(items)
        if not it.many:
            raise self.error(
                f'the right side of "{binary.op}" must be a list, got {it.describe()}',
                binary.right,
                'write VALUE in ["a", "b"] or VALUE in ARRAY_FIELD',
            )
        if t.unify(vt.item(), it.item()) is None or vt.kind in (Kind.OBJECT, Kind.MAP):
            raise self.error(f"cannot look for {vt.describe()} in {it.describe()}", binary)
        return In(value, items, binary.op == "notIn")

    def _if(self, expr: ast.Expr, scope: Scope) -> Node:
        choice = _as(expr, ast.If)
        then = self.value(choice.then, scope)
        otherwise = self.value(choice.otherwise, scope)
        if t.unify(type_of(then), type_of(otherwise)) is None:
            raise self.error(
                f"the branches of if have different types: {type_of(then).describe()} and "
                f"{type_of(otherwise).describe()}",
                expr,
            )
        return If(self.condition(choice.condition, scope), then, otherwise)

    def _let(self, expr: ast.Expr, scope: Scope) -> Node:
        let = _as(expr, ast.Let)
        value = self.value(let.value, scope)
        inner = scope.with_name(let.name, Var(let.name, type_of(value)))
        return Let(let.name, value, self.value(let.body, inner))

    # Time ---------------------------------------------------------------------------------------

    def _occurs(self, expr: ast.Expr, scope: Scope) -> Node:
        occurs = _as(expr, ast.Occurs)
        subject = self.value(occurs.subject, scope)
        kind = type_of(subject)
        if kind.kind not in TEMPORAL:
            raise self.error(
                f"occurs needs a date or a timestamp, got {kind.describe()}",
                occurs.subject,
                "write TIMESTAMP_FIELD occurs ..., e.g. timestamp occurs <= 7 days before now",
            )
        found = [Occurs(subject, window) for window in self.windows(occurs.tail, scope)]
        return found[0] if len(found) == 1 else Or(tuple(found))

    def windows(self, tail: ast.OccursTail, scope: Scope) -> list[Window]:
        if isinstance(tail, ast.Distance):
            anchor, point = self._anchor(tail.ref, scope)
            after = tail.direction != "before"
            return windows.distance(tail.op, tail.amount, tail.unit, after, anchor, point)
        if isinstance(tail, ast.Relation):
            anchor, point = self._anchor(tail.ref, scope)
            return [windows.relation(tail.direction != "before", anchor, point)]
        if isinstance(tail, ast.On):
            anchor, point = self._anchor(tail.ref, scope)
            return [windows.between(anchor, anchor, point)]
        start, _ = self._anchor(tail.start, scope)
        end, point = self._anchor(tail.end, scope)
        return [windows.between(start, end, point)]

    def _anchor(self, ref: ast.TimeRef, scope: Scope) -> tuple[Node, bool]:
        """A time reference and whether it is an instant (else an interval)."""
        if isinstance(ref, ast.Period):
            return Period(ref.which, ref.unit), False
        if isinstance(ref, ast.Name) and ref.name in scope.labels:
            label = scope.lookup(ref.name)
            if label is not None:
                return Get(label, scope.time_field, t.DATETIME), True
        node = self.value(ref, scope)
        kind = type_of(node)
        if kind.kind not in TEMPORAL or kind.many:
            raise self.error(
                f"a time reference must be one date or timestamp, got {kind.describe()}",
                ref,
                'use now, today, "last month", date(2024, 1, 31), a timestamp field or a '
                "chain step label",
            )
        return node, kind.kind is Kind.DATETIME

    def _chain(self, expr: ast.Expr, scope: Scope) -> Node:
        chain = _as(expr, ast.Chain)
        source = self.value(chain.events, scope)
        kind = type_of(source)
        if kind.kind is not Kind.OBJECT or not kind.many:
            raise self.error(
                f"chain needs a list of events, got {kind.describe()}", chain.events,
                "write chain(xEvent, timestamp, [...])",
            )  # fmt: skip
        item = kind.item()
        time = lookup_field(self._schemas[item.scope], item, chain.time_field)
        if time is None or time[0] != t.DATETIME:
            raise self.error(
                f'"{chain.time_field}" is not a timestamp field of these events',
                chain, "write chain(xEvent, timestamp, [...])",
            )  # fmt: skip
        self.event_fields.add(time[1])
        steps: list[Step] = []
        outer = scope
        for step in chain.steps:
            if step.label in outer.labels:
                raise self.error(f'the step label "{step.label}" is used twice', step)
            event = Var(step.label, item)
            inner = outer.with_name(step.label, event).with_subject(event)
            parts = [self.condition(step.what, inner)]
            if step.where is not None:
                parts.append(self.condition(step.where, inner))
            window = None
            if step.when is not None:
                found = self.windows(step.when, outer)
                if len(found) != 1:
                    raise self.error(
                        "WHEN(!= ...) is not supported in a chain step",
                        step,
                        "use WHEN(< ...) or WHEN(> ...), or two definitions joined with or",
                    )
                window = found[0]
            steps.append(Step(step.label, conjunction(parts), window, step.count or 1))
            outer = outer.with_name(step.label, event).with_label(step.label, chain.time_field)
        return Sequence(source, chain.time_field, tuple(steps))

    def in_segment(self, call: ast.Call) -> Node:
        if len(call.args) != 1 or not isinstance(call.args[0], ast.String):
            raise self.error(
                "inSegment takes the id or name of a segment as a quoted string",
                call, 'write inSegment("segment id or name")',
            )  # fmt: skip
        self.segments.add(call.args[0].value)
        return InSegment(call.args[0].value)


def _suggest(name: str, candidates: list[str]) -> str | None:
    """A "did you mean", preferring a slip of case (``sku`` for ``SKU``)."""
    for candidate in candidates:
        if candidate.lower() == name.lower():
            return f'did you mean "{candidate}"?'
    return did_you_mean(name, candidates)


def _as(expr: ast.Expr, cls: type[_N]) -> _N:
    assert isinstance(expr, cls)
    return expr


def _single(node: Node) -> Node:
    """A stand-in with the item type of a list, for checks that apply to every element."""
    kind = type_of(node)
    return Literal(None, kind.item()) if kind.many else node


def _coerce(node: Node, other: Node) -> Node:
    """A string literal compared with a Boolean or number becomes one, when it reads as one."""
    target = type_of(other).kind
    if not isinstance(node, Literal) or not isinstance(node.value, str):
        return node
    text = node.value.strip()
    if target is Kind.BOOLEAN and text.lower() in ("true", "false"):
        return Literal(text.lower() == "true", t.BOOLEAN)
    if target in NUMERIC:
        try:
            number: int | float = int(text)
        except ValueError:
            try:
                number = float(text)
            except ValueError:
                return node
        return Literal(number, t.INTEGER if isinstance(number, int) else t.NUMBER)
    return node
