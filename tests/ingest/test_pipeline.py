"""Batches commit whole or not at all, re-ingesting adds nothing, and every format lands alike."""

from __future__ import annotations

from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from segmint.ingest.pipeline import OnError, ingest_file
from segmint.store.workspace import Workspace
from tests.conftest import count, event, make_workspace, write_jsonl


def purchase(_id: str, ts: str, total: float, device: str) -> dict[str, object]:
    return event(_id, ts, "commerce.purchases", ecid=device) | {
        "commerce": {"order": {"priceTotal": total}},
        "productListItems": [{"SKU": "S1", "quantity": 2, "priceTotal": total}],
    }


def stored_events(ws: Workspace) -> list[tuple[object, ...]]:
    return ws.con.execute(
        "SELECT _id, timestamp, eventType, commerce.order.priceTotal, productListItems, "
        "(SELECT namespace || ':' || id FROM identities x WHERE x.identity_key = e.identity_key) "
        "FROM events e ORDER BY _id"
    ).fetchall()


def test_skip_mode_commits_valid_records_and_quarantines_the_rest(
    workspace: Workspace, tmp_path: Path
) -> None:
    path = write_jsonl(
        tmp_path / "events.jsonl",
        [
            purchase("e1", "2026-01-01T10:00:00Z", 10.0, "d1"),
            purchase("e2", "2026-01-01T11:00:00Z", 12.5, "d2") | {"eventType": None},
            purchase("e3", "2026-01-01T12:00:00Z", 7.0, "d1"),
        ],
    )
    report = ingest_file(workspace, path, "web", on_error=OnError.SKIP)
    assert (report.records, report.added, report.rejected) == (3, 2, 1)
    assert [row[0] for row in stored_events(workspace)] == ["e1", "e3"]
    assert report.quarantine is not None
    (entry,) = [orjson.loads(line) for line in report.quarantine.read_bytes().splitlines()]
    assert entry["line"] == 2
    assert entry["record"]["_id"] == "e2"
    assert entry["problems"] == [f"{path}:2: field eventType: is required for every event"]


def test_failure_inside_the_transaction_leaves_the_store_unchanged(
    workspace: Workspace, tmp_path: Path
) -> None:
    ingest_file(
        workspace,
        write_jsonl(tmp_path / "a.jsonl", [purchase("e1", "2026-01-01T10:00:00Z", 1.0, "d1")]),
        "web",
    )
    before = [
        count(workspace, t)
        for t in ("events", "identities", "identity_links", "identity_profiles", "batches")
    ]
    second = write_jsonl(
        tmp_path / "b.jsonl",
        [
            event("e2", "2026-01-02T10:00:00Z", ecid="d2", email="a@x.com"),
            event("e3", "2026-01-02T11:00:00Z", ecid="d1", email="a@x.com"),
        ],
    )

    def crash() -> None:
        raise RuntimeError("disk unplugged")

    with pytest.raises(RuntimeError):
        ingest_file(workspace, second, "web", fail_after_write=crash)
    after = [
        count(workspace, t)
        for t in ("events", "identities", "identity_links", "identity_profiles", "batches")
    ]
    assert after == before
    report = ingest_file(workspace, second, "web")
    assert report.added == 2


def test_reingesting_a_file_or_known_event_ids_adds_nothing(
    workspace: Workspace, tmp_path: Path
) -> None:
    first = write_jsonl(
        tmp_path / "a.jsonl",
        [
            purchase("e1", "2026-01-01T10:00:00Z", 1.0, "d1"),
            purchase("e2", "2026-01-01T11:00:00Z", 2.0, "d1"),
        ],
    )
    assert ingest_file(workspace, first, "web").added == 2
    again = ingest_file(workspace, first, "web")
    assert again.already_ingested and again.added == 0
    overlapping = write_jsonl(
        tmp_path / "b.jsonl",
        [
            purchase("e2", "2026-01-01T11:00:00Z", 2.0, "d1"),
            purchase("e3", "2026-01-01T12:00:00Z", 3.0, "d1"),
            purchase("e3", "2026-01-01T12:00:00Z", 3.0, "d1"),
        ],
    )
    report = ingest_file(workspace, overlapping, "web")
    assert (report.added, report.duplicates) == (1, 2)
    assert count(workspace, "events") == 3


def test_fast_and_precise_paths_store_the_same_rows(tmp_path: Path, workspace: Workspace) -> None:
    """A clean file takes the vectorised path; one bad line forces the record-by-record path."""
    good = [purchase(f"e{i}", f"2026-01-0{i}T10:00:00Z", i * 1.5, f"d{i % 2}") for i in range(1, 6)]
    ingest_file(workspace, write_jsonl(tmp_path / "clean.jsonl", good), "web")
    fast = stored_events(workspace)
    with make_workspace(tmp_path / "ws2") as other:
        dirty = write_jsonl(tmp_path / "dirty.jsonl", [*good, {"_id": "bad"}])
        ingest_file(other, dirty, "web", on_error=OnError.SKIP)
        assert stored_events(other) == fast


def test_parquet_and_jsonl_land_alike(tmp_path: Path, workspace: Workspace) -> None:
    records = [purchase(f"e{i}", f"2026-01-0{i}T10:00:00Z", float(i), "d1") for i in range(1, 4)]
    ingest_file(workspace, write_jsonl(tmp_path / "a.jsonl", records), "web")
    from_jsonl = stored_events(workspace)
    workspace.con.execute("DELETE FROM events")
    workspace.con.execute("DELETE FROM batches")
    table = pa.Table.from_pylist([r | {"_id": r["_id"]} for r in records])
    identity = pa.map_(
        pa.string(), pa.list_(pa.struct([("id", pa.string()), ("primary", pa.bool_())]))
    )
    table = table.set_column(
        table.schema.get_field_index("identityMap"),
        "identityMap",
        pa.array([list(r["identityMap"].items()) for r in records], identity),
    )  # type: ignore[attr-defined]
    pq.write_table(table, tmp_path / "a.parquet")
    ingest_file(workspace, tmp_path / "a.parquet", "app")
    assert stored_events(workspace) == from_jsonl
