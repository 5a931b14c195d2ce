"""The files: reproducible bytes, the contract names and formats, values the schemas accept."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from segmint.demo import DemoFiles, DemoTables, generate, generate_tables
from segmint.errors import UsageError
from segmint.schema.defaults import EVENT_FIELDS, PROFILE_FIELDS
from segmint.schema.fields import FieldType

ARROW_TYPES = {
    FieldType.STRING: pa.string(),
    FieldType.INTEGER: pa.int64(),
    FieldType.NUMBER: pa.float64(),
    FieldType.BOOLEAN: pa.bool_(),
    FieldType.DATE: pa.date32(),
    FieldType.DATETIME: pa.timestamp("ms", tz="UTC"),
}
JSON_TYPES: dict[FieldType, type | tuple[type, ...]] = {
    FieldType.STRING: str,
    FieldType.INTEGER: int,
    FieldType.NUMBER: (int, float),
    FieldType.DATETIME: str,
}


def _contents(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", 400, seed=3)
    generate(tmp_path / "b", 400, seed=3)
    generate(tmp_path / "c", 400, seed=4)
    assert [p.name for p in (first.crm, first.web, first.app, first.email)] == [
        "crm.csv",
        "web.jsonl",
        "app.parquet",
        "email.jsonl",
    ]
    same, other = _contents(tmp_path / "a"), _contents(tmp_path / "c")
    assert same == _contents(tmp_path / "b")
    assert sorted(same) == ["app.parquet", "crm.csv", "email.jsonl", "web.jsonl"]
    assert all(same[name] != other[name] for name in same)


def test_counts_match_the_files(files: DemoFiles) -> None:
    assert files.people == 3_000
    assert len(files.web.read_bytes().splitlines()) == files.web_events
    assert len(files.email.read_bytes().splitlines()) == files.email_events
    assert pq.read_metadata(files.app).num_rows == files.app_events
    with files.crm.open(newline="") as handle:
        assert sum(1 for _ in csv.DictReader(handle)) == files.crm_records
    assert 40 <= files.events / files.people <= 60


def _paths(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Flatten a JSON object into (dotted XDM path, leaf value); arrays get ``[]``."""
    if isinstance(value, dict):
        return [pair for key, child in value.items() for pair in _paths(child, f"{prefix}{key}.")]
    if isinstance(value, list):
        return [pair for child in value for pair in _paths(child, prefix[:-1] + "[].")]
    return [(prefix[:-1], value)]


def test_json_lines_use_schema_paths_with_values_of_their_type(files: DemoFiles) -> None:
    for path in (files.web, files.email):
        for line in path.read_bytes().splitlines()[::5]:
            event = orjson.loads(line)
            event.pop("identityMap")
            for field, value in _paths(event):
                assert field in EVENT_FIELDS, field
                assert value is not None, field
                assert isinstance(value, JSON_TYPES[EVENT_FIELDS[field]]), (field, value)
            assert event["timestamp"].endswith("Z")


def _arrow_paths(field: pa.Field, prefix: str = "") -> list[tuple[str, pa.DataType]]:
    kind = field.type
    if pa.types.is_struct(kind):
        return [pair for child in kind for pair in _arrow_paths(child, f"{prefix}{field.name}.")]
    if pa.types.is_list(kind):
        return _arrow_paths(pa.field(field.name + "[]", kind.value_type), prefix)
    return [(prefix + field.name, kind)]


def test_event_tables_use_schema_paths_with_arrow_types(
    tables: DemoTables, files: DemoFiles
) -> None:
    app = pq.read_table(files.app)
    assert app.schema.field("timestamp").type == pa.timestamp("ms", tz="UTC")
    assert app.schema.field("identityMap").type == pa.map_(
        pa.string(), pa.list_(pa.struct([("id", pa.string()), ("primary", pa.bool_())]))
    )
    for table in (tables.web, app, tables.email):
        assert table.schema == tables.web.schema
        for field in table.schema:
            if field.name != "identityMap":
                for path, kind in _arrow_paths(field):
                    assert ARROW_TYPES[EVENT_FIELDS[path]] == kind, path


def test_crm_csv_header_and_cells(files: DemoFiles) -> None:
    with files.crm.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    identity = ["identityMap.crmId", "identityMap.email", "identityMap.phone"]
    attributes = [name for name in rows[0] if name not in identity]
    assert set(identity) <= set(rows[0])
    assert {name + "[]" if name == "preferences.interests" else name for name in attributes} <= set(
        PROFILE_FIELDS
    )
    assert all(row["identityMap.crmId"].startswith("CRM") for row in rows)
    assert len({row["identityMap.crmId"] for row in rows}) == len(rows)
    for row in rows[::7]:
        if row["preferences.interests"]:
            assert all(isinstance(i, str) for i in orjson.loads(row["preferences.interests"]))
        if row["person.birthDate"]:
            born = date.fromisoformat(row["person.birthDate"])
            assert row["person.birthYear"] in ("", str(born.year))
        assert row["createdAt"].endswith("Z") and "T" in row["createdAt"]
        assert row["consents.marketing.email"] in ("true", "false", "")
    for column in ("person.birthDate", "homeAddress.street1", "mobilePhone.number", "loyalty.tier"):
        empty = sum(1 for row in rows if not row[column])
        assert 0 < empty < len(rows) / 4, column


def test_progress_reports_every_step(tmp_path: Path) -> None:
    steps: list[tuple[str, int, int]] = []
    generate(tmp_path, 50, progress=lambda step, done, total: steps.append((step, done, total)))
    assert [done for _, done, _ in steps] == list(range(1, 9))
    assert {total for _, _, total in steps} == {8}
    assert [step for step, _, _ in steps][-4:] == [
        "crm.csv",
        "web.jsonl",
        "app.parquet",
        "email.jsonl",
    ]


def test_bad_sizes_are_usage_errors() -> None:
    with pytest.raises(UsageError):
        generate_tables(0)
    with pytest.raises(UsageError):
        generate_tables(10, days=0)
