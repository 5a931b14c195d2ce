"""``segmint serve --max-profiles``: a collection stream holds at most that many profiles in
memory, and one dropped is read back from the store, with its events, when it returns."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI

from segmint.api.app import create_app
from tests.api.conftest import Api, Keys
from tests.api.test_collection import collect, define
from tests.conftest import event

pytestmark = pytest.mark.anyio


@pytest.fixture
def app(workspace_path: Path, keys: Keys) -> FastAPI:
    return create_app(workspace_path, max_profiles=1)


async def test_a_profile_dropped_from_memory_enters_with_the_events_it_had(
    api: Api, app: FastAPI
) -> None:
    """Ann searches, Bob searches (Ann is dropped), Ann searches again: her second search
    makes two, read back with the first, and she enters."""
    await define(api)
    moves = []
    for number, who in enumerate(("ann", "bob", "ann")):
        found = event(f"e{number}", f"2026-10-10T10:0{number}:00Z", "search", email=f"{who}@x.com")
        status, receipt = await collect(api, [found])
        assert status == 200, receipt
        moves += [(t["segment"], t["status"], t["time"]) for t in receipt["transitions"]]
        assert len(app.state.collectors._streams["prod"].stream.processor.profiles) == 1
    assert moves == [("Two searches", "entered", "2026-10-10T10:02:00Z")]
