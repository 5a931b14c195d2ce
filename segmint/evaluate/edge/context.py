"""The state of one edge evaluation: the profile seen at one instant, and the earliest instant
at which anything read so far could read differently (the evaluation's change hint)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from segmint.evaluate.edge.events import EventIndex, Key

#: The smallest step of time: instants are datetimes to the microsecond.
TICK = timedelta(microseconds=1)

Env = dict[str, Any]
Event = dict[str, Any]

#: A compiled condition.
Test = Callable[["Context", Env], bool]

#: What ``Env.get`` gives for a variable not bound yet.
UNSET: Any = object()


def restore(env: Env, name: str, old: Any) -> None:
    """Put a variable back as it was before a binding (``old`` from ``env.get(name, UNSET)``)."""
    if old is UNSET:
        env.pop(name, None)
    else:
        env[name] = old


def every(tests: Sequence[Test]) -> Test:
    """All of ``tests`` in order, stopping at the first false one: nested ``and``s, which
    cost less per call than ``all`` over a generator (conditions run once per event)."""
    return _joined(tests, conjunction=True)


def either(tests: Sequence[Test]) -> Test:
    """Any of ``tests`` in order, stopping at the first true one (as ``every``)."""
    return _joined(tests, conjunction=False)


def _joined(tests: Sequence[Test], *, conjunction: bool) -> Test:
    if len(tests) <= 1:
        return tests[0] if tests else (lambda c, e: conjunction)
    first, rest = tests[0], _joined(tests[1:], conjunction=conjunction)
    if conjunction:
        return lambda c, e: first(c, e) and rest(c, e)
    return lambda c, e: first(c, e) or rest(c, e)


class Context:
    """One profile at one ``as_of``: only events with ``timestamp <= as_of`` exist.

    Every compiled node that reads something depending on as_of calls ``note`` with the first
    later instant at which that reading could differ; the minimum is the change hint. Readings
    the evaluation skipped (short-circuits) cannot change the result until a reading it made
    changes, so the hint is safe.

    Given a kept ``index`` (time-ordered, see ``IndexedProfile``), nothing scans all the events
    unless a reading needs them all; otherwise the visible events are listed once and indexed
    on the first reading restricted to some types."""

    __slots__ = (
        "_index",
        "_typed",
        "_visible",
        "all_events",
        "as_of",
        "attributes",
        "bounds",
        "hint",
        "kept",
        "memo",
        "segments",
        "upcoming",
    )

    def __init__(
        self,
        attributes: dict[str, Any],
        events: list[Event],
        segments: set[str] | frozenset[str],
        as_of: datetime,
        index: EventIndex | None = None,
    ) -> None:
        self.as_of = as_of
        self.attributes = attributes
        self.all_events = events
        self.segments = segments
        self.hint: datetime | None = None
        #: Bounds of windows with fixed anchors, computed once per evaluation (by bound id).
        self.bounds: dict[int, Any] = {}
        #: The index kept across evaluations (what is stored in it is reused), if any.
        self.kept = index
        #: Memoized closed expressions (``edge.memo``): the kept index's, else this one's.
        self.memo: dict[str, Any] = index.memo if index is not None else {}
        self._index = index
        self._typed: dict[frozenset[str], tuple[list[Key], list[Event]]] = {}
        self._visible: list[Event] | None = None
        #: The first event still in the future: the event list changes then.
        self.upcoming: datetime | None = None
        if index is not None:
            self.upcoming = index.upcoming(as_of)
        else:
            self._visible = self._scan()

    def _scan(self) -> list[Event]:
        """The visible events in list order; sets ``upcoming`` on the way."""
        visible: list[Event] = []
        as_of, upcoming = self.as_of, None
        for event in self.all_events:
            stamp = event.get("timestamp")
            if not isinstance(stamp, datetime):
                continue
            if stamp <= as_of:
                visible.append(event)
            elif upcoming is None or stamp < upcoming:
                upcoming = stamp
        self.upcoming = upcoming
        return visible

    @property
    def events(self) -> list[Event]:
        """Every event visible at as_of."""
        if self._visible is None:
            self._visible = self._scan()
        return self._visible

    def typed(self, types: frozenset[str]) -> list[Event]:
        """The visible events an ``eventType`` test for ``types`` can hold for, in order."""
        return self.keyed(types)[1]

    def keyed(self, types: frozenset[str]) -> tuple[list[Key], list[Event]]:
        """``typed`` with the events' index keys (``EventIndex``)."""
        found = self._typed.get(types)
        if found is None:
            found = self._typed[types] = self.index.visible(types, self.as_of)
        return found

    @property
    def index(self) -> EventIndex:
        """The kept index, else one of the visible events, built on first use."""
        if self._index is None:
            self._index = EventIndex.of_visible(self.events)
        return self._index

    def version(self, types: frozenset[str] | None) -> int:
        """The kept index's version for ``types``; without one the events never change."""
        return self.kept.version(types) if self.kept is not None else 0

    def note(self, instant: datetime | None) -> None:
        """Something read could read differently from ``instant`` on."""
        if instant is not None and (self.hint is None or instant < self.hint):
            self.hint = instant

    def at(self, as_of: datetime) -> Context:
        """The same profile at another instant (to resolve window anchors there)."""
        return Context(self.attributes, self.all_events, self.segments, as_of, self.kept)
