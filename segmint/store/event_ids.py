"""Which event ``_id``s are stored, answered mostly from memory.

Streaming looks up every batch's ``_id``s before it stores them (a repeated event is counted,
not stored or evaluated again). DuckDB answers an ``_id IN (...)`` lookup by scanning every
stored ``_id``, even with an index: 6 ms per batch at 240k events, growing with the store. A
long-lived writer instead keeps the 64-bit hashes of the stored ``_id``s (8 bytes per event),
sorted, and asks the store only about the ids whose hash it holds: in steady streaming none, a
client's retry its own ids. A hash never misses a stored id, so the answer stays exact."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from segmint.engines.duckdb import Connection, registered
from segmint.store.records import stored_ids
from segmint.store.tables import EVENTS

#: Hashes added since the sorted array was last rebuilt, before they are merged into it.
MERGE_AFTER = 65_536

Hashes = npt.NDArray[np.uint64]


class StoredEventIds:
    """The stored ``_id``s as their owner sees them: exact as long as every event stored after
    it was made is ``add``-ed (a stream that is the workspace's only writer while it lives).
    Ids added but then not committed only cost a lookup in the store."""

    def __init__(self, con: Connection) -> None:
        found = con.execute(f"SELECT hash(_id) AS h FROM {EVENTS} ORDER BY h").fetchnumpy()
        self._sorted: Hashes = np.asarray(found["h"], dtype=np.uint64)
        self._recent: set[int] = set()

    def stored(self, con: Connection, ids: list[str]) -> tuple[set[str], Hashes]:
        """Which of ``ids`` are stored, and the ids' hashes (for ``add``)."""
        hashes = _hashes(con, ids)
        sorted_hashes = self._sorted
        at = np.minimum(np.searchsorted(sorted_hashes, hashes), max(len(sorted_hashes) - 1, 0))
        held = sorted_hashes[at] == hashes if len(sorted_hashes) else np.zeros(len(ids), bool)
        recent = self._recent
        maybe = [
            identity
            for identity, hit, value in zip(ids, held.tolist(), hashes.tolist(), strict=True)
            if hit or value in recent
        ]
        return (stored_ids(con, maybe) if maybe else set()), hashes

    def split(
        self, con: Connection, calls: list[list[dict[str, Any]]]
    ) -> tuple[list[list[dict[str, Any]]], list[tuple[int, int]]]:
        """Each call's events to store, and its (added, duplicates) as if the calls were
        committed one after the other: an event whose ``_id`` is stored already, or came before
        in this call or an earlier one, is its call's duplicate. The others are then taken as
        stored (``add``)."""
        wanted = list({event["_id"] for call in calls for event in call})
        seen, hashes = self.stored(con, wanted)
        self.add(hashes)
        kept: list[list[dict[str, Any]]] = []
        counts: list[tuple[int, int]] = []
        for call in calls:
            fresh = []
            for event in call:
                if event["_id"] not in seen:
                    seen.add(event["_id"])
                    fresh.append(event)
            kept.append(fresh)
            counts.append((len(fresh), len(call) - len(fresh)))
        return kept, counts

    def add(self, hashes: Hashes) -> None:
        """Hashes of ids being stored (by ``stored``)."""
        self._recent.update(hashes.tolist())
        if len(self._recent) >= MERGE_AFTER:
            merged = np.concatenate([self._sorted, np.fromiter(self._recent, np.uint64)])
            self._sorted = np.sort(merged)
            self._recent = set()


def _hashes(con: Connection, ids: list[str]) -> Hashes:
    """DuckDB's hash of each id, as the store's ids were hashed."""
    with registered(con, "ids_to_hash", pa.table({"id": pa.array(ids, pa.string())})):
        found = con.execute("SELECT hash(id) AS h FROM ids_to_hash").fetchnumpy()
    return np.asarray(found["h"], dtype=np.uint64)
