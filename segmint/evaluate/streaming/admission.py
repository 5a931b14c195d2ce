"""Which events of a type can change a segment, by their own fields: the field half of the
processor's index from event type and field to the segments an event can affect.

A segment reads events only through selections (a filter, a conditional count or sum, an
``exists``, a chain's steps) when it reads ``xEvent`` no other way. An event is in a
selection only if every item of its condition holds for it, so the items reading nothing but
the event (``X.search.keywords.contains("sneakers")``, ``X.commerce.order.priceTotal > 5``)
make a test on the event alone: one failing it for every selection of its type is invisible to
the segment, now and later, and its arrival changes neither the answer nor when it next
changes. Type tests are left out: the type index (``index``) applies them already.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from segmint.evaluate.batch.walk import children_of
from segmint.evaluate.edge.compiler import truth
from segmint.evaluate.edge.context import Context, Test, every
from segmint.evaluate.edge.ranges import item_only
from segmint.evaluate.edge.types import tested
from segmint.evaluate.streaming.state import Event
from segmint.plan.nodes import Aggregate, And, Events, Filter, Node, Quantify, Sequence

#: Whether an event may change the segment (False: it cannot).
Admission = Callable[[Event], bool]

#: The context a test on one event runs in: it reads neither the profile nor the time.
_NOWHERE = Context({}, [], set(), datetime.min)


def selections(node: Node) -> list[tuple[str, Node]] | None:
    """Each selection of ``xEvent`` inside ``node``: the item's name and its condition; None
    when ``xEvent`` is read another way (every event may matter)."""
    if isinstance(node, Events):
        return None
    found: list[tuple[str, Node]] = []
    source = getattr(node, "source", None)
    if isinstance(source, Events):
        if isinstance(node, Sequence):
            found += [(step.label, step.condition) for step in node.steps]
        elif isinstance(node, Filter | Aggregate | Quantify) and _selects(node):
            assert node.condition is not None
            found.append((node.var, node.condition))
        else:
            return None
    for child in children_of(node):
        if child is source and isinstance(source, Events):
            continue
        inner = selections(child)
        if inner is None:
            return None
        found += inner
    return found


def _selects(node: Filter | Aggregate | Quantify) -> bool:
    """Whether the node's items are the events passing its condition: not a ``forall`` (an
    event failing it matters) nor an aggregate of every event."""
    if isinstance(node, Quantify):
        return node.kind == "exists"
    return node.condition is not None


def admission(root: Node, kind: str) -> Admission | None:
    """The test an event of type ``kind`` must pass to change the segment ``root`` defines;
    None when every such event may."""
    reads = selections(root)
    if reads is None:
        return None
    tests: list[tuple[str, Test]] = []
    for var, condition in reads:
        types = tested(condition, var)
        if types is not None and kind not in types:
            continue
        items = condition.items if isinstance(condition, And) else (condition,)
        own = [item for item in items if item_only(item, var) and tested(item, var) is None]
        if not own:
            return None
        tests.append((var, every([truth(item) for item in own])))

    if len(tests) == 1:
        ((var, test),) = tests
        return lambda event: test(_NOWHERE, {var: event})

    def admits(event: Event) -> bool:
        return any(test(_NOWHERE, {var: event}) for var, test in tests)

    return admits
