"""Streaming transitions written set-based, a micro-batch at a time, leave the ledger and the
history exactly as writing them one by one does."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from segmint.engines.duckdb import Connection
from segmint.membership import stream_ledger
from segmint.membership.stream_ledger import Row
from tests.conftest import make_workspace

START = datetime(2026, 10, 1)


def _rows(draws: list[tuple[int, str, bool, int]]) -> list[Row]:
    """Transitions at distinct, increasing instants; versions grow with time."""
    return [
        (profile, segment, "entered" if entered else "exited", START + timedelta(minutes=i), i)
        for i, (profile, segment, entered, _) in enumerate(draws)
    ]


def _state(con: Connection) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    ledger = con.execute("SELECT * FROM memberships ORDER BY ALL").fetchall()
    history = con.execute("SELECT * FROM membership_history ORDER BY ALL").fetchall()
    return ledger, history


TRANSITIONS = st.lists(
    st.tuples(st.integers(1, 3), st.sampled_from(["a", "b"]), st.booleans(), st.just(0)),
    max_size=12,
)


@settings(max_examples=30)
@given(first=TRANSITIONS, second=TRANSITIONS)
def test_a_batch_at_once_equals_one_by_one(
    tmp_path_factory: object, first: list, second: list
) -> None:
    base = Path(str(tmp_path_factory.mktemp("ledger")))  # type: ignore[attr-defined]
    earlier, later = _rows(first), _rows(second)
    later = [(p, s, c, at + timedelta(days=1), v) for p, s, c, at, v in later]
    with make_workspace(base / "batched") as batched, make_workspace(base / "single") as single:
        for rows in (earlier, later):
            with batched.transaction() as con:
                stream_ledger.append(con, rows, "job")
            for row in rows:
                with single.transaction() as con:
                    stream_ledger.append(con, [row], "job")
        assert _state(batched.con) == _state(single.con)


def test_an_exit_after_an_entry_in_one_batch_keeps_the_entry_time(tmp_path: Path) -> None:
    with make_workspace(tmp_path / "ws") as ws:
        with ws.transaction() as con:
            stream_ledger.append(con, _rows([(1, "a", True, 0), (1, "a", False, 0)]), "job")
        [(_, _, status, qualified, entered, version, _)] = ws.con.execute(
            "SELECT * FROM memberships"
        ).fetchall()
        assert (status, qualified, entered, version) == ("exited", START, START, 1)


def test_touched_profiles_are_read_among_some(tmp_path: Path) -> None:
    """A stream's touched profiles, as they now resolve (two keys merged into profile 1): a
    merge asks only for the profiles it moved."""
    with make_workspace(tmp_path / "ws") as ws:
        with ws.transaction() as con:
            con.execute("INSERT INTO identity_profiles VALUES (1, 1), (2, 1), (3, 3), (4, 4)")
            stream_ledger.touch(con, "s", [1, 2, 3, 4])
            stream_ledger.touch(con, "other", [3])
        assert stream_ledger.touched(ws.con, "s", {1, 3, 4}) == [(1, 1), (2, 1), (3, 3), (4, 4)]
        assert stream_ledger.touched(ws.con, "s", {1, 4}) == [(1, 1), (2, 1), (4, 4)]
        assert stream_ledger.touched(ws.con, "s", set()) == []
        assert stream_ledger.touched(ws.con, "other", {1, 3}) == [(3, 3)]
