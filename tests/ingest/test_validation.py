"""Every validation problem is reported with its file, line and field, and how to fix it."""

from __future__ import annotations

from pathlib import Path

import pytest

from segmint.errors import ValidationError
from segmint.ingest.pipeline import ingest_file
from segmint.store.workspace import Workspace
from tests.conftest import count, event, write_csv, write_jsonl

CRM_HEADER = ["identityMap.crmId", "identityMap.email", "person.name.firstName", "person.birthYear"]


def problems_of(ws: Workspace, path: Path, dataset: str) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        ingest_file(ws, path, dataset)
    return [str(problem) for problem in caught.value.problems]


def test_csv_type_error_names_file_line_and_field(workspace: Workspace, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "customers.csv",
        CRM_HEADER,
        [
            ["c1", "a@x.com", "Ann", "1984"],
            ["c2", "b@x.com", "Bob", "19x4"],
        ],
    )
    assert problems_of(workspace, path, "crm") == [
        f'{path}:3: field person.birthYear: expected integer, got "19x4"'
    ]


def test_csv_quoted_newline_keeps_real_line_numbers(workspace: Workspace, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "customers.csv",
        CRM_HEADER,
        [
            ["c1", "a@x.com", "Ann\nMarie", "1984"],
            ["c2", "b@x.com", "Bob", "abc"],
        ],
    )
    assert problems_of(workspace, path, "crm") == [
        f'{path}:4: field person.birthYear: expected integer, got "abc"'
    ]


def test_jsonl_invalid_json_is_located_by_line_and_column(
    workspace: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "events.jsonl"
    good = write_jsonl(tmp_path / "good.jsonl", [event("e1", "2026-01-01T00:00:00Z", ecid="d1")])
    path.write_bytes(good.read_bytes() + b'{"_id": "e2", "timestamp": }\n')
    (problem,) = problems_of(workspace, path, "web")
    assert problem.startswith(f"{path}:2:28: invalid JSON: unexpected character")


def test_unknown_field_suggests_the_closest_schema_field(
    workspace: Workspace, tmp_path: Path
) -> None:
    record = event("e1", "2026-01-01T00:00:00Z", ecid="d1") | {
        "comerce": {"order": {"priceTotal": 3}}
    }
    path = write_jsonl(tmp_path / "events.jsonl", [record])
    (problem,) = problems_of(workspace, path, "web")
    assert problem == f'{path}:1: field comerce: not in the event schema; did you mean "commerce"?'


def test_nested_type_errors_and_missing_required_fields(
    workspace: Workspace, tmp_path: Path
) -> None:
    records = [
        event("e1", "2026-01-01T00:00:00Z", ecid="d1")
        | {"productListItems": [{"SKU": "a", "quantity": "two"}]},
        {"_id": "e2", "eventType": "x", "identityMap": {"ecid": [{"id": "d1"}]}},
        event("e3", "yesterday", ecid="d1"),
        {"_id": "e4", "timestamp": "2026-01-01T00:00:00Z", "eventType": "x"},
        event("e5", "2026-01-01T00:00:00Z", emial="a@x.com"),
    ]
    path = write_jsonl(tmp_path / "events.jsonl", records)
    assert problems_of(workspace, path, "web") == [
        f'{path}:1: field productListItems[0].quantity: expected integer, got "two"',
        f"{path}:2: field timestamp: is required for every event",
        f'{path}:3: field timestamp: expected a datetime (ISO 8601, e.g. 2026-05-01T12:00:00Z), got "yesterday"',
        f"{path}:4: field identityMap: the record has no identity; give it an identityMap entry or an identity column",
        f'{path}:5: field identityMap.emial: unknown identity namespace "emial"; did you mean "email"?',
        f"{path}:5: field identityMap: the record has no identity; give it an identityMap entry or an identity column",
    ]


def test_two_primary_identities_are_refused(workspace: Workspace, tmp_path: Path) -> None:
    record = event("e1", "2026-01-01T00:00:00Z", ecid="d1")
    record["identityMap"]["email"] = [{"id": "a@x.com", "primary": True}]
    path = write_jsonl(tmp_path / "events.jsonl", [record])
    (problem,) = problems_of(workspace, path, "web")
    assert "more than one primary identity (ecid:d1, email:a@x.com)" in problem


def test_fail_mode_changes_nothing(workspace: Workspace, tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "events.jsonl",
        [
            event("e1", "2026-01-01T00:00:00Z", ecid="d1"),
            event("e2", "not a time", ecid="d2"),
        ],
    )
    problems_of(workspace, path, "web")
    assert [count(workspace, t) for t in ("events", "identities", "batches")] == [0, 0, 0]
