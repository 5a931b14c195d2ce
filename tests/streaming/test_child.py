"""Evaluation in a child process gives what the processor gives in-process: the same
transitions in the same order, the profiles it needs read through the parent. A child that
dies or fails is reported and replaced; nothing of the call in flight is recorded."""

from __future__ import annotations

import os
import signal
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from segmint.evaluate.edge import EdgeSegments
from segmint.evaluate.reference import ProfileData
from segmint.evaluate.streaming import Clock, Processor, Transition, Trigger
from segmint.evaluate.streaming.processor import ProfileKey
from segmint.stream.child import ChildProcessor, EvaluationFailed, EvaluationLost
from segmint.stream.profiles import Columns
from segmint.stream.service import EventStream
from tests.conftest import count, event
from tests.evaluate.helpers import plan
from tests.streaming.test_service import history, searchers_workspace, summary

START = datetime(2026, 3, 1, 12)
NAMES = {"recent": "Recent searchers", "buyers": "Buyers", "both": "Searching buyers"}
PLANS = {
    "recent": plan(
        'xEvent[eventType = "search" and timestamp occurs <= 7 days before now].count() > 0'
    ),
    "buyers": plan('xEvent[eventType = "commerce.purchases"].count() >= 2'),
    "both": plan('inSegment("Recent searchers") and inSegment("Buyers")'),
}


def _at(days: float) -> datetime:
    return START + timedelta(days=days)


def _event(ident: str, owner: str, days: float, kind: str) -> dict[str, Any]:
    return {"_id": ident, "timestamp": _at(days), "eventType": kind, "owner": owner}


def _owner(found: dict[str, Any]) -> ProfileKey:
    return str(found["owner"])


def _stored(key: ProfileKey) -> ProfileData:
    """The store's profiles: one earlier purchase for "p", a search for the sleeper."""
    if key == "p":
        return ProfileData(events=[_event("old", "p", -30, "commerce.purchases")])
    if key == "sleeper":
        return ProfileData(events=[_event("zz", "sleeper", -6.5, "search")])
    return ProfileData()


def _drive(processor: Processor | ChildProcessor) -> tuple[object, ...]:
    seen: list[Transition] = []
    processor.subscribe(seen.append)
    processor.resume(None, None)
    processor.sleep("sleeper", _at(0.5))
    processor.feed(
        [
            _event("a1", "a", 0, "search"),
            _event("p1", "p", 0.1, "commerce.purchases"),
            _event("p2", "p", 0.2, "search"),
            _event("a2", "a", 0.3, "pageView"),
        ]
    )
    processor.advance(_at(1))
    processor.forget("a")
    processor.add_profile("a", ProfileData(events=[_event("a0", "a", 0.9, "commerce.purchases")]))
    processor.feed([_event("a3", "a", 1.5, "commerce.purchases"), _event("b1", "b", 2, "search")])
    processor.advance(_at(30))
    return seen, processor.evaluated(), set(processor.profiles), processor.clock


@pytest.mark.parametrize("isolated", [False, True])
def test_the_child_evaluates_as_the_processor_does(isolated: bool) -> None:
    options: dict[str, Any] = {"clock": Clock.EVENT, "lateness": timedelta(0), "load": _stored}
    edge = EdgeSegments(PLANS, NAMES)
    inline = _drive(Processor(edge, resolve=_owner, **options))
    if not isolated:  # the expectation itself: entries, a lapsing window, the sleeper's exit
        seen = inline[0]
        assert isinstance(seen, list)
        moves = [(t.profile, t.segment, t.status, t.trigger) for t in seen]
        assert ("p", "both", "entered", Trigger.EVENT) in moves
        assert ("sleeper", "recent", "exited", Trigger.CLOCK) in moves
        assert ("a", "buyers", "entered", Trigger.EVENT) in moves
        assert inline[2] == {"a", "b", "p", "sleeper"}
        return
    fields = Columns.of(PLANS.values()).events
    child = ChildProcessor(edge, NAMES, fields, resolve=_owner, **options)
    try:
        assert _drive(child) == inline
    finally:
        child.close()
    assert child.pid is not None and not _alive(child.pid)


def test_an_error_in_the_child_comes_back_with_its_traceback() -> None:
    child = ChildProcessor(
        EdgeSegments(PLANS, NAMES), NAMES, ["_id", "timestamp", "eventType"],
        clock=Clock.EVENT, lateness=timedelta(0), resolve=_owner, load=_stored,
    )  # fmt: skip
    try:
        child.advance(_at(1))
        with pytest.raises(EvaluationFailed, match="TypeError"):
            child.advance("tomorrow")  # type: ignore[arg-type]
    finally:
        child.close()


def test_sending_never_waits_for_the_child() -> None:
    """Many large batches of profiles the child holds, sent before any answer is read: the
    child's answers fill its pipe and it stops reading, yet sending returns at once (a sender
    may hold a lock the reader needs), and every batch is answered in order."""
    child = ChildProcessor(
        EdgeSegments(PLANS, NAMES), NAMES, ["_id", "timestamp", "eventType"],
        clock=Clock.EVENT, lateness=timedelta(0), resolve=_owner, load=_stored,
    )  # fmt: skip
    seen: list[Transition] = []
    child.subscribe(seen.append)
    batches = [
        [_event(f"e{batch}-{n}", f"p{n}", batch + n / 1000, "search") for n in range(400)]
        for batch in range(60)
    ]
    try:
        child.feed(batches[0])  # the profiles are loaded
        sender = threading.Thread(target=lambda: [child.feed_start(b) for b in batches[1:]])
        sender.start()
        sender.join(timeout=30)
        assert not sender.is_alive(), "sending waited for the child to read"
        for _ in batches[1:]:
            child.feed_finish()
        assert child.pid is not None
        os.kill(child.pid, signal.SIGSTOP)  # reading nothing: closing still ends it at once
        for batch in batches:
            child.feed_start(batch)
    finally:
        started = time.monotonic()
        child.close()
    assert time.monotonic() - started < 5
    assert len(child.profiles) == 400 and child.evaluated().keys() == child.profiles
    entered = [t for t in seen if t.status == "entered" and t.segment == "recent"]
    assert len(entered) == 400 and entered[0].time == _at(0)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"


def _kill(stream: EventStream) -> None:
    assert isinstance(stream.processor, ChildProcessor) and stream.processor.pid is not None
    os.kill(stream.processor.pid, signal.SIGKILL)
    stream.processor.wait()


def test_a_killed_child_loses_nothing_and_records_nothing_twice(tmp_path: Path) -> None:
    """The call in flight when the child dies fails whole (EvaluationLost, 503) and stores
    nothing; sent again, it is recorded once, by a new child built from the store. That holds
    whether the events went to the child before storing (known profiles) or after."""
    with searchers_workspace(tmp_path / "ws") as workspace:
        stream = EventStream(workspace, "web", isolated=True)
        try:
            first = stream.collect([event("a1", "2026-01-01T10:00:00Z", "search", ecid="A")])
            assert [t.status for t in first.transitions] == ["entered"]
            for call in (
                [event("b1", "2026-01-01T11:00:00Z", "search", ecid="B")],  # a new profile
                [event("a2", "2026-01-09T10:00:00Z", "search", ecid="A")],  # fed ahead
            ):
                _kill(stream)
                with pytest.raises(EvaluationLost) as lost:
                    stream.collect(call)
                assert lost.value.http_status == 503
                assert count(workspace, "events") == 1 + (call[0]["_id"] == "a2")
                again = stream.collect(call)
                assert again.accepted == 1
            assert [status for status, _ in history(workspace)] == [
                "realized", "realized", "exited", "exited", "realized",
            ]  # fmt: skip
        finally:
            stream.close()


def test_feeding_ahead_gives_the_receipts_of_feeding_after_storing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Calls of known profiles go to the child before they are stored; new identities and
    links between them take the other path; either way receipts and history are the
    in-process stream's."""
    calls = [
        [event("a1", "2026-01-01T10:00:00Z", "search", ecid="A")],
        [
            event("a2", "2026-01-01T10:05:00Z", "pageView", ecid="A"),
            event("a1", "2026-01-01T10:00:00Z", "search", ecid="A"),
        ],
        [event("b1", "2026-01-01T10:10:00Z", "search", email="b@x.com")],
        [event("l1", "2026-01-01T11:00:00Z", "pageView", ecid="A", email="b@x.com")],
        [event("a3", "2026-01-20T10:00:00Z", "pageView", ecid="A")],
    ]
    ahead: list[bool] = []
    feed_ahead = EventStream._feed_ahead

    def spied(stream: EventStream, batches: list[list[dict[str, Any]]], sent: list[bool]) -> list[bool]:
        started = feed_ahead(stream, batches, sent)
        ahead.extend(started)
        return started

    monkeypatch.setattr(EventStream, "_feed_ahead", spied)
    outcomes = {}
    for isolated in (False, True):
        with searchers_workspace(tmp_path / str(isolated)) as workspace:
            stream = EventStream(workspace, "web", isolated=isolated)
            try:
                receipts = [summary(stream.collect(call)) for call in calls]
            finally:
                stream.close()
            outcomes[isolated] = (receipts, history(workspace))
    assert outcomes[True] == outcomes[False]
    assert ahead == [False] * 5 + [False, True, False, False, True]
    receipts, moves = outcomes[True]
    assert [status for status, _ in moves] == ["realized", "realized", "exited", "exited"]
