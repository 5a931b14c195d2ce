"""Writing validated records into a dataset inside the caller's transaction: store them
(events idempotent by ``_id``), register their identities, resolve profiles as far as the new
links require, and log the batch. File ingestion and the streaming service both write here, so
a record stored either way is stored the same way."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from segmint.engines.duckdb import Connection
from segmint.identity.graph import Namespace
from segmint.schema.arrow import IDENTITY_MAP, IDENTITY_TYPE, arrow_schema
from segmint.schema.model import Schema
from segmint.store import identities, records
from segmint.store.catalog import Dataset


@dataclass(frozen=True)
class Stored:
    """What one batch changed: records added and duplicates, and the identity resolution."""

    added: int
    duplicates: int
    resolution: identities.Resolution


def records_table(schema: Schema, valid: Sequence[dict[str, Any]]) -> pa.Table:
    """Validated records (``RecordValidator`` output) as a table, in the order given: the
    order of arrival, which keys new identities (storage puts events in time order)."""
    target = arrow_schema(schema.tree()).append(pa.field(IDENTITY_MAP, IDENTITY_TYPE))
    return pa.Table.from_pylist(list(valid), schema=target)


def write_records(
    con: Connection,
    dataset: Dataset,
    table: pa.Table,
    *,
    batch_id: str,
    source: str,
    namespaces: list[Namespace],
    identity_cap: int,
    rejected: int = 0,
    known: identities.KnownIdentities | None = None,
    stored_before: int | None = None,
) -> Stored:
    """Store one batch; the caller holds the transaction (and may add to it). ``known``:
    the identities a long-lived writer has seen stored (``identities.register``).
    ``stored_before``: the caller looked the events' ``_id``s up in this transaction and left
    out this many events already stored; none of the table's is (``records.write_batch``)."""
    new_ids = stored_before is not None
    written = records.write_batch(con, dataset, table, batch_id, known, new_ids=new_ids)
    resolution = identities.update_profiles(
        con, namespaces, identity_cap, written.registered, batch_id
    )
    duplicates = written.duplicates + (stored_before or 0)
    records.record_batch(
        con,
        batch_id,
        dataset.name,
        source,
        table.num_rows + rejected + (stored_before or 0),
        written.added,
        duplicates,
        rejected,
    )
    return Stored(written.added, duplicates, resolution)
