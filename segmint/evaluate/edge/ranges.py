"""Windowed reads by bisect: a count, sum or ``exists`` over the events of some types whose
timestamp lies in a window anchored on now, today, a period or an expression that does not
move (another event's timestamp, an attribute, a date) finds the events in the window with two
bisects on the time-ordered index, instead of testing the window on every event.

It applies where the condition is ``and`` of one ``X.timestamp occurs <window>`` and other
items, and no visible event lies after the end of a window that moves (windows ending now).
Then the generic evaluation gives the same items and notes the same change, but for notes of
events that can never be in the window again: an event before the window's start is out and
stays out (a start only moves later, or not at all); the items after the end of a moving
window, which could note their entry, do not exist, and those after a fixed end stay out;
the events inside read every other item as the generic path does and note when the start
passes them, the earliest first, so only the earliest one whose items before the ``occurs``
hold needs the window tested. Anything else (an irregular bound, events after a moving end,
an index not in time order) takes the generic path.

In a streaming profile's kept index, the events passing the other items, when these read
only the event and not the time, are kept too, each event tested once as it arrives: a
reading is then two bisects whatever the history's length. Readings that differ only in their
window ("in 7 days", "in 30 days") keep them once, together.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from datetime import datetime
from typing import Any

from segmint.evaluate.edge.context import UNSET, Context, Env, Test, every, restore
from segmint.evaluate.edge.events import LAST, Key
from segmint.evaluate.edge.memo import free_names
from segmint.evaluate.edge.types import own_field, reads
from segmint.evaluate.edge.windows import CompiledWindow, Fn, depends_on_time
from segmint.plan import semantics
from segmint.plan.nodes import (
    Aggregate,
    And,
    Bound,
    Events,
    Node,
    Occurs,
    Period,
    Quantify,
    TimeAnchor,
)

#: The items a condition keeps, in order; None when the generic path must answer.
Select = Callable[[Context, Env], list[Any] | None]
#: Given how many events a selection holds, how many must leave it before what is read from
#: it changes (from 1 to all of them: all when nothing changes as they leave).
Leaving = Callable[[int], int]


def windowed(
    node: Aggregate | Quantify, truth: Callable[[Node], Test], value: Callable[[Node], Fn]
) -> Select | None:
    """The bisect selection for a collection node over typed events, if its shape allows."""
    return _selection(node, truth, value, None)


def measured(
    node: Aggregate, truth: Callable[[Node], Test], value: Callable[[Node], Fn]
) -> KeptSelection | None:
    """The kept selection of an aggregate whose measure reads only the item, keeping the
    measure's values to aggregate them (``KeptSelection.aggregate``), if its shape allows."""
    if node.value is None or not item_only(node.value, node.var):
        return None
    found = _selection(node, truth, value, value(node.value))
    return found if isinstance(found, KeptSelection) else None


def _selection(
    node: Aggregate | Quantify,
    truth: Callable[[Node], Test],
    value: Callable[[Node], Fn],
    measure: Fn | None,
) -> Select | None:
    types, condition = reads(node), node.condition
    if not isinstance(node.source, Events) or types is None or condition is None:
        return None
    parts = condition.items if isinstance(condition, And) else (condition,)
    found = [i for i, part in enumerate(parts) if isinstance(part, Occurs)]
    if not found and all(item_only(p, node.var) for p in parts):
        return KeptSelection(node, types, None, parts, truth, None, measure)
    if len(found) != 1:
        return None
    at = found[0]
    occurs = parts[at]
    assert isinstance(occurs, Occurs)
    others = parts[:at] + parts[at + 1 :]
    if not own_field(occurs.subject, node.var, "timestamp"):
        return None
    bounds = [b for b in (occurs.window.start, occurs.window.end) if b is not None]
    if any(depends_on_time(b.anchor) for b in bounds if not _moving(b)):
        return None
    window, var, test = CompiledWindow(occurs.window, value), node.var, truth(occurs)
    before, after = (
        every([truth(p) for p in parts[:at]]),
        every([truth(p) for p in parts[at + 1 :]]),
    )

    #: An ``exists`` changes as its events leave a trailing window (every event of its span
    #: inside) only when the last it keeps leaves: that one has the window tested, noting when.
    existence = isinstance(node, Quantify)

    def select(c: Context, e: Env) -> list[Any] | None:
        if not c.index.timed:
            return None
        keys, events = c.keyed(types)
        span = _span(window, c, e, keys, len(keys))
        if span is None:
            return None
        c.note(c.upcoming)
        old = e.get(var, UNSET)
        last = existence and window.trailing_start(c.as_of) is not None
        kept, tested = [], last
        for event in events[span[0] : span[1]]:
            e[var] = event
            if not before(c, e):
                continue
            if not tested:
                tested = True
                if not test(c, e):
                    continue
            if after(c, e):
                kept.append(event)
        if last and kept:
            e[var] = kept[-1]
            test(c, e)
        restore(e, var, old)
        return kept

    if all(item_only(part, var) for part in others):
        plain = None if measure is not None else select
        return KeptSelection(node, types, window, others, truth, plain, measure)
    return None if measure is not None else select


class _Kept:
    """The events of a reading's types that pass its items other than the window, in key
    order: shared by every reading with the same items and measure, whatever its window."""

    __slots__ = ("events", "keys", "moved", "seen", "values")

    def __init__(self) -> None:
        self.keys: list[Key] = []
        self.events: list[Any] = []
        #: With a measure, its values for each kept event.
        self.values: list[list[Any]] = []
        #: How many of the index's events have been looked at (``EventIndex.arrived``).
        self.seen = 0
        #: How many arrivals were kept before the end, moving the positions after them.
        self.moved = 0


class KeptSelection:
    """The selection when the items other than the window (if any) read only the event:
    which events pass them never changes, so it is kept in the index, each event tested once
    as it arrives, and a reading is two bisects. The earliest event kept in the window has the
    window tested on its key's time (its timestamp), noting when it leaves (the only way the
    selection changes but for arrivals that pass, which ``version`` counts). An index built
    for one evaluation takes ``plain`` (None: the generic path): nothing would reuse what was
    kept. With a ``measure`` (reading only the item), its values are kept alongside for
    ``aggregate``."""

    def __init__(
        self, node: Aggregate | Quantify, types: frozenset[str], window: CompiledWindow | None,
        items: tuple[Node, ...], truth: Callable[[Node], Test], plain: Select | None,
        measure: Fn | None = None,
    ) -> None:  # fmt: skip
        self.var, self.types, self.window = node.var, types, window
        self.passes, self.plain, self.measure = every([truth(i) for i in items]), plain, measure
        measured = node.value if measure is not None and isinstance(node, Aggregate) else None
        #: The kept events' name: the same for another window over the same selection.
        self.kept_name = f"kept:{sorted(types)!r}:{node.var}:{items!r}:{measured!r}"
        #: This reading's own name, for its last aggregate (``aggregate``).
        self.partial_name = f"partial:{node!r}"

    def version(self, c: Context) -> int | None:
        """How many events passing the items other than the window there are (None without a
        kept index): the node's value depends on nothing else but the time, so an arrival
        that does not pass leaves a memoized value standing."""
        return len(self._caught_up(c).keys) if c.kept is not None else None

    def _caught_up(self, c: Context) -> _Kept:
        """The kept events, with those arrived since the last look tested and added."""
        index = c.kept
        assert index is not None
        kept = index.memo.get(self.kept_name)
        if kept is None:
            kept = index.memo[self.kept_name] = _Kept()
        kept.seen, arrived = index.arrived(kept.seen, self.types)
        if arrived:
            passes, measure, env = self.passes, self.measure, {}
            for key, event in arrived:
                env[self.var] = event
                if passes(c, env):
                    at = bisect_right(kept.keys, key)
                    if at < len(kept.keys):  # a late arrival moves the positions after it
                        kept.moved += 1
                    kept.keys.insert(at, key)
                    kept.events.insert(at, event)
                    if measure is not None:
                        found = measure(c, env)
                        kept.values.insert(at, found if isinstance(found, list) else [found])
        return kept

    def __call__(self, c: Context, e: Env) -> list[Any] | None:
        if c.kept is None:
            return self.plain(c, e) if self.plain is not None else None
        found = self._range(c, e)
        if found is None:
            return None
        kept, lo, hi = found
        return kept.events[lo:hi]

    def aggregate(self, c: Context, e: Env, function: str) -> Any:
        """The measure's ``function`` over the selection (UNSET: ask ``self``), extending the
        last reading's aggregate when the selection only grew at its end: a sum or average
        over a long window costs what arrived since, not the window's length."""
        if c.kept is None or (found := self._range(c, e)) is None:
            return UNSET
        kept, lo, hi = found
        memo = c.kept.memo
        last = memo.get(self.partial_name)
        if last is not None and last[0] == kept.moved and last[1] == lo and last[2] <= hi:
            start, partial = last[2], last[3]
        else:
            start, partial = lo, semantics.Partial()
        fresh = [value for values in kept.values[start:hi] for value in values]
        partial = semantics.accumulate(function, partial, fresh)
        memo[self.partial_name] = (kept.moved, lo, hi, partial)
        return semantics.finish(function, partial)

    def count(self, c: Context, e: Env, leaving: Leaving | None = None) -> int | None:
        """How many events the selection holds, without listing them (None: ask ``self``).
        ``leaving``: for a truth read from the count, how many of its events must leave the
        window before that truth changes; the instant the last of those leaves is noted, not
        the instant the count first changes."""
        found = self._range(c, e, leaving) if c.kept is not None else None
        return None if found is None else found[2] - found[1]

    def _range(
        self, c: Context, e: Env, leaving: Leaving | None = None
    ) -> tuple[_Kept, int, int] | None:
        """The kept events and the positions of those selected, from ``lo`` to ``hi``; None
        when the window has no closed form here (the generic path answers). In a trailing
        window every selected event is inside and they leave in key order, so ``leaving``
        picks the one whose leaving is noted."""
        kept, window = self._caught_up(c), self.window
        visible = bisect_right(kept.keys, (c.as_of, LAST))
        if window is None:
            c.note(c.upcoming)
            return kept, 0, visible
        span = _span(window, c, e, kept.keys, visible)
        if span is None:
            return None
        c.note(c.upcoming)
        lo, hi = span
        # In a still window the bisects found exactly the events inside, for good: testing
        # the first would change nothing and note nothing.
        if lo < hi and not window.still:
            if leaving is not None and window.trailing_start(c.as_of) is not None:
                window.holds(c, e, kept.keys[lo + leaving(hi - lo) - 1][0])
            elif not window.holds(c, e, kept.keys[lo][0]):
                lo += 1
        return kept, lo, hi


def item_only(node: Node, var: str) -> bool:
    """Whether ``node`` reads only the item ``var`` and not the time: its value for an event
    never changes."""
    return _own_only(node, var) and not depends_on_time(node)


def _own_only(node: Node, var: str) -> bool:
    """Whether ``node`` reads nothing but the item ``var`` (no attribute, segment or other
    variable)."""
    names = free_names(node)
    return names is not None and names <= {var}


def _span(
    window: CompiledWindow, c: Context, e: Env, keys: list[Key], visible: int
) -> tuple[int, int] | None:
    """Positions of the first ``visible`` keys inside the window at as_of; None unless both
    bounds have a closed form and no visible key lies after the end."""
    lo, hi = 0, visible
    start, end = window.window.start, window.window.end
    trailing = window.trailing_start(c.as_of)
    if trailing is not None and start is not None:  # every visible key is before its end, now
        return _first_inside(keys, trailing, start, visible), visible
    if start is not None:
        at = _instant(window, start, c, e)
        if at is None:
            return None
        lo = _first_inside(keys, at, start, visible)
    if end is not None:
        at = _instant(window, end, c, e)
        if at is None:
            return None
        hi = (
            bisect_right(keys, (at, LAST), 0, visible)
            if end.inclusive
            else bisect_left(keys, (at, -1), 0, visible)
        )
        if max(lo, hi) < visible and _moving(end):
            return None
    return lo, max(lo, hi)


def _first_inside(keys: list[Key], at: datetime, start: Bound, visible: int) -> int:
    """The position of the first of the ``visible`` keys not before a window's start ``at``."""
    if start.inclusive:
        return bisect_left(keys, (at, -1), 0, visible)
    return bisect_right(keys, (at, LAST), 0, visible)


def _moving(bound: Bound) -> bool:
    """Whether the bound is anchored on now, a day word or a period (it moves as as_of
    advances), rather than on an expression of the events or attributes."""
    return isinstance(bound.anchor, TimeAnchor | Period)


def _instant(window: CompiledWindow, bound: Bound, c: Context, e: Env) -> Any:
    form = window.form(bound, c, e)
    return form.value if form.grid is not None else None
