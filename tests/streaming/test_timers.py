"""Timers: due ones come out in time order, however often timers are set again."""

from __future__ import annotations

import tracemalloc
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segmint.evaluate.streaming import timers
from segmint.evaluate.streaming.timers import Timers

START = datetime(2026, 1, 1)

#: (key, seconds after START or None to cancel) to set, or ("pop", seconds) to pop due by then.
operations = st.lists(
    st.one_of(
        st.tuples(st.integers(0, 2), st.none() | st.integers(0, 3)),
        st.tuples(st.just("pop"), st.integers(0, 3)),
    ),
    max_size=60,
)


def _run(steps: list[tuple[object, int | None]]) -> list[object]:
    """What each pop gives: every timer due by then (sorted) and the next due after."""
    found: list[object] = []
    clock: Timers[object] = Timers()
    for key, seconds in steps:
        at = None if seconds is None else START + timedelta(seconds=seconds / 2)
        if key == "pop":
            assert at is not None
            due: list[tuple[datetime, object]] = []
            while (popped := clock.pop(at)) is not None:
                due.append(popped)
            assert [when for when, _ in due] == sorted(when for when, _ in due)
            found.append((sorted(due, key=str), clock.next_due()))
        else:
            clock.set(key, at)
    return found


@given(operations)
def test_rebuilding_the_buckets_changes_no_timer(steps: list[tuple[object, int | None]]) -> None:
    """With the buckets rebuilt at every set (no slack), the same timers come out, in time
    order, as left alone (among those due at one instant, the order may differ)."""
    alone = _run(steps)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timers, "_SLACK", -(10**9))
        assert _run(steps) == alone


def test_a_timer_pushed_back_at_every_event_holds_one_entry() -> None:
    """Set again 100,000 times, each a second later (a new bucket each time): what stays
    is about a thousand entries, not 100,000 (some 25 MB)."""
    clock: Timers[str] = Timers()
    tracemalloc.start()
    for step in range(100_000):
        clock.set("profile", START + timedelta(seconds=step))
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert held < 1_000_000
    assert clock.pop(START + timedelta(days=2)) == (START + timedelta(seconds=99_999), "profile")
    assert clock.next_due() is None
