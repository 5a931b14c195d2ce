"""Pending re-evaluations: one due instant per key, kept in one-second buckets so that setting
and firing stay cheap with millions of timers (a single global heap of every timer is the slow
shape engines.md measured)."""

from __future__ import annotations

import heapq
from collections.abc import Hashable, ItemsView
from datetime import datetime, timedelta
from typing import Generic, TypeVar

Key = TypeVar("Key", bound=Hashable)
_EPOCH = datetime(1970, 1, 1)
_WIDTH = timedelta(seconds=1)


class Timers(Generic[Key]):
    """``set`` replaces a key's pending instant; ``pop`` yields due ones in time order."""

    def __init__(self) -> None:
        self._due: dict[Key, datetime] = {}
        self._buckets: dict[int, list[tuple[datetime, int, Key]]] = {}
        self._order: list[int] = []
        self._sequence = 0

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
                    continue
                if due > until:
                    return None
                heapq.heappop(bucket)
                del self._due[key]
                return due, key
            heapq.heappop(self._order)
            del self._buckets[number]
        return None
