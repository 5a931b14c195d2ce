"""The plan compiled once into Python closures ``fn(context, env)``: no tree walk per
evaluation. Each rule is the reference interpreter's, applied through ``semantics`` and
``builtins``; closures that read something depending on as_of note when it could change.

Variables live in one mutable ``env`` per evaluation: a binding is set, used and restored, so
binding an item costs no dict copy.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable
from datetime import date
from typing import Any

from segmint.evaluate import builtins
from segmint.evaluate.edge.context import TICK, UNSET, Context, Env, Test, either, every, restore
from segmint.evaluate.edge.memo import Version, memoized
from segmint.evaluate.edge.ranges import KeptSelection, Leaving, Select, measured, windowed
from segmint.evaluate.edge.sequence import compile_sequence
from segmint.evaluate.edge.types import Types, reads
from segmint.evaluate.edge.windows import CompiledWindow
from segmint.plan import calendar, semantics
from segmint.plan.nodes import (
    Aggregate,
    And,
    Arith,
    Call,
    Compare,
    Events,
    Filter,
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
    Profile,
    Quantify,
    Sequence,
    TimeAnchor,
    TopN,
    Truthy,
    Var,
)

Fn = Callable[[Context, Env], Any]

#: When each function of the evaluation instant next changes: the start of the next period.
_NOW_PERIODS = {"currentYear": "year", "currentMonth": "month", "currentDayOfMonth": "day"}


@functools.singledispatch
def value(node: Node) -> Fn:
    """``node`` as a value; a predicate's value is its truth."""
    if type(node) in truth.registry and type(node) is not Node:
        return truth(node)
    raise TypeError(f"the edge evaluator cannot compile {type(node).__name__}")


@functools.singledispatch
def truth(node: Node) -> Test:
    """``node`` in a Boolean position: only a present true is true."""
    run = value(node)
    return lambda c, e: run(c, e) is True


def items(source: Node, types: Types = None) -> Fn:
    """The items a collection node ranges over: a missing value is none, a scalar is one.
    Over ``xEvent`` with ``types`` (what the node's condition lets through, ``edge.types``),
    only the events a type test can hold for: the others cannot pass the condition."""
    if isinstance(source, Events) and types is not None:

        def typed(c: Context, e: Env) -> list[dict[str, Any]]:
            c.note(c.upcoming)
            return c.typed(types)

        return typed
    run = value(source)

    def collect(c: Context, e: Env) -> list[Any]:
        found = run(c, e)
        if found is None:
            return []
        return found if isinstance(found, list) else [found]

    return collect


# Values -------------------------------------------------------------------------------------


@value.register
def _literal(node: Literal) -> Fn:
    constant = node.value
    return lambda c, e: constant


@value.register
def _list_of(node: ListOf) -> Fn:
    literals = [item.value for item in node.items if isinstance(item, Literal)]
    if len(literals) == len(node.items):  # built once: nothing mutates a value it reads
        constant = [item for item in literals if item is not None]
        return lambda c, e: constant
    parts = [value(item) for item in node.items]

    def run(c: Context, e: Env) -> list[Any]:
        found = (part(c, e) for part in parts)
        return [item for item in found if item is not None]

    return run


@value.register
def _time_anchor(node: TimeAnchor) -> Fn:
    kind = node.kind

    def run(c: Context, e: Env) -> date:
        if kind == "now":
            c.note(c.as_of + TICK)
        else:
            c.note(calendar.period("next", "day", c.as_of).lo)
        return calendar.time_anchor(kind, c.as_of)

    return run


@value.register
def _profile(node: Profile) -> Fn:
    return lambda c, e: c.attributes


@value.register
def _events(node: Events) -> Fn:
    def run(c: Context, e: Env) -> list[dict[str, Any]]:
        c.note(c.upcoming)
        return c.events

    return run


@value.register
def _var(node: Var) -> Fn:
    name = node.name
    return lambda c, e: e[name]


@value.register
def _get(node: Get) -> Fn:
    target, field = value(node.target), node.field

    def run(c: Context, e: Env) -> Any:
        found = target(c, e)
        if isinstance(found, dict):
            return found.get(field)
        return semantics.project(found, field)

    return run


@value.register
def _call(node: Call) -> Fn:
    function = node.function
    if function in _NOW_PERIODS:
        unit = _NOW_PERIODS[function]

        def now_function(c: Context, e: Env) -> Any:
            c.note(calendar.period("next", unit, c.as_of).lo)
            return builtins.call(function, [], c.as_of)

        return now_function
    args = [value(arg) for arg in node.args]
    return lambda c, e: builtins.call(function, [arg(c, e) for arg in args], c.as_of)


@value.register
def _arith(node: Arith) -> Fn:
    op, left, right = node.op, value(node.left), value(node.right)
    return lambda c, e: semantics.arith(op, left(c, e), right(c, e))


@value.register
def _neg(node: Neg) -> Fn:
    operand = value(node.operand)

    def run(c: Context, e: Env) -> Any:
        found = operand(c, e)
        return semantics.arith("-", 0, found) if found is not None else None

    return run


@value.register
def _if(node: If) -> Fn:
    condition, then, otherwise = truth(node.condition), value(node.then), value(node.otherwise)
    return lambda c, e: then(c, e) if condition(c, e) else otherwise(c, e)


@value.register
def _let(node: Let) -> Fn:
    name, bound, body = node.name, value(node.value), value(node.body)

    def run(c: Context, e: Env) -> Any:
        old = e.get(name, UNSET)
        e[name] = bound(c, e)
        result = body(c, e)
        restore(e, name, old)
        return result

    return run


@value.register
def _filter(node: Filter) -> Fn:
    source, var, condition = items(node.source, reads(node)), node.var, truth(node.condition)

    def run(c: Context, e: Env) -> list[Any]:
        kept = []
        old = e.get(var, UNSET)
        for item in source(c, e):
            e[var] = item
            if condition(c, e):
                kept.append(item)
        restore(e, var, old)
        return kept

    return run


@value.register
def _aggregate(node: Aggregate) -> Fn:
    source, var, function = items(node.source, reads(node)), node.var, node.function
    condition = truth(node.condition) if node.condition is not None else None
    measure = value(node.value) if node.value is not None else None
    select = windowed(node, truth, value)
    kept_measure = measured(node, truth, value)

    counted = select if measure is None and isinstance(select, KeptSelection) else None

    def run(c: Context, e: Env) -> Any:
        if (
            kept_measure is not None
            and (found := kept_measure.aggregate(c, e, function)) is not UNSET
        ):
            return found
        if counted is not None and (count := counted.count(c, e)) is not None:
            return count
        old = e.get(var, UNSET)
        kept = select(c, e) if select is not None else None
        if kept is None:
            kept = []
            for item in source(c, e):
                e[var] = item
                if condition is None or condition(c, e):
                    kept.append(item)
        if measure is None:
            restore(e, var, old)
            return len(kept)
        values: list[Any] = []
        for item in kept:
            e[var] = item
            found = measure(c, e)
            values.extend(found if isinstance(found, list) else [found])
        restore(e, var, old)
        return semantics.aggregate(function, values)

    return memoized(node, run, _kept_version(kept_measure, select))


@value.register
def _top(node: TopN) -> Fn:
    source, var, key, count, largest = (
        items(node.source), node.var, value(node.key), node.count, node.largest
    )  # fmt: skip

    def run(c: Context, e: Env) -> list[Any]:
        old = e.get(var, UNSET)
        keyed = []
        for item in source(c, e):
            e[var] = item
            found = key(c, e)
            if found is not None:
                keyed.append((found, item))
        restore(e, var, old)
        keyed.sort(key=lambda pair: pair[0], reverse=largest)
        return [item for _, item in keyed[:count]]

    return run


# Predicates ---------------------------------------------------------------------------------


@truth.register
def _compare(node: Compare) -> Test:
    if node.op == "=" and isinstance(node.right, Literal) and isinstance(node.right.value, str):
        return _equals_text(value(node.left), node.right.value)
    if isinstance(node.right, Literal) and type(node.right.value) in _NUMBERS:
        counted = _count_against(node, node.right.value)
        if counted is not None:
            return counted
        return _against_number(value(node.left), node.op, node.right.value)
    op, left, right = node.op, value(node.left), value(node.right)

    def run(c: Context, e: Env) -> bool:
        a, b = left(c, e), right(c, e)
        if isinstance(a, list) and isinstance(b, list):
            return op in ("=", "!=") and semantics.compare_lists(op, a, b)
        if isinstance(a, list):
            return any(semantics.compare(op, item, b) for item in a)
        if isinstance(b, list):
            return any(semantics.compare(op, a, item) for item in b)
        return semantics.compare(op, a, b)

    return run


#: Plain numbers (a Boolean is neither), and each comparison as an operator.
_NUMBERS = (int, float)
_DIRECT: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq, "!=": operator.ne, "<": operator.lt, ">": operator.gt,
    "<=": operator.le, ">=": operator.ge,
}  # fmt: skip


def _against_number(subject: Fn, op: str, number: Any) -> Test:
    """``subject op number`` (a count or sum against a threshold): what ``semantics.compare``
    gives, with a plain number on the left compared directly."""
    direct = _DIRECT[op]

    def run(c: Context, e: Env) -> bool:
        found = subject(c, e)
        if type(found) in _NUMBERS:
            return direct(found, number)
        if isinstance(found, list):
            return any(semantics.compare(op, item, number) for item in found)
        return semantics.compare(op, found, number)

    return run


def _count_against(node: Compare, number: Any) -> Test | None:
    """``count op number`` for a count read through a kept selection (None: not one). In a
    trailing window its events leave in order and only the one whose leaving flips the
    comparison is noted: a member of "3+ purchases in 90 days" holding five is next evaluated
    when the third of them leaves, not at each leaving."""
    count = node.left
    if not isinstance(count, Aggregate) or count.function != "count" or count.value is not None:
        return None
    select = windowed(count, truth, value)
    if not isinstance(select, KeptSelection):
        return None
    generic, direct = _against_number(value(count), node.op, number), _DIRECT[node.op]
    leaving = leaves_to_flip(direct, number)

    def run(c: Context, e: Env) -> bool:
        found = select.count(c, e, leaving)
        return direct(found, number) if found is not None else generic(c, e)

    return memoized(node, run, select.version)


def leaves_to_flip(direct: Callable[[Any, Any], bool], number: Any) -> Leaving:
    """How many of the events a count holds must leave before ``count op number`` changes
    (all of them when it never does). Its truth is the same for every count up to
    ``floor(number) - 1`` and for every count from ``floor(number) + 1``: only the counts
    around the threshold, or the next one down, can differ."""
    if isinstance(number, float) and not math.isfinite(number):
        return _every_one
    base = math.floor(number)

    def leaving(held: int) -> int:
        now = direct(held, number)
        for remaining in (base + 1, base, base - 1) if held > base + 1 else (held - 1, held - 2):
            if 0 <= remaining < held and direct(remaining, number) != now:
                return held - remaining
        return held

    return leaving


def _equals_text(subject: Fn, text: str) -> Test:
    """``subject = "text"``, the commonest test (an event's type): what ``semantics.compare``
    gives, a string equal only to an equal string, without its general dispatch."""

    def run(c: Context, e: Env) -> bool:
        found = subject(c, e)
        if isinstance(found, str):
            return found == text
        if isinstance(found, list):
            return any(isinstance(item, str) and item == text for item in found)
        return False

    return run


@truth.register
def _in(node: In) -> Test:
    subject, collection, negated = value(node.value), value(node.items), node.negated

    def run(c: Context, e: Env) -> bool:
        found, options = subject(c, e), collection(c, e)
        for candidate in found if isinstance(found, list) else [found]:
            member = semantics.member(candidate, options)
            if member is not None and member != negated:
                return True
        return False

    return run


@truth.register
def _and(node: And) -> Test:
    return every([truth(item) for item in node.items])


@truth.register
def _or(node: Or) -> Test:
    return either([truth(item) for item in node.items])


@truth.register
def _not(node: Not) -> Test:
    inner = truth(node.item)
    return lambda c, e: not inner(c, e)


@truth.register
def _truthy(node: Truthy) -> Test:
    inner = value(node.value)
    return lambda c, e: semantics.truthy(inner(c, e))


@truth.register
def _occurs(node: Occurs) -> Test:
    subject, window = value(node.subject), CompiledWindow(node.window, value)

    def run(c: Context, e: Env) -> bool:
        found = subject(c, e)
        moments = found if isinstance(found, list) else [found]
        return any(isinstance(m, date) and window.holds(c, e, m) for m in moments)

    return run


@truth.register
def _in_segment(node: InSegment) -> Test:
    ref = node.ref
    return lambda c, e: ref in c.segments


@truth.register
def _quantify(node: Quantify) -> Test:
    source, var, condition = items(node.source, reads(node)), node.var, truth(node.condition)
    universal = node.kind != "exists"
    select = windowed(node, truth, value) if not universal else None
    counted = select if isinstance(select, KeptSelection) else None

    def run(c: Context, e: Env) -> bool:
        if counted is not None and (count := counted.count(c, e, _every_one)) is not None:
            return count > 0
        if select is not None and (kept := select(c, e)) is not None:
            return bool(kept)
        old = e.get(var, UNSET)
        result = universal
        for item in source(c, e):
            e[var] = item
            if condition(c, e) != universal:
                result = not universal
                break
        restore(e, var, old)
        return result

    return memoized(node, run, _kept_version(select))


def _every_one(held: int) -> int:
    """An ``exists`` changes as its events leave only when the last of them does."""
    return held


def _kept_version(*selections: Select | None) -> Version | None:
    """The version of a node read through a kept selection (any of them: they keep the same
    events), so that an arrival it does not keep leaves the node's memoized value standing."""
    kept = [s for s in selections if isinstance(s, KeptSelection)]
    return kept[0].version if kept else None


@truth.register
def _sequence(node: Sequence) -> Test:
    return memoized(node, compile_sequence(node, items(node.source, reads(node)), truth, value))


def compile_plan(root: Node) -> Callable[[Context], bool]:
    """A plan's root predicate as one closure over a context."""
    test = truth(root)
    return lambda c: test(c, {})
