"""A batch resolves profiles only as far as its new links require: unlinked new identities
get their own profiles without a full graph resolution, and the result is always what a full
resolution over every stored link gives."""

from __future__ import annotations

from pathlib import Path

from segmint.ingest.pipeline import ingest_file
from segmint.store import catalog, identities
from segmint.store.workspace import Workspace
from tests.conftest import event, write_jsonl


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
