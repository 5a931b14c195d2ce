"""Files in the formats users bring: CRM export as CSV, web and email events as JSON lines,
app events as Parquet.

Each file is written beside its final name and renamed into place, so an interrupted run never
leaves a half-written file under the contract name.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as csv
import pyarrow.parquet as pq

from segmint.engines.duckdb import write_jsonl
from segmint.files import replacing


def write_files(jobs: list[tuple[pa.Table, Path]], done: Callable[[Path], None]) -> None:
    """Write each table in the format its file suffix names, using every core.

    JSON lines are written record batch by record batch into part files in parallel and then
    joined in batch order, so the result does not depend on which thread finished first.
    """
    with ThreadPoolExecutor(max(2, os.cpu_count() or 1)) as pool:
        pending: list[tuple[Path, list[Path], list[Future[None]]]] = []
        for table, path in jobs:
            if path.suffix == ".jsonl":
                batches = table.to_batches()
                parts = [path.with_name(f".{path.name}.{i}.part") for i in range(len(batches))]
                futures = [
                    pool.submit(_write_part, batch, part)
                    for batch, part in zip(batches, parts, strict=True)
                ]
            else:
                parts = []
                write = _write_csv if path.suffix == ".csv" else _write_parquet
                futures = [pool.submit(write, table, path)]
            pending.append((path, parts, futures))
        try:
            for path, parts, futures in pending:
                for future in futures:
                    future.result()
                if path.suffix == ".jsonl":
                    _join(parts, path)
                done(path)
        finally:
            for future in (f for _, _, futures in pending for f in futures):
                future.cancel()
            pool.shutdown(wait=True)
            for part in (p for _, parts, _ in pending for p in parts):
                part.unlink(missing_ok=True)


def _write_csv(table: pa.Table, path: Path) -> None:
    """CSV cells: arrays as JSON array text, datetimes as ISO 8601 with Z, nulls empty."""
    columns = []
    for column in table.columns:
        if pa.types.is_list(column.type):
            joined = pc.binary_join(column, '","')
            quoted = pc.binary_join_element_wise('["', joined, '"]', "")
            column = pc.if_else(pc.equal(pc.list_value_length(column), 0), "[]", quoted)
        elif pa.types.is_timestamp(column.type):
            column = pc.strftime(
                pc.cast(column, pa.timestamp("s", tz="UTC")), format="%Y-%m-%dT%H:%M:%SZ"
            )
        columns.append(column)
    with replacing(path) as temporary:
        csv.write_csv(
            pa.table(columns, names=table.column_names),
            temporary,
            csv.WriteOptions(quoting_style="needed"),
        )


def _write_parquet(table: pa.Table, path: Path) -> None:
    with replacing(path) as temporary:
        pq.write_table(table, temporary)


def _write_part(batch: pa.RecordBatch, part: Path) -> None:
    """One batch as JSON lines, without the objects none of its events has (no nulls for them)."""
    write_jsonl(_present(pa.Table.from_batches([batch])), part)


def _join(parts: list[Path], path: Path) -> None:
    """Concatenate the parts, in the kernel where the platform can (no copy through Python)."""
    with replacing(path) as temporary, temporary.open("wb") as target:
        for part in parts:
            with part.open("rb") as source:
                if hasattr(os, "copy_file_range"):
                    while os.copy_file_range(source.fileno(), target.fileno(), 1 << 30):
                        pass
                else:
                    shutil.copyfileobj(source, target, 16 << 20)
            part.unlink()


def _present(table: pa.Table) -> pa.Table:
    """The table without the columns and struct fields that are null in every row."""
    kept = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        array = _present_array(column.combine_chunks())
        if array is not None:
            kept[name] = array
    return pa.table(kept)


def _present_array(array: pa.Array) -> pa.Array | None:
    if array.null_count == len(array):
        return None
    if not pa.types.is_struct(array.type):
        return array
    children = {}
    for index, field in enumerate(array.type):
        child = _present_array(array.field(index))
        if child is not None:
            children[field.name] = child
    if not children:
        return None
    return pa.StructArray.from_arrays(
        list(children.values()), list(children), mask=pc.is_null(array)
    )
