"""Shared fixtures: a fresh workspace per test, and helpers to write input files."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import settings

from segmint.cli.workspace import create_sandbox
from segmint.schema.model import SchemaClass
from segmint.store import catalog
from segmint.store.workspace import Workspace

settings.register_profile("ci", max_examples=100, deadline=None, derandomize=True)
settings.register_profile("dev", max_examples=50, deadline=None)
settings.load_profile("ci")


def make_workspace(path: Path) -> Workspace:
    """A workspace with the prod sandbox and datasets crm and loyalty (profile), web and app."""
    ws = Workspace.open(path, create=True)
    create_sandbox(ws, "prod")
    ws.use("prod")
    for name, schema_class in [
        ("crm", SchemaClass.PROFILE),
        ("loyalty", SchemaClass.PROFILE),
        ("web", SchemaClass.EVENT),
        ("app", SchemaClass.EVENT),
    ]:
        catalog.create_dataset(ws.con, catalog.Dataset(name, schema_class))
    return ws


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    with make_workspace(tmp_path / "ws") as ws:
        yield ws


def write_jsonl(path: Path, records: Sequence[dict[str, Any]]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(record) + b"\n" for record in records))
    return path


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def event(
    _id: str, ts: str, event_type: str = "web.webpagedetails.pageViews", **identities: str
) -> dict[str, Any]:
    """A minimal valid event; identities as namespace=id keyword arguments, the first primary."""
    identity_map = {
        namespace: [{"id": value, "primary": index == 0}]
        for index, (namespace, value) in enumerate(identities.items())
    }
    return {"_id": _id, "timestamp": ts, "eventType": event_type, "identityMap": identity_map}


def count(ws: Workspace, table: str) -> int:
    row = ws.con.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert row is not None
    return int(row[0])
