"""A profile's events by type, so that a reading restricted to some event types (see
``edge.types``) touches only those events instead of scanning them all.

Each type's events are kept in evaluation order under sortable keys: ``(timestamp, arrival)`` for
an index kept across evaluations (the streaming state's, where events arrive out of order and
visibility at as_of is a bisect), or ``(datetime.min, position)`` for one built from the events
already visible at one instant. Events whose type is not a string (missing, a list, ...) are kept
under ``OTHER`` and read by every restricted reading: a type test never rules them out.
"""

from __future__ import annotations

import sys
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from typing import Any

from segmint.evaluate.reference import ProfileData

Event = dict[str, Any]
Key = tuple[datetime, int]

#: The bucket of events whose ``eventType`` is not a string.
OTHER: Any = object()
#: An arrival number after every other: ``(t, LAST)`` sorts after every key at ``t``.
LAST = sys.maxsize


class EventIndex:
    """Events with a datetime timestamp, bucketed by ``eventType``, each bucket in key order."""

    __slots__ = ("_arrivals", "_counts", "_items", "_keys", "_logs", "_stamps", "memo", "timed")

    def __init__(self) -> None:
        self._keys: dict[Any, list[Key]] = {}
        self._counts: dict[Any, int] = {}
        #: Values of closed expressions over these events (``edge.memo``), by expression.
        self.memo: dict[str, Any] = {}
        self._items: dict[Any, list[Event]] = {}
        #: Per type, (key, event) in the order indexed, so that a reading keeping its own
        #: selection up to date need look only at the ones of its types it has not seen.
        self._logs: dict[Any, list[tuple[Key, Event]]] = {}
        #: Every indexed timestamp, sorted: the next event after as_of is a bisect away.
        self._stamps: list[datetime] = []
        self._arrivals = 0
        #: Whether keys start with the timestamp: a time window is then a bisect away.
        self.timed = True

    @classmethod
    def of_visible(cls, events: list[Event]) -> EventIndex:
        """An index of events all visible at one instant, keeping their order: keyed by
        ``(timestamp, position)`` when that order is the time order (as a store or a stream
        gives them), else by ``(datetime.min, position)``."""
        index = cls()
        stamps = [event["timestamp"] for event in events]
        index.timed = all(a <= b for a, b in pairwise(stamps))
        for position, event in enumerate(events):
            kind = event.get("eventType")
            kind = kind if isinstance(kind, str) else OTHER
            keys = index._keys.get(kind)
            if keys is None:
                keys = index._keys[kind] = []
                index._items[kind] = []
            key = (stamps[position] if index.timed else datetime.min, position)
            keys.append(key)
            index._items[kind].append(event)
            index._logs.setdefault(kind, []).append((key, event))
        index._arrivals = len(events)
        return index

    def __len__(self) -> int:
        return len(self._stamps)

    def add(self, event: Event) -> None:
        """Index an arriving event after those with the same timestamp (as ``insort`` orders
        the retained list); one without a datetime timestamp is never visible, so skipped."""
        stamp = event.get("timestamp")
        if not isinstance(stamp, datetime):
            return
        kind = event.get("eventType")
        kind = kind if isinstance(kind, str) else OTHER
        key = (stamp, self._arrivals)
        self._arrivals += 1
        keys = self._keys.get(kind)
        if keys is None:
            keys = self._keys[kind] = []
            self._items[kind] = []
        self._counts[kind] = len(keys) + 1
        at = _sorted_position(keys, key)
        keys.insert(at, key)
        self._items[kind].insert(at, event)
        self._logs.setdefault(kind, []).append((key, event))
        self._stamps.insert(_sorted_position(self._stamps, stamp), stamp)

    def version(self, types: frozenset[str] | None) -> int:
        """A number that grows whenever an event a reading of ``types`` (None: of any type)
        could see is added."""
        if types is None:
            return self._arrivals
        counts = self._counts
        found = counts.get(OTHER, 0)
        for kind in types:
            found += counts.get(kind, 0)
        return found

    def arrived(self, seen: int, types: frozenset[str]) -> tuple[int, list[tuple[Key, Event]]]:
        """The events of ``types`` (and of no string type) indexed after the first ``seen``
        (type by type, each in the order indexed), with their keys, and how many are indexed
        now (the ``seen`` of the next call)."""
        total = self._arrivals
        if total == seen:
            return seen, []
        found: list[tuple[Key, Event]] = []
        for kind in (*types, OTHER):
            log = self._logs.get(kind)
            if log is None or log[-1][0][1] < seen:  # a key's second item is its arrival
                continue
            start = len(log) - 1  # back over the new ones: as many steps as are returned
            while start and log[start - 1][0][1] >= seen:
                start -= 1
            found += log[start:]
        return total, found

    def latest(self) -> datetime | None:
        """The latest indexed timestamp."""
        return self._stamps[-1] if self._stamps else None

    def upcoming(self, as_of: datetime) -> datetime | None:
        """The first indexed timestamp after as_of."""
        at = bisect_right(self._stamps, as_of)
        return self._stamps[at] if at < len(self._stamps) else None

    def visible(self, types: frozenset[str], as_of: datetime) -> tuple[list[Key], list[Event]]:
        """The events of ``types`` (and of no string type) with timestamp <= as_of, in order,
        and their keys."""
        limit = (as_of, LAST)
        kinds = [kind for kind in (*types, OTHER) if kind in self._keys]
        if not kinds:
            return [], []
        if len(kinds) == 1:
            keys = self._keys[kinds[0]]
            end = bisect_right(keys, limit)
            return keys[:end], self._items[kinds[0]][:end]
        found: list[tuple[Key, Event]] = []
        for kind in kinds:
            keys = self._keys[kind]
            found.extend(zip(keys[: bisect_right(keys, limit)], self._items[kind], strict=False))
        found.sort(key=_key)
        return [key for key, _ in found], [event for _, event in found]


def _key(pair: tuple[Key, Event]) -> Key:
    return pair[0]


@dataclass(frozen=True, slots=True)
class IndexedProfile(ProfileData):
    """A profile whose events (time-ordered) come with an index kept up to date alongside them,
    so an evaluation needs no pass over all the events."""

    index: EventIndex = field(default_factory=EventIndex)


def _sorted_position(ordered: list[Any], item: Any) -> int:
    """Where ``item`` goes in the sorted list, after its equals (as ``insort``): the end, with
    no bisect, for one arriving in order, as events mostly do."""
    return len(ordered) if not ordered or ordered[-1] <= item else bisect_right(ordered, item)
