"""Work that goes on after its request has answered (create, then poll), as the original's
previews and jobs do. Items live in memory for the life of the server, each visible only in
its own sandbox; the oldest are forgotten past a bound, so a long-running server stays small."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, Protocol, TypeVar

from segmint.errors import NotFoundError


class Tracked(Protocol):
    id: str
    sandbox: str


T = TypeVar("T", bound=Tracked)


class Registry(Generic[T]):
    def __init__(self, what: str, keep: int = 1000) -> None:
        self._what = what
        self._keep = keep
        self._lock = threading.Lock()
        self._items: OrderedDict[str, T] = OrderedDict()

    def add(self, item: T) -> T:
        with self._lock:
            self._items[item.id] = item
            while len(self._items) > self._keep:
                self._items.popitem(last=False)
        return item

    def get(self, sandbox: str, item_id: str) -> T:
        with self._lock:
            found = self._items.get(item_id)
        if found is None or found.sandbox != sandbox:
            raise NotFoundError(f'no {self._what} "{item_id}" in sandbox {sandbox}')
        return found

    def newest_first(self, sandbox: str) -> list[T]:
        with self._lock:
            items = list(self._items.values())
        return [item for item in reversed(items) if item.sandbox == sandbox]
