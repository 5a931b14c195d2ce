"""Memoized aggregates and quantifiers: a count, sum or ``exists`` over a profile's events is
computed once and reused, by the same segment's later evaluations and by every other segment
holding the same expression, until it could change.

Its value depends only on the events it reads, its variables and as_of when the expression is
closed (no free variable, no profile attribute, no ``inSegment``; chains excluded as their
labels scope step by step). It then holds, unchanged, from the instant it was computed until
its change hint (what its own readings noted), as long as no event of the types it reads was
added since: the index's version for those types says so.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

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
_BINDERS = (Aggregate, Filter, Quantify, TopN)


class Entry(NamedTuple):
    """A computed value, the instant it was computed at, its hint and the events' version."""

    value: Any
    at: datetime
    hint: datetime | None
    version: int


def free_names(node: Node) -> set[str] | None:
    """The variables ``node`` reads without binding them; None when it reads something else
    outside its events (attributes, segments) or contains a chain."""
    if isinstance(node, Profile | InSegment | Sequence):
        return None
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


def memoized(node: Node, run: Fn) -> Fn:
    """``run`` (the compiled ``node``) answering from the memo while its entry holds."""
    if free_names(node) != set():
        return run
    key, kinds = repr(node), read_types(node)

    def cached(c: Context, e: Env) -> Any:
        memo, version, as_of = c.memo, c.version(kinds), c.as_of
        entry = memo.get(key)
        if (
            entry is not None
            and entry.version == version
            and entry.at <= as_of
            and (entry.hint is None or as_of < entry.hint)
        ):
            c.note(entry.hint)
            return entry.value
        outer, c.hint = c.hint, None
        found = run(c, e)
        hint, c.hint = c.hint, outer
        c.note(hint)
        memo[key] = Entry(found, as_of, hint, version)
        return found

    return cached
