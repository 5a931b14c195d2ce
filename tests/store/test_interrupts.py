"""Ctrl-C during a query is recognised however DuckDB reports it, so the CLI says
"interrupted" instead of showing a traceback."""

from __future__ import annotations

import threading

import pytest

from segmint.engines.duckdb import DatabaseError, connect, interrupted


def test_a_query_interrupted_midway_is_an_interrupt() -> None:
    con = connect()
    threading.Timer(0.3, con.interrupt).start()
    with pytest.raises((RuntimeError, DatabaseError)) as stopped:
        con.execute("SELECT count(*) FROM range(10000000000) a, range(10) b").fetchall()
    assert interrupted(stopped.value)


def test_a_statement_failing_after_an_interrupt_is_one() -> None:
    """The transaction an interrupt aborted refuses what follows (during the rollback)."""
    aborted = DatabaseError("Current transaction is aborted (please ROLLBACK)")
    aborted.__context__ = RuntimeError("Query interrupted")
    assert interrupted(aborted)


def test_other_errors_are_not_interrupts() -> None:
    con = connect()
    with pytest.raises(DatabaseError) as failed:
        con.execute("SELECT * FROM no_such_table")
    assert not interrupted(failed.value)
    assert not interrupted(RuntimeError("something else"))
    assert interrupted(KeyboardInterrupt())
