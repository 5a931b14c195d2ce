"""A batch resolves profiles only as far as its new links require: unlinked new identities
get their own profiles without a full graph resolution, and the result is always what a full
resolution over every stored link gives."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmint.errors import ValidationError
from segmint.ingest.pipeline import ingest_file
from segmint.store import catalog, identities
from segmint.store.workspace import Workspace
from segmint.stream.service import EventStream
from tests.conftest import event, make_workspace, write_jsonl


def mapping(ws: Workspace) -> list[tuple[object, ...]]:
    return ws.con.execute("SELECT * FROM identity_profiles ORDER BY ALL").fetchall()


def test_incremental_resolution_equals_a_full_one(workspace: Workspace, tmp_path: Path) -> None:
    batches = [
        [event("e1", "2026-01-01T10:00:00Z", ecid="d1", email="a@x.com")],
        [event("e2", "2026-01-01T11:00:00Z", ecid="d2"), event("e3", "2026-01-01T12:00:00Z", ecid="d3")],
        [event("e4", "2026-01-02T10:00:00Z", ecid="d2", email="a@x.com")],
        [event("e5", "2026-01-03T10:00:00Z", ecid="d4")],
    ]  # fmt: skip
    linked = []
    for number, batch in enumerate(batches):
        report = ingest_file(workspace, write_jsonl(tmp_path / f"b{number}.jsonl", batch), "web")
        incremental = mapping(workspace)
        with workspace.transaction() as con:
            full = identities.resolve_profiles(con, catalog.namespaces(con), 50)
        assert mapping(workspace) == incremental
        assert report.graph == full
        linked.append(len({profile for _, profile in incremental}))
    assert linked == [1, 3, 2, 3]


POOL = [("ecid", f"d{n}") for n in range(5)] + [("email", f"e{n}@x.com") for n in range(4)] + [
    ("crmId", f"C{n}") for n in range(3)
]
#: An event: its hour (the link's time) and the pool indexes of its identities, the first primary.
Events = st.lists(
    st.tuples(st.integers(0, 40), st.lists(st.integers(0, len(POOL) - 1), min_size=1, max_size=3,
                                           unique=True)),
    min_size=1, max_size=4,
)  # fmt: skip


def _event(number: int, hour: int, chosen: list[int]) -> dict[str, object]:
    identity_map: dict[str, list[dict[str, object]]] = {}
    for position, index in enumerate(chosen):
        namespace, value = POOL[index]
        identity_map.setdefault(namespace, []).append({"id": value, "primary": position == 0})
    stamp = f"2026-01-0{1 + hour // 24}T{hour % 24:02}:00:00Z"
    return {"_id": f"e{number}", "timestamp": stamp, "eventType": "x", "identityMap": identity_map}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(Events, min_size=1, max_size=4), cap=st.sampled_from([2, 3, 50]))
def test_resolving_the_linked_components_equals_resolving_everything(
    tmp_path_factory: pytest.TempPathFactory, batches: list[list[tuple[int, list[int]]]], cap: int
) -> None:
    """After each batch (links out of time order, unique namespaces kept apart, graphs over a
    small cap evicted), the profiles and issues equal a full resolution over every link."""
    with make_workspace(tmp_path_factory.mktemp("ws")) as ws:
        stream = EventStream(ws, "web", identity_cap=cap)
        number = 0
        for batch in batches:
            events = []
            for hour, chosen in batch:
                events.append(_event(number, hour, chosen))
                number += 1
            with contextlib.suppress(ValidationError):  # two primaries of a namespace, ...
                stream.collect(events)
            incremental = (mapping(ws), issues(ws))
            with ws.transaction() as con:
                identities.resolve_profiles(con, catalog.namespaces(con), cap)
            assert (mapping(ws), issues(ws)) == incremental


def issues(ws: Workspace) -> list[tuple[object, ...]]:
    return ws.con.execute("SELECT * FROM identity_issues ORDER BY ALL").fetchall()
