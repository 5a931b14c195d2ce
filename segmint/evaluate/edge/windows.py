"""Compiled ``occurs`` windows: whether a moment lies in a window at as_of, and when that can
next change.

Bounds anchored on ``now``, ``today`` (and its neighbours) or a calendar period of fixed length
move in a known way as as_of advances: ``b(t) = floor(t) + offset`` where floor is ``t`` itself
(``now``) or the start of t's day or period. Their flips have a closed form, computed once per
evaluation; bounds on fixed expressions never move. Anything else (month arithmetic, anchors
that themselves depend on as_of) falls back to ``semantics.next_change``, the shared rule the
closed form is tested against.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from segmint.evaluate.builtins import NOW_FUNCTIONS
from segmint.evaluate.edge.context import TICK, Context, Env
from segmint.plan import calendar, semantics
from segmint.plan.nodes import (
    Bound,
    Call,
    Events,
    Node,
    Occurs,
    Period,
    Sequence,
    TimeAnchor,
    Window,
)

Fn = Callable[[Context, Env], Any]

#: Grids of a bound's movement: "fixed" never moves, "tick" moves with as_of, else a unit.
_FIXED, _TICK = "fixed", "tick"


class Form(NamedTuple):
    """A bound at as_of and how it moves: ``b(t) = floor_grid(t) + offset``; grid None when
    there is no closed form."""

    value: datetime | None
    offset: timedelta
    grid: str | None


def depends_on_time(node: Node) -> bool:
    """Whether an expression's value can change as as_of advances (with the same data)."""
    if isinstance(node, TimeAnchor | Period | Events | Occurs | Sequence):
        return True
    if isinstance(node, Call) and node.function in NOW_FUNCTIONS:
        return True
    for field in dataclasses.fields(node):
        child = getattr(node, field.name)
        children = child if isinstance(child, tuple) else (child,)
        if any(isinstance(c, Node) and depends_on_time(c) for c in children):
            return True
    return False


def _no_resolve(anchor: Node, at: datetime) -> date | None:
    raise AssertionError(f"{anchor!r} is not a fixed anchor")


def _moving(bound: Bound, as_of: datetime) -> Form:
    """The closed form of a bound anchored on ``now``, a day word or a fixed-length period."""
    value = semantics.bound_instant(bound, as_of, _no_resolve)
    anchor = bound.anchor
    grid: str | None = None
    if isinstance(anchor, TimeAnchor):
        grid = _TICK if anchor.kind == "now" else "day"
    elif isinstance(anchor, Period) and anchor.unit in calendar.FIXED_UNITS:
        grid = anchor.unit
    shiftable = bound.unit is None or bound.unit in calendar.FIXED_UNITS
    edge_of_time = not 1 < as_of.year < 9999 or value in (datetime.min, datetime.max)
    if grid is None or value is None or not shiftable or edge_of_time:
        return Form(value, timedelta(0), None)
    floor = as_of if grid == _TICK else calendar.period("this", grid, as_of).lo
    return Form(value, value - floor, grid)


def _flip(
    form: Form, instant: datetime, holds: bool, start: bool, inclusive: bool
) -> datetime | None:
    """When ``start <= instant`` (start) or ``instant <= end`` (end) stops holding, resp. starts:
    a start only moves past the instant, an end only reaches it."""
    if form.grid == _FIXED or holds != start:
        return None
    target = instant - form.offset
    strict = inclusive == start
    if form.grid == _TICK:
        return target + TICK if strict else target
    assert form.grid is not None
    if strict or calendar.period("this", form.grid, target).lo != target:
        return calendar.period("next", form.grid, target).lo
    return target


class CompiledWindow:
    """One window with its expression anchors compiled."""

    def __init__(self, window: Window, anchor: Callable[[Node], Fn]) -> None:
        self.window = window
        bounds = [b for b in (window.start, window.end) if b is not None]
        self.anchors = {
            id(b.anchor): anchor(b.anchor)
            for b in bounds
            if not isinstance(b.anchor, TimeAnchor | Period)
        }
        self.fixed = all(
            not depends_on_time(b.anchor) for b in bounds if id(b.anchor) in self.anchors
        )
        #: Whether no bound moves as as_of advances (each on an expression of the events or
        #: attributes that does not read the time): an instant is in or out for good.
        self.still = self.fixed and all(id(b.anchor) in self.anchors for b in bounds)
        #: Each moving bound's offset from its grid's floor, once found: constant while the
        #: closed form holds, so a later instant needs only the floor (``moving``).
        self._offsets: dict[int, tuple[timedelta, str]] = {}
        #: The length of a window from some time before now up to now ("in the last 30
        #: days", the commonest), whose bounds need no closed form: None for any other.
        self.trailing = _trailing(window)
        #: How long an instant stays in a trailing window from the moment it is in it.
        self._stay = timedelta(0)
        if self.trailing is not None and window.start is not None:
            self._stay = self.trailing + (TICK if window.start.inclusive else timedelta(0))

    def trailing_start(self, as_of: datetime) -> datetime | None:
        """The start of a trailing window at as_of; None where only the general rule answers
        (the edges of time, where a bound saturates)."""
        if self.trailing is None or not 1 < as_of.year < 9999:
            return None
        try:
            return as_of - self.trailing
        except OverflowError:
            return None

    def resolver(self, c: Context, env: Env) -> semantics.Resolve:
        def resolve(anchor: Node, at: datetime) -> date | None:
            value = self.anchors[id(anchor)](c if at == c.as_of else c.at(at), env)
            return value if isinstance(value, date) else None

        return resolve

    def form(self, bound: Bound, c: Context, env: Env) -> Form:
        if isinstance(bound.anchor, TimeAnchor | Period):
            form: Form | None = c.bounds.get(id(bound))
            if form is None:
                form = c.bounds[id(bound)] = self.moving(bound, c.as_of)
            return form
        value = semantics.bound_instant(bound, c.as_of, self.resolver(c, env))
        return Form(value, timedelta(0), _FIXED if self.fixed else None)

    def moving(self, bound: Bound, as_of: datetime) -> Form:
        """``_moving``, from the bound's known offset when as_of is clear of the edges of
        time (where ``_moving`` gives no closed form)."""
        known = self._offsets.get(id(bound))
        if known is not None and 1 < as_of.year < 9999:
            offset, grid = known
            floor = as_of if grid == _TICK else calendar.period("this", grid, as_of).lo
            try:  # not `suppress`: this runs for every windowed reading
                value = floor + offset
            except OverflowError:
                value = datetime.max
            if value != datetime.max and value != datetime.min:
                return Form(value, offset, grid)
        form = _moving(bound, as_of)
        if form.grid is not None:
            self._offsets[id(bound)] = (form.offset, form.grid)
        return form

    def holds(self, c: Context, env: Env, moment: date) -> bool:
        """``moment in window`` at as_of; notes when that can next change."""
        instant = calendar.as_instant(moment)
        lo = self.trailing_start(c.as_of)
        if lo is not None:
            return self._holds_trailing(c, instant, lo)
        start, end = self.window.start, self.window.end
        after = before = True
        flips: list[datetime | None] = [None, None]
        exact = True
        if start is not None:
            form = self.form(start, c, env)
            after = form.value is not None and (
                form.value <= instant if start.inclusive else form.value < instant
            )
            exact = form.grid is not None
            flips[0] = _flip(form, instant, after, True, start.inclusive) if exact else None
        if end is not None:
            form = self.form(end, c, env)
            before = form.value is not None and (
                instant <= form.value if end.inclusive else instant < form.value
            )
            exact = exact and form.grid is not None
            flips[1] = _flip(form, instant, before, False, end.inclusive) if exact else None
        truth = after and before
        if not exact:
            c.note(semantics.next_change(self.window, moment, c.as_of, self.resolver(c, env)))
            return truth
        for flip in sorted(filter(None, flips)):  # every datetime is truthy
            now_after = after != (flips[0] is not None and flips[0] <= flip)
            now_before = before != (flips[1] is not None and flips[1] <= flip)
            if (now_after and now_before) != truth:
                c.note(flip)
                break
        return truth

    def _holds_trailing(self, c: Context, instant: datetime, lo: datetime) -> bool:
        """``holds`` for a trailing window starting at ``lo``: an instant in it leaves when the
        start passes it; one ahead of now enters when now reaches it; one before the start
        stays out."""
        start = self.window.start
        assert start is not None
        if not (lo <= instant if start.inclusive else lo < instant):
            return False
        if instant > c.as_of:
            c.note(instant)
            return False
        if datetime.max - instant >= self._stay:  # else the start never passes it
            c.note(instant + self._stay)
        return True


def _trailing(window: Window) -> timedelta | None:
    """The length of a window from a fixed length before ``now`` (inclusive or not) to ``now``
    inclusive (or no end); None for any other window."""
    start, end = window.start, window.end
    if start is None or not _on_now(start) or start.amount > 0:
        return None
    if end is not None and not (_on_now(end) and end.inclusive and end.amount == 0):
        return None
    step = timedelta(0) if start.unit is None else calendar.FIXED_UNITS.get(start.unit)
    try:
        length = -(step * start.amount) if step is not None else None
    except OverflowError:
        return None
    return length if length else None


def _on_now(bound: Bound) -> bool:
    """Whether the bound is anchored on ``now`` (its shift is ``_trailing``'s to check)."""
    anchor = bound.anchor
    return isinstance(anchor, TimeAnchor) and anchor.kind == "now"
