"""Memoized aggregates, quantifiers and chains: a count, sum, ``exists`` or chain over a
profile's events is computed once and reused, by the same segment's later evaluations and by
every other segment holding the same expression, until it could change.

Its value depends only on the events it reads, its variables and as_of when the expression is
closed (no free variable, no profile attribute, no ``inSegment``; a chain's labels are in scope
from their step on: its own condition and the later steps). It then holds, unchanged, from the
instant it was computed until its change hint (what its own readings noted), as long as no
event of the types it reads was added since: the index's version for those types says so. A
count, sum or ``exists`` read through a kept selection (``ranges``) has a finer version, the
number of events passing the selection's items other than its window: an arrival that does not
pass changes nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import Any

from segmint.evaluate.edge.context import Context, Env
from segmint.evaluate.edge.types import read_types
from segmint.plan.nodes import (
    Aggregate,
    Filter,
    InSegment,
    Let,
    Node,
    Profile,
    Quantify,
    Sequence,
    TopN,
    Var,
)

Fn = Callable[[Context, Env], Any]
#: A number that grows whenever what a node's value depends on (besides the time) changes.
Version = Callable[[Context], int | None]
_BINDERS = (Aggregate, Filter, Quantify, TopN)


#: A computed value, the instant it was computed at, its hint and the events' version: a plain
#: tuple, made at every evaluation that computes (a NamedTuple costs several times more).
Entry = tuple[Any, datetime, datetime | None, int]


def free_names(node: Node) -> set[str] | None:
    """The variables ``node`` reads without binding them; None when it reads something else
    outside its events (attributes, segments)."""
    if isinstance(node, Profile | InSegment):
        return None
    if isinstance(node, Sequence):
        return _chain_names(node)
    if isinstance(node, Var):
        return {node.name}
    found: set[str] = set()
    for field in dataclasses.fields(node):
        child = getattr(node, field.name)
        for item in child if isinstance(child, tuple) else (child,):
            if not isinstance(item, Node):
                continue
            inner = free_names(item)
            if inner is None:
                return None
            if isinstance(node, _BINDERS) and field.name != "source":
                inner.discard(node.var)
            elif isinstance(node, Let) and field.name == "body":
                inner.discard(node.name)
            found |= inner
    return found


def _chain_names(node: Sequence) -> set[str] | None:
    """A step's WHEN sees the earlier steps' labels, its condition its own as well."""
    found = free_names(node.source)
    bound: set[str] = set()
    for step in node.steps:
        window = free_names(step.window) if step.window is not None else set()
        condition = free_names(step.condition)
        if found is None or window is None or condition is None:
            return None
        found |= window - bound
        bound.add(step.label)
        found |= condition - bound
    return found


def memoized(node: Node, run: Fn, version: Version | None = None) -> Fn:
    """``run`` (the compiled ``node``) answering from the memo while its entry holds. A
    ``version`` of the node's own (None from it: none) replaces the index's version for the
    types it reads."""
    if free_names(node) != set():
        return run
    key, kinds = repr(node), read_types(node)

    def cached(c: Context, e: Env) -> Any:
        memo, as_of = c.memo, c.as_of
        own = version(c) if version is not None else None
        version_now = c.version(kinds) if own is None else own
        entry: Entry | None = memo.get(key)
        if entry is not None:
            value, at, until, version_then = entry
            if version_then == version_now and at <= as_of and (until is None or as_of < until):
                c.note(until)
                return value
        outer, c.hint = c.hint, None
        found = run(c, e)
        hint, c.hint = c.hint, outer
        c.note(hint)
        memo[key] = (found, as_of, hint, version_now)
        return found

    return cached
