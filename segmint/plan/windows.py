"""Every ``occurs`` tail as a ``Window``, and back.

An anchor is an instant (``now``, a datetime, a chain label's time) or an interval ``[lo, hi)``
(``today``, ``date(...)``, ``last month``). A distance of N units is measured from the anchor's
near edge; the anchor itself is excluded, except that an instant counts as "before" itself:

==================  ==============================  ==============================
tail                before R                        after R
==================  ==============================  ==============================
``<= N u``          ``lo-N <= T <= p`` / ``< lo``   ``hi <= T <= hi+N``
``< N u``           far end open                    far end open
``>= N u``          ``T <= lo-N``                   ``T >= hi+N``
``> N u``           ``T < lo-N``                    ``T > hi+N``
``= N u``           ``lo-N <= T < lo-N+1``          ``hi+N-1 <= T < hi+N``
``!= N u``          ``<= N-1`` or ``> N``           ``< N-1`` or ``>= N``
==================  ==============================  ==============================

``before R`` is ``T < lo``, ``after R`` is ``T >= hi`` (``T > p`` for an instant), ``[on] R`` is
``lo <= T < hi`` (``T = p``), ``between A and B`` is ``A.lo <= T`` and ``T < B.hi`` (``<= B`` for
an instant): inclusive of both.
"""

from __future__ import annotations

from dataclasses import dataclass

from segmint.plan.nodes import Bound, Node, Window


def distance(
    op: str, amount: int, unit: str, after: bool, anchor: Node, point: bool
) -> list[Window]:
    """The window(s) of ``op amount unit before|after anchor``; ``!=`` gives two (or one when
    ``amount`` is 0)."""
    if op == "!=":
        if amount == 0:
            return distance(">" if not after else ">=", 0, unit, after, anchor, point)
        near_op, far_op = ("<", ">=") if after else ("<=", ">")
        return [
            *distance(near_op, amount - 1, unit, after, anchor, point),
            *distance(far_op, amount, unit, after, anchor, point),
        ]
    side = "hi" if after else "lo"
    sign = 1 if after else -1

    def bound(steps: int, inclusive: bool) -> Bound:
        return Bound(anchor, side, sign * steps, unit, inclusive)

    near_edge = Bound(anchor, side, 0, None, True if after else point)
    if op in ("<=", "<"):
        far = bound(amount, op == "<=")
        return [Window(near_edge, far) if after else Window(far, near_edge)]
    if op in (">=", ">"):
        beyond = bound(amount, op == ">=")
        return [Window(beyond, None) if after else Window(None, beyond)]
    if after:
        return [Window(bound(amount - 1, True), bound(amount, False))]
    return [Window(bound(amount, True), bound(amount - 1, False))]


def relation(after: bool, anchor: Node, point: bool) -> Window:
    """``before R`` / ``after R``."""
    if after:
        return Window(Bound(anchor, "hi", 0, None, not point), None)
    return Window(None, Bound(anchor, "lo", 0, None, False))


def between(start: Node, end: Node, end_point: bool) -> Window:
    """``between A and B`` (and ``on R`` as ``between R and R``)."""
    return Window(Bound(start, "lo", 0, None, True), Bound(end, "hi", 0, None, end_point))


@dataclass(frozen=True, slots=True)
class Shape:
    """What tail a window came from: ``form`` is ``distance``, ``relation``, ``between`` (with
    ``anchors`` two) or ``on``; ``anchors`` are the reference nodes."""

    form: str
    anchors: tuple[Node, ...]
    op: str = ""
    amount: int = 0
    unit: str = ""
    after: bool = False


def shape(window: Window) -> Shape:
    """The tail that binds to ``window`` (the inverse of the constructors above)."""
    start, end = window.start, window.end
    if start is None and end is not None:
        if end.unit is None:
            return Shape("relation", (end.anchor,))
        return Shape("distance", (end.anchor,), _beyond(end), -end.amount, end.unit)
    if end is None and start is not None:
        if start.unit is None:
            return Shape("relation", (start.anchor,), after=True)
        return Shape("distance", (start.anchor,), _beyond(start), start.amount, start.unit, True)
    if start is None or end is None:
        raise ValueError("a window has at least one bound")
    if start.side == "lo" and start.unit is not None:
        op = "=" if end.unit is not None else ("<=" if start.inclusive else "<")
        return Shape("distance", (start.anchor,), op, -start.amount, start.unit)
    if start.side == "hi" and end.unit is not None:
        if start.unit is not None:
            return Shape("distance", (end.anchor,), "=", end.amount, end.unit, True)
        op = "<=" if end.inclusive else "<"
        return Shape("distance", (end.anchor,), op, end.amount, end.unit, True)
    if start.anchor == end.anchor:
        return Shape("on", (start.anchor,))
    return Shape("between", (start.anchor, end.anchor))


def _beyond(bound: Bound) -> str:
    return ">=" if bound.inclusive else ">"
