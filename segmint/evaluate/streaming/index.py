"""Which event types can change a segment: an event of another type is invisible to it, so the
processor skips re-evaluating it.

Events matter only where the plan reads ``xEvent``. Read through a filter, a count or sum with a
condition, an ``exists``, or a chain whose every step tests ``eventType`` against literals, only
those types matter; read any other way (``forall``, ``xEvent.count()``, a projection), all do.
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


def event_types(root: Node) -> Types:
    """The event types that can change the truth of ``root``."""
    return _walk(root)


def _union(left: Types, right: Types) -> Types:
    return None if left is None or right is None else left | right


def _walk(node: Node) -> Types:
    if isinstance(node, Events):
        return None
    found: Types = frozenset()
    source = getattr(node, "source", None)
    if isinstance(source, Events):
        found = _reads(node)
    for field in dataclasses.fields(node):
        child = getattr(node, field.name)
        if child is source and isinstance(source, Events):
            continue
        for item in child if isinstance(child, tuple) else (child,):
            if isinstance(item, Node):
                found = _union(found, _walk(item))
    return found


def _reads(node: Node) -> Types:
    """The types a collection node over ``xEvent`` lets through."""
    if isinstance(node, Filter) or (isinstance(node, Quantify) and node.kind == "exists"):
        return _tested(node.condition, node.var)
    if isinstance(node, Aggregate) and node.condition is not None:
        return _tested(node.condition, node.var)
    if isinstance(node, Sequence):
        found: Types = frozenset()
        for step in node.steps:
            found = _union(found, _tested(step.condition, step.label))
        return found
    return None


def _tested(condition: Node, var: str) -> Types:
    """The types a condition on event ``var`` can hold for (None: unknown)."""
    if isinstance(condition, And):
        known = [t for t in (_tested(item, var) for item in condition.items) if t is not None]
        return frozenset.intersection(*known) if known else None
    if isinstance(condition, Or):
        found: Types = frozenset()
        for item in condition.items:
            found = _union(found, _tested(item, var))
        return found
    if isinstance(condition, Compare) and condition.op == "=" and _is_type(condition.left, var):
        right = condition.right
        if isinstance(right, Literal) and isinstance(right.value, str):
            return frozenset({right.value})
    if isinstance(condition, In) and not condition.negated and _is_type(condition.value, var):
        items = condition.items
        if isinstance(items, ListOf) and all(
            isinstance(i, Literal) and isinstance(i.value, str) for i in items.items
        ):
            return frozenset(str(i.value) for i in items.items if isinstance(i, Literal))
    return None


def _is_type(node: Node, var: str) -> bool:
    return (
        isinstance(node, Get)
        and node.field == "eventType"
        and isinstance(node.target, Var)
        and node.target.name == var
    )
