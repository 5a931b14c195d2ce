"""Reading input files, two ways: whole files into Arrow (fast), or record by record with the
line each record came from (precise, for locating problems)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.json as pa_json
import pyarrow.parquet as pq

from segmint.errors import Location, Problem, UsageError

_SUFFIXES = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
}


class FileFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"
    PARQUET = "parquet"

    @property
    def is_text(self) -> bool:
        """CSV cells are text to be parsed; JSON and Parquet values carry their own types."""
        return self is FileFormat.CSV


def detect_format(path: Path, given: FileFormat | None) -> FileFormat:
    if given is not None:
        return given
    name = _SUFFIXES.get(path.suffix.lower())
    if name is None:
        raise UsageError(
            f"cannot tell the format of {path} from its name",
            hint="pass --format csv, jsonl or parquet",
        )
    return FileFormat(name)


def read_table(path: Path, file_format: FileFormat) -> pa.Table:
    """The whole file as an Arrow table with inferred types (CSV: all text)."""
    if file_format is FileFormat.PARQUET:
        return pq.read_table(path)
    if file_format is FileFormat.JSONL:
        return pa_json.read_json(path, read_options=pa_json.ReadOptions(block_size=1 << 26))
    header = _csv_header(path)
    return pa_csv.read_csv(
        path,
        convert_options=pa_csv.ConvertOptions(
            column_types={name: pa.string() for name in header},
            strings_can_be_null=True,
            null_values=[""],
        ),
    )


def _csv_header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return next(csv.reader(handle), [])


@dataclass(frozen=True)
class RawRecord:
    line: int
    values: dict[str, Any] | None  # None when the record itself could not be read
    problem: Problem | None = None


def iter_records(path: Path, file_format: FileFormat) -> Iterator[RawRecord]:
    """Records one by one with their line (CSV, JSONL) or row number (Parquet)."""
    if file_format is FileFormat.JSONL:
        yield from _jsonl_records(path)
    elif file_format is FileFormat.CSV:
        yield from _csv_records(path)
    else:
        for row, values in enumerate(pq.read_table(path).to_pylist(), start=1):
            yield RawRecord(row, values)


def _jsonl_records(path: Path) -> Iterator[RawRecord]:
    source = str(path)
    with path.open("rb") as handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                values = orjson.loads(line)
            except orjson.JSONDecodeError as error:
                where = Location(source, line_number, error.colno)
                yield RawRecord(line_number, None, Problem(where, f"invalid JSON: {error.msg}"))
                continue
            if not isinstance(values, dict):
                where = Location(source, line_number, 1)
                yield RawRecord(
                    line_number, None, Problem(where, "expected a JSON object per line")
                )
                continue
            yield RawRecord(line_number, values)


def _csv_records(path: Path) -> Iterator[RawRecord]:
    source = str(path)
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        start = reader.line_num + 1
        for cells in reader:
            line = start
            start = reader.line_num + 1
            if len(cells) != len(header):
                message = f"expected {len(header)} columns as in the header, got {len(cells)}"
                yield RawRecord(line, None, Problem(Location(source, line), message))
                continue
            yield RawRecord(line, dict(zip(header, cells, strict=True)))
