"""The embedded DuckDB engine: the only module that imports the DuckDB driver."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import duckdb
import pyarrow as pa

Connection = duckdb.DuckDBPyConnection
DatabaseError = duckdb.Error


def interrupted(error: BaseException) -> bool:
    """Whether an error is, or arose from, an interrupt (Ctrl-C): DuckDB fails the query it
    was running with "Query interrupted", and a statement after it in the transaction then
    fails as aborted, with the interrupt as its context."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, KeyboardInterrupt | duckdb.InterruptException):
            return True
        if isinstance(seen, RuntimeError) and str(seen) == "Query interrupted":
            return True
        seen = seen.__context__
    return False


def connect(path: Path | None = None, *, read_only: bool = False) -> Connection:
    """Open a database file (or an in-memory one) with settings fit for batch work."""
    con = duckdb.connect(str(path) if path else ":memory:", read_only=read_only)
    con.execute("SET enable_progress_bar = false")
    con.execute("SET TimeZone = 'UTC'")
    return con


def query_arrow(con: Connection, query: str, params: list[object] | None = None) -> pa.Table:
    """A query's result as an Arrow table, without the extra copy of a DB-API fetch."""
    return con.sql(query, params=params).to_arrow_table()


@contextmanager
def registered(con: Connection, name: str, table: pa.Table) -> Iterator[None]:
    """An Arrow table visible to SQL as ``name`` within the block. After a failed statement
    the transaction refuses even to unregister; the view is then left for the next
    registration of the name to replace, and the statement's own error is what propagates."""
    con.register(name, table)
    try:
        yield
    except BaseException:
        with suppress(duckdb.Error):
            con.unregister(name)
        raise
    con.unregister(name)


def write_jsonl(table: pa.Table, path: Path) -> None:
    """Write an Arrow table as newline-delimited JSON, nested columns as JSON objects/arrays.

    Top-level timestamps are written as ISO 8601 in UTC with milliseconds (``...T12:00:00.000Z``),
    the form event producers send.
    """
    columns = []
    for column in table.schema:
        name = '"' + column.name.replace('"', '""') + '"'
        if pa.types.is_timestamp(column.type):
            columns.append(f"strftime({name}, '%Y-%m-%dT%H:%M:%S.%gZ') AS {name}")
        else:
            columns.append(name)
    con = connect()
    try:
        con.register("rows", table)
        target = str(path).replace("'", "''")
        con.execute(f"COPY (SELECT {', '.join(columns)} FROM rows) TO '{target}' (FORMAT json)")
    finally:
        con.close()
