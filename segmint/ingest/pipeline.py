"""Ingestion of one file into one dataset: read and validate, then store, register identities
and stitch (``ingest.write``) in one transaction; idempotent (a file or an event ``_id`` seen
before adds nothing)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import orjson
import pyarrow as pa

from segmint.config import DEFAULT_IDENTITY_CAP
from segmint.errors import Problem, ValidationError
from segmint.ingest.conform import ARROW_ERRORS, Mismatch, conform
from segmint.ingest.readers import FileFormat, detect_format, iter_records, read_table
from segmint.ingest.validate import RecordValidator
from segmint.ingest.write import records_table, write_records
from segmint.schema.model import Schema
from segmint.store import catalog, identities, records
from segmint.store.workspace import Workspace


class OnError(StrEnum):
    FAIL = "fail"
    SKIP = "skip"


@dataclass
class IngestReport:
    file: str
    dataset: str
    batch_id: str
    records: int = 0
    added: int = 0
    duplicates: int = 0
    rejected: int = 0
    already_ingested: bool = False
    quarantine: Path | None = None
    graph: identities.GraphSummary | None = None
    problems: list[Problem] = field(default_factory=list)


def ingest_file(
    workspace: Workspace,
    path: Path,
    dataset_name: str,
    *,
    file_format: FileFormat | None = None,
    on_error: OnError = OnError.FAIL,
    identity_cap: int = DEFAULT_IDENTITY_CAP,
    fail_after_write: Callable[[], None] | None = None,
) -> IngestReport:
    """Ingest one file. ``fail_after_write`` lets tests inject a failure inside the transaction."""
    con = workspace.con
    dataset = catalog.dataset(con, dataset_name)
    file_format = detect_format(path, file_format)
    batch_id = f"{dataset.name}-{_content_hash(path)[:24]}"
    report = IngestReport(str(path), dataset.name, batch_id)
    if records.batch_exists(con, batch_id):
        report.already_ingested = True
        return report
    schema = catalog.schema(con, dataset.schema_class)
    namespaces = {namespace.name: namespace for namespace in catalog.namespaces(con)}
    validator = RecordValidator(schema, dataset.identity_fields, namespaces, str(path))
    table, rejected = _read_valid(path, file_format, schema, validator)
    report.records = table.num_rows + len(rejected)
    report.rejected = len(rejected)
    report.problems = [problem for _, problems in rejected for problem in problems]
    if rejected and on_error is OnError.FAIL:
        raise ValidationError(report.problems)
    quarantine_tmp = _write_quarantine(workspace, batch_id, rejected) if rejected else None
    with workspace.transaction():
        stored = write_records(
            con,
            dataset,
            table,
            batch_id=batch_id,
            source=str(path),
            namespaces=list(namespaces.values()),
            identity_cap=identity_cap,
            rejected=report.rejected,
        )
        report.added, report.duplicates = stored.added, stored.duplicates
        report.graph = identities.summary(con)
        if fail_after_write is not None:
            fail_after_write()
    if quarantine_tmp is not None:
        report.quarantine = quarantine_tmp.with_suffix("")
        os.replace(quarantine_tmp, report.quarantine)
    return report


Rejected = list[tuple[dict[str, object] | None, list[Problem]]]


def _read_valid(
    path: Path, file_format: FileFormat, schema: Schema, validator: RecordValidator
) -> tuple[pa.Table, Rejected]:
    """The valid records as a table, and the rejected ones with their problems: the whole file
    at once when it all fits the schema, else record by record, locating every problem."""
    try:
        raw = read_table(path, file_format)
        table = conform(
            raw,
            schema,
            validator.identity_fields,
            validator.namespaces,
            from_text=file_format.is_text,
        )
    except (Mismatch, *ARROW_ERRORS):
        return _read_each(path, file_format, schema, validator)
    return table, []


def _read_each(
    path: Path, file_format: FileFormat, schema: Schema, validator: RecordValidator
) -> tuple[pa.Table, Rejected]:
    """Record by record through the validator, which says where each problem is."""
    valid: list[dict[str, object]] = []
    rejected: Rejected = []
    for raw_record in iter_records(path, file_format):
        if raw_record.values is None:
            assert raw_record.problem is not None
            rejected.append((None, [raw_record.problem]))
            continue
        original = dict(raw_record.values)
        normalised, problems = validator.validate(
            raw_record.values, raw_record.line, from_text=file_format.is_text
        )
        if normalised is None:
            rejected.append((original, problems))
        else:
            valid.append(normalised)
    return records_table(schema, valid), rejected


def _content_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_quarantine(
    workspace: Workspace,
    batch_id: str,
    rejected: Rejected,
) -> Path:
    """Rejected records with their reasons, written aside until the batch commits."""
    folder = workspace.path / "quarantine"
    folder.mkdir(exist_ok=True)
    target = folder / f"{batch_id}.jsonl.tmp"
    with target.open("wb") as handle:
        for record, problems in rejected:
            entry = {
                "line": problems[0].location.line,
                "problems": [str(problem) for problem in problems],
                "record": record,
            }
            handle.write(orjson.dumps(entry, default=str) + b"\n")
    return target
