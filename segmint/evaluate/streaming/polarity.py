"""Which way one more event of a type can move a segment: the processor skips evaluations whose
answer it already knows.

A plan's truth is a function of the profile's visible events. Adding an event of type ``kind``
can leave it unchanged (``NONE``: it never reads such events), only make it true (``UP``: a count
compared with ``>``, an ``exists``, a chain), only make it false (``DOWN``: under a ``not``,
a ``forall``, a count compared with ``<``), or either (``ANY``). A segment that is UP for the
event's type and already a member stays one, at every instant until its pending timer (its
truth with the new event is at least its truth without, which holds until then): its evaluation
can be skipped, and the timer still fires no later than the first instant it could change.
Likewise for DOWN and a non-member.

Counts, quantifiers and chains are monotone in the events they keep when their conditions on
each event do not read other events in a way that is not itself monotone. Sums, averages, minima
and maxima, equality on counts, and anything read another way are ANY. A plan reading ``now``
as a plain value is never skipped: its timer re-arms a second at a time (``MIN_TIMER_STEP``),
so its membership can lag, and an evaluation an event causes is what refreshes it.
"""

from __future__ import annotations

import dataclasses
from enum import IntFlag

from segmint.evaluate.edge.types import own_field, read_types, tested
from segmint.evaluate.edge.windows import depends_on_time
from segmint.plan.nodes import (
    Aggregate,
    And,
    Bound,
    Compare,
    Events,
    Filter,
    Node,
    Not,
    Occurs,
    Or,
    Period,
    Quantify,
    Sequence,
    TimeAnchor,
    Window,
)


class Polarity(IntFlag):
    """How one more event can move a truth (or a count): bits for up and down."""

    NONE = 0
    UP = 1
    DOWN = 2
    ANY = 3

    def flipped(self) -> Polarity:
        return Polarity(((self & Polarity.UP) << 1) | ((self & Polarity.DOWN) >> 1))


#: How a count compared with a number that one more event cannot change moves the comparison.
_COUNT_ON_LEFT = {">": Polarity.UP, ">=": Polarity.UP, "<": Polarity.DOWN, "<=": Polarity.DOWN}
_MIRRORED = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "=": "=", "!=": "!="}


def segment_polarity(root: Node, kind: str, *, latest: bool = False) -> Polarity:
    """How one more event of type ``kind`` can move the segment ``root`` defines; ``latest``:
    an event later than every event the profile holds, as a stream's events mostly are."""
    if reads_now(root):
        return Polarity.ANY
    return truth(root, kind, latest=latest)


def reads_now(node: Node) -> bool:
    """Whether ``now`` is read as a plain value (not as a window's anchor)."""
    if isinstance(node, TimeAnchor):
        return node.kind == "now"
    for field in dataclasses.fields(node):
        child = getattr(node, field.name)
        if isinstance(node, Bound) and field.name == "anchor" and isinstance(child, TimeAnchor):
            continue
        for item in child if isinstance(child, tuple) else (child,):
            if isinstance(item, Node) and reads_now(item):
                return True
    return False


def truth(node: Node, kind: str, *, latest: bool = False) -> Polarity:
    if isinstance(node, And | Or):
        found = Polarity.NONE
        for item in node.items:
            found |= truth(item, kind, latest=latest)
        return found
    if isinstance(node, Not):
        return truth(node.item, kind, latest=latest).flipped()
    if isinstance(node, Quantify):
        if node.kind == "exists":
            return kept(node.source, node.var, node.condition, kind)
        inner = Not(node.condition)
        return kept(node.source, node.var, inner, kind, narrow=False).flipped()
    if isinstance(node, Sequence) and isinstance(node.source, Events):
        return _chain(node, kind, latest=latest)
    if isinstance(node, Compare):
        return _compare(node, kind)
    return untouched(node, kind)


def _compare(node: Compare, kind: str) -> Polarity:
    return _compared(node.op, count(node.left, kind), count(node.right, kind))


def _compared(op: str, left: Polarity, right: Polarity) -> Polarity:
    """How ``left op right`` can move when its sides (counts) move so: one must stay put."""
    if left is Polarity.NONE and right is Polarity.NONE:
        return Polarity.NONE
    if right is Polarity.NONE:
        direction = _COUNT_ON_LEFT.get(op)
    elif left is Polarity.NONE:
        direction = _COUNT_ON_LEFT.get(_MIRRORED[op])
    else:
        return Polarity.ANY
    if direction is None:
        return Polarity.ANY
    moved = left | right
    return moved if direction is Polarity.UP else moved.flipped()


def count(node: Node, kind: str) -> Polarity:
    """How one more event can move a number: a count follows the items it keeps."""
    if (counted := _counted(node)) is not None:
        return kept(counted.source, counted.var, counted.condition, kind)
    return untouched(node, kind)


def _counted(node: Node) -> Aggregate | None:
    """``node`` when it counts the items it keeps (no measure)."""
    if isinstance(node, Aggregate) and node.function == "count" and node.value is None:
        return node
    return None


def kept(
    source: Node, var: str, condition: Node | None, kind: str, narrow: bool = True
) -> Polarity:
    """How one more event can move the items of ``source`` for which ``condition`` holds: the
    event itself may join them (unless a type test keeps its type out), and the condition may
    read other events."""
    joins = _items(source, kind)
    if narrow and condition is not None and joins is not Polarity.NONE:
        types = tested(condition, var)
        if types is not None and kind not in types:
            joins = Polarity.NONE
    reading = truth(condition, kind) if condition is not None else Polarity.NONE
    if joins is Polarity.NONE:
        return reading
    return joins if reading in (Polarity.NONE, joins) else Polarity.ANY


def _items(source: Node, kind: str) -> Polarity:
    """How one more event can move a collection: ``xEvent`` grows by it, a filter of a growing
    collection grows with it."""
    if isinstance(source, Events):
        return Polarity.UP
    if isinstance(source, Filter):
        return kept(source.source, source.var, source.condition, kind)
    return untouched(source, kind)


def _chain(node: Sequence, kind: str, *, latest: bool = False) -> Polarity:
    """A chain matches when some events complete its steps in order: one more event only adds
    candidates, as long as no step reads other events. The latest event (after every other
    one) of a type its last step rules out completes none, now or later, in a chain ordered by
    timestamp: a match would need an event after it for that step."""
    steps = [step.condition for step in node.steps] + [
        step.window for step in node.steps if step.window is not None
    ]
    if any(untouched(part, kind) is not Polarity.NONE for part in steps):
        return Polarity.ANY
    types = read_types(node)
    if types is not None and kind not in types:
        return Polarity.NONE
    last = node.steps[-1]
    ends = tested(last.condition, last.label)
    if latest and node.time_field == "timestamp" and ends is not None and kind not in ends:
        return Polarity.NONE
    return Polarity.UP


def untouched(node: Node, kind: str) -> Polarity:
    """NONE when ``node`` never reads an event of type ``kind``, else ANY."""
    types = read_types(node)
    return Polarity.NONE if types is not None and kind not in types else Polarity.ANY


def time_polarity(root: Node) -> Polarity:
    """How the segment ``root`` defines can move as time passes with no new event and none
    becoming visible: a count in a window ending now only loses events (its start moves later),
    so ``count > 2`` can only become false (DOWN) and a non-member stays one until an event
    arrives or becomes visible. NONE: it never moves (no window on now, or chains whose WHENs
    are relative to their steps)."""
    if isinstance(root, And | Or):
        found = Polarity.NONE
        for item in root.items:
            found |= time_polarity(item)
        return found
    if isinstance(root, Not):
        return time_polarity(root.item).flipped()
    if isinstance(root, Quantify) and root.kind == "exists":
        return _kept_over_time(root.source, root.var, root.condition)
    if isinstance(root, Sequence):
        return Polarity.NONE if not _chain_reads_time(root) else Polarity.ANY
    if isinstance(root, Compare):
        return _compared(root.op, _count_over_time(root.left), _count_over_time(root.right))
    return Polarity.NONE if not depends_on_time(root) else Polarity.ANY


def _count_over_time(node: Node) -> Polarity:
    if (counted := _counted(node)) is not None:
        return _kept_over_time(counted.source, counted.var, counted.condition)
    return Polarity.NONE if not depends_on_time(node) else Polarity.ANY


def _kept_over_time(source: Node, var: str, condition: Node | None) -> Polarity:
    """How the events of ``xEvent`` passing ``condition`` can change as time passes: they
    leave a window whose start moves and whose end is now (inclusive) or fixed."""
    if not isinstance(source, Events):
        return Polarity.NONE if not depends_on_time(source) else Polarity.ANY
    parts = () if condition is None else (
        condition.items if isinstance(condition, And) else (condition,)
    )  # fmt: skip
    found = Polarity.NONE
    for part in parts:
        if isinstance(part, Occurs) and own_field(part.subject, var, "timestamp"):
            found |= _window_over_time(part.window)
        elif depends_on_time(part):
            return Polarity.ANY
    return found


def _window_over_time(window: Window) -> Polarity:
    """DOWN when events can only leave the window as time passes (its start moves later, its
    end is now, inclusive, or does not move), NONE when neither bound moves, ANY otherwise."""
    start, end = window.start, window.end
    if end is not None and not _is_now(end) and depends_on_time(end.anchor):
        return Polarity.ANY
    if start is None or not depends_on_time(start.anchor):
        return Polarity.NONE
    return Polarity.DOWN if _moves(start) else Polarity.ANY


def _moves(bound: Bound) -> bool:
    return isinstance(bound.anchor, TimeAnchor | Period)


def _is_now(bound: Bound) -> bool:
    """``now`` itself, inclusive: every visible event is at or before it."""
    anchor = bound.anchor
    return (
        isinstance(anchor, TimeAnchor)
        and anchor.kind == "now"
        and bound.unit is None
        and bound.amount == 0
        and bound.inclusive
    )


def _chain_reads_time(node: Sequence) -> bool:
    """Whether a chain's match can change with time alone: a step's condition reading the
    time, or a WHEN anchored on now, today or a period."""
    for step in node.steps:
        if depends_on_time(step.condition):
            return True
        window = step.window
        if window is not None and any(
            bound is not None and depends_on_time(bound.anchor)
            for bound in (window.start, window.end)
        ):
            return True
    return False
