"""Pending re-evaluations: one due instant per key, kept in one-second buckets so that setting
and firing stay cheap with millions of timers (a single global heap of every timer is the slow
shape engines.md measured). A timer set again leaves its old entry behind, skipped when
reached; once those outnumber the live ones, the buckets are rebuilt with only the live, so a
timer pushed back at every event holds one entry, not one per event."""

from __future__ import annotations

import heapq
from collections.abc import Hashable, ItemsView
from datetime import datetime, timedelta
from typing import Generic, TypeVar

Key = TypeVar("Key", bound=Hashable)
_EPOCH = datetime(1970, 1, 1)
_WIDTH = timedelta(seconds=1)
#: Entries left behind that never trigger a rebuild (a small set rebuilds rarely).
_SLACK = 1024


class Timers(Generic[Key]):
    """``set`` replaces a key's pending instant; ``pop`` yields due ones in time order."""

    def __init__(self) -> None:
        self._due: dict[Key, datetime] = {}
        self._buckets: dict[int, list[tuple[datetime, int, Key]]] = {}
        self._order: list[int] = []
        self._sequence = 0
        #: Entries in the buckets, live or left behind.
        self._entries = 0

    def __len__(self) -> int:
        return len(self._due)

    def due(self, key: Key) -> datetime | None:
        return self._due.get(key)

    def items(self) -> ItemsView[Key, datetime]:
        """Each key with its pending instant."""
        return self._due.items()

    def set(self, key: Key, due: datetime | None) -> None:
        """Make ``due`` the key's one pending instant (None: cancel). Superseded entries stay
        in their bucket and are skipped when reached."""
        if due is None:
            self._due.pop(key, None)
            return
        if self._due.get(key) == due:
            return
        self._due[key] = due
        number = (due - _EPOCH) // _WIDTH
        bucket = self._buckets.get(number)
        if bucket is None:
            bucket = self._buckets[number] = []
            heapq.heappush(self._order, number)
        self._sequence += 1
        heapq.heappush(bucket, (due, self._sequence, key))
        self._entries += 1
        if self._entries > 2 * len(self._due) + _SLACK:
            self._compact()

    def _compact(self) -> None:
        """Rebuild the buckets with only the live entries, each keeping its (instant, sequence)
        place. Among timers due at one instant the order may change: a key set back to an
        instant it left comes after the others set there meanwhile, where its old entry would
        have put it first."""
        live: dict[Key, tuple[datetime, int, Key]] = {}
        for entry in sorted(entry for bucket in self._buckets.values() for entry in bucket):
            due, _, key = entry
            if key not in live and self._due.get(key) == due:
                live[key] = entry
        self._buckets, self._order = {}, []
        for entry in live.values():  # in order: each bucket's list is then a heap, as is _order
            number = (entry[0] - _EPOCH) // _WIDTH
            bucket = self._buckets.get(number)
            if bucket is None:
                bucket = self._buckets[number] = []
                self._order.append(number)
            bucket.append(entry)
        self._entries = len(live)

    def next_due(self) -> datetime | None:
        """The earliest pending instant (when a ticking clock must next reach)."""
        while self._order:
            number = self._order[0]
            bucket = self._buckets[number]
            while bucket:
                due, _, key = bucket[0]
                if self._due.get(key) == due:
                    return due
                heapq.heappop(bucket)
                self._entries -= 1
            heapq.heappop(self._order)
            del self._buckets[number]
        return None

    def pop(self, until: datetime) -> tuple[datetime, Key] | None:
        """The earliest pending (instant, key) due at or before ``until``, removed."""
        while self._order:
            number = self._order[0]
            bucket = self._buckets[number]
            while bucket:
                due, _, key = bucket[0]
                if self._due.get(key) != due:
                    heapq.heappop(bucket)
                    self._entries -= 1
                    continue
                if due > until:
                    return None
                heapq.heappop(bucket)
                self._entries -= 1
                del self._due[key]
                return due, key
            heapq.heappop(self._order)
            del self._buckets[number]
        return None
