"""Stored event ids answered from memory: exact (every stored id found, no other), for ids
stored before the lookup was made and for those added since, before and after they are
merged into the sorted hashes."""

from __future__ import annotations

import pytest

from segmint.store import event_ids
from segmint.store.event_ids import StoredEventIds
from segmint.store.workspace import Workspace
from segmint.stream.service import EventStream
from tests.conftest import event


def _stream_ids(workspace: Workspace, ids: list[str]) -> None:
    EventStream(workspace, "web").collect(
        [event(i, "2026-01-01T10:00:00Z", ecid=f"person-{i}") for i in ids]
    )


def test_an_empty_store_holds_no_id(workspace: Workspace) -> None:
    with workspace:
        found, hashes = StoredEventIds(workspace.con).stored(workspace.con, ["a", "b"])
        assert found == set() and len(hashes) == 2


def test_ids_stored_before_are_found_and_no_other(workspace: Workspace) -> None:
    with workspace:
        _stream_ids(workspace, ["a", "b", "c"])
        stored = StoredEventIds(workspace.con)
        found, _ = stored.stored(workspace.con, ["b", "x", "c", "y", ""])
        assert found == {"b", "c"}


@pytest.mark.parametrize("merge_after", [1, 2, 1_000])
def test_ids_added_since_are_found_merged_or_not(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, merge_after: int
) -> None:
    monkeypatch.setattr(event_ids, "MERGE_AFTER", merge_after)
    with workspace:
        _stream_ids(workspace, ["a"])
        stored = StoredEventIds(workspace.con)
        for batch in (["b", "c"], ["d"]):
            found, hashes = stored.stored(workspace.con, batch)
            assert found == set()
            stored.add(hashes)
            _stream_ids(workspace, batch)
        found, _ = stored.stored(workspace.con, ["a", "b", "c", "d", "e"])
        assert found == {"a", "b", "c", "d"}


def test_an_id_added_but_never_stored_is_not_found(workspace: Workspace) -> None:
    """A batch whose commit failed leaves its hashes behind: they cost a lookup, no error."""
    with workspace:
        stored = StoredEventIds(workspace.con)
        _, hashes = stored.stored(workspace.con, ["lost"])
        stored.add(hashes)
        assert stored.stored(workspace.con, ["lost"])[0] == set()
