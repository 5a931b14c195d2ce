"""Many callers at once: whatever the grouping and however far evaluation runs ahead of the
commits, each call is answered as if it had been collected alone, in commit order, by a
stream evaluating in-process."""

from __future__ import annotations

import itertools
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI

from segmint.api.collection import Collectors
from segmint.store.workspace import Workspace
from segmint.stream.calls import Receipt
from segmint.stream.service import EventStream
from tests.api.conftest import Api
from tests.streaming.test_service import RECENT, history, searchers_workspace

pytestmark = pytest.mark.anyio

START = datetime(2026, 10, 1)
CALLERS, CALLS, EVENTS = 8, 8, 5


def _calls(seed: int, ticks: itertools.count[int], lock: threading.Lock) -> list[list[object]]:
    """One caller's calls: searches and page views of 60 people, an hour apart (so windows
    lapse), the time taken from a clock shared by all callers as each call is made."""
    rng = random.Random(seed)
    calls: list[list[object]] = []
    for _ in range(CALLS):
        call: list[object] = []
        for _ in range(EVENTS):
            with lock:
                tick = next(ticks)
            person = f"p{rng.randrange(60)}@x.com"
            call.append({
                "_id": f"e{tick}", "timestamp": (START + timedelta(hours=tick)).isoformat() + "Z",
                "eventType": rng.choice(["search", "pageView"]),
                "identityMap": {"email": [{"id": person, "primary": True}]},
            })  # fmt: skip
        calls.append(call)
    return calls + calls[:1]  # the first again: all duplicates


Moves = list[tuple[object, str, str, datetime]]
Summary = tuple[int, int, int, Moves]


def _people(workspace: Workspace) -> dict[int, str]:
    """Each profile's person (profile ids depend on the order identities were stored in)."""
    rows = workspace.con.execute(
        "SELECT p.profile_id, i.id FROM identity_profiles p JOIN identities i USING (identity_key)"
    ).fetchall()
    return {int(profile): str(person) for profile, person in rows}


def _summary(receipt: Receipt, names: dict[str, str]) -> Summary:
    moves = [(t.profile, names[t.segment], t.status, t.time) for t in receipt.transitions]
    return receipt.accepted, receipt.duplicates, receipt.offset, moves


def _named(summaries: list[Summary], people: dict[int, str]) -> list[Summary]:
    return [
        (*counts, [(people[int(str(p))], *rest) for p, *rest in moves])
        for *counts, moves in summaries
    ]


async def test_concurrent_callers_get_what_collecting_alone_in_commit_order_gives(
    api: Api, app: FastAPI, tmp_path: Path
) -> None:
    definition = {
        "name": "Recent searchers",
        "expression": {"type": "PQL", "format": "pql/text", "value": RECENT},
    }
    created = await api.client.post(
        "/segment/definitions", json=definition, headers=api.auth("write")
    )
    assert created.status_code == 201, created.text
    collectors: Collectors = app.state.collectors
    ticks, lock = itertools.count(), threading.Lock()

    def caller(seed: int) -> list[tuple[list[object], tuple[int, int, int, Moves]]]:
        done = []
        for call in _calls(seed, ticks, lock):
            receipt, names = collectors.collect("prod", "web", call)
            done.append((call, _summary(receipt, names)))
        return done

    with ThreadPoolExecutor(CALLERS) as pool:
        answered = [pair for done in pool.map(caller, range(CALLERS)) for pair in done]
    answered.sort(key=lambda pair: pair[1][2])  # commit order: by offset
    with collectors._service.session("prod", write=False) as ws:
        concurrent = _named([summary for _, summary in answered], _people(ws)), history(ws)

    with searchers_workspace(tmp_path / "alone") as workspace:
        stream = EventStream(workspace, "web")
        alone = [_summary(stream.collect(call), stream.names) for call, _ in answered]
        assert concurrent == (_named(alone, _people(workspace)), history(workspace))
    assert sum(len(moves) for *_, moves in alone) >= 10
    assert any(status == "exited" for *_, moves in alone for *_, status, _ in moves)
