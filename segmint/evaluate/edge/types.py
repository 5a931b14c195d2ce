"""Which event types a condition on one event can hold for, read off the plan.

A collection node over ``xEvent`` whose condition tests ``eventType`` against string literals
(``=``, ``in``, through ``and``/``or``) lets only those types through: the edge evaluator then
reads only those events, and the streaming processor skips events of other types. Equality on
strings is plain ``==`` (``semantics.same``), so the test is exact for string types; an event
whose type is not a string is never ruled out by it.
"""

from __future__ import annotations

import dataclasses

from segmint.plan.nodes import (
    Aggregate,
    And,
    Compare,
    Events,
    Filter,
    Get,
    In,
    ListOf,
    Literal,
    Node,
    Or,
    Quantify,
    Sequence,
    Var,
)

#: None: every event type; otherwise the types that matter (empty: no event does).
Types = frozenset[str] | None


def union(left: Types, right: Types) -> Types:
    return None if left is None or right is None else left | right


def read_types(node: Node) -> Types:
    """The event types whose events ``node`` can read, anywhere inside it: where it reads
    ``xEvent`` other than through a type test, every type."""
    if isinstance(node, Events):
        return None
    found: Types = frozenset()
    source = getattr(node, "source", None)
    if isinstance(source, Events):
        found = reads(node)
    for field in dataclasses.fields(node):
        child = getattr(node, field.name)
        if child is source and isinstance(source, Events):
            continue
        for item in child if isinstance(child, tuple) else (child,):
            if isinstance(item, Node):
                found = union(found, read_types(item))
    return found


def reads(node: Node) -> Types:
    """The types a collection node over ``xEvent`` lets through: a filter, a conditional
    aggregate, an ``exists`` or a chain (any step's types); None for any other reading."""
    if isinstance(node, Filter) or (isinstance(node, Quantify) and node.kind == "exists"):
        return tested(node.condition, node.var)
    if isinstance(node, Aggregate) and node.condition is not None:
        return tested(node.condition, node.var)
    if isinstance(node, Sequence):
        found: Types = frozenset()
        for step in node.steps:
            found = union(found, tested(step.condition, step.label))
        return found
    return None


def tested(condition: Node, var: str) -> Types:
    """The types a condition on event ``var`` can hold for (None: unknown)."""
    if isinstance(condition, And):
        known = [t for t in (tested(item, var) for item in condition.items) if t is not None]
        return frozenset.intersection(*known) if known else None
    if isinstance(condition, Or):
        found: Types = frozenset()
        for item in condition.items:
            found = union(found, tested(item, var))
        return found
    if (
        isinstance(condition, Compare)
        and condition.op == "="
        and own_field(condition.left, var, "eventType")
    ):
        right = condition.right
        if isinstance(right, Literal) and isinstance(right.value, str):
            return frozenset({right.value})
    if (
        isinstance(condition, In)
        and not condition.negated
        and own_field(condition.value, var, "eventType")
    ):
        items = condition.items
        if isinstance(items, ListOf) and all(
            isinstance(i, Literal) and isinstance(i.value, str) for i in items.items
        ):
            return frozenset(str(i.value) for i in items.items if isinstance(i, Literal))
    return None


def own_field(node: Node, var: str, field: str) -> bool:
    """Whether ``node`` is ``var.field``: a field of the item being tested."""
    return (
        isinstance(node, Get)
        and node.field == field
        and isinstance(node.target, Var)
        and node.target.name == var
    )
