"""``/collection``: streamed events are stored once, answered after the commit with the
membership changes they caused, and located when invalid."""

from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi import FastAPI

from segmint.api.collection import Collectors, _Line
from segmint.errors import ValidationError
from segmint.stream import service as service_module
from segmint.stream.calls import Receipt
from segmint.stream.child import ChildProcessor
from segmint.stream.intake import Record
from segmint.stream.service import EventStream
from tests.api.conftest import Api
from tests.api.test_batches import jsonl, upload
from tests.conftest import event

pytestmark = pytest.mark.anyio

TWO_SEARCHES = {
    "name": "Two searches",
    "expression": {
        "type": "PQL",
        "format": "pql/text",
        "value": 'xEvent[eventType = "search"].count() >= 2',
    },
}


async def define(api: Api) -> None:
    created = await api.client.post(
        "/segment/definitions", json=TWO_SEARCHES, headers=api.auth("write")
    )
    assert created.status_code == 201, created.text


async def collect(
    api: Api, body: object, role: str = "write", dataset: str = "web"
) -> tuple[int, dict[str, object]]:
    response = await api.client.post(f"/collection/{dataset}", json=body, headers=api.auth(role))
    return response.status_code, response.json()


async def test_events_enter_segments_once_durable_and_again_add_nothing(api: Api) -> None:
    await define(api)
    searches = [
        event("a1", "2026-10-10T10:00:00Z", "search", email="ann@x.com"),
        event("a2", "2026-10-10T10:05:00Z", "search", email="ann@x.com"),
        event("b1", "2026-10-10T10:06:00Z", "search", email="bob@x.com"),
    ]
    status, receipt = await collect(api, searches)
    assert status == 200, receipt
    assert (receipt["accepted"], receipt["duplicates"], receipt["offset"]) == (3, 0, 3)
    [entered] = receipt["transitions"]
    assert (entered["segment"], entered["status"], entered["time"], entered["trigger"]) == (
        "Two searches",
        "entered",
        "2026-10-10T10:05:00Z",
        "event",
    )
    status, again = await collect(api, searches)
    assert (status, again["accepted"], again["duplicates"], again["transitions"]) == (200, 0, 3, [])
    profile = await api.client.get(
        "/profiles", params={"identity": "email:ann@x.com"}, headers=api.auth("read")
    )
    assert [(m["segment"], m["status"]) for m in profile.json()["segments"]] == [
        ("Two searches", "realized")
    ]


async def test_one_event_and_the_ingestion_envelope_are_taken(api: Api) -> None:
    status, receipt = await collect(
        api, event("a1", "2026-10-10T10:00:00Z", "search", email="ann@x.com")
    )
    assert (status, receipt["accepted"]) == (200, 1)
    wrapped = {
        "header": {"schemaRef": {"id": "events"}},
        "body": {"xdmEntity": event("a2", "2026-10-10T10:01:00Z", email="ann@x.com")},
    }
    status, receipt = await collect(api, [wrapped])
    assert (status, receipt["accepted"]) == (200, 1)


async def test_an_invalid_event_is_located_and_nothing_is_stored(api: Api) -> None:
    bad = event("a2", "not a time", "search", email="ann@x.com")
    status, problem = await collect(
        api, [event("a1", "2026-10-10T10:00:00Z", email="ann@x.com"), bad]
    )
    assert status == 400, problem
    [item] = problem["problems"]
    assert item["location"]["field"] == "[1].timestamp"
    status, receipt = await collect(api, [event("a1", "2026-10-10T10:00:00Z", email="ann@x.com")])
    assert (status, receipt["accepted"]) == (200, 1)


async def test_a_body_that_is_not_json_or_too_large_is_refused(api: Api) -> None:
    response = await api.client.post("/collection/web", content=b"{nope", headers=api.auth("write"))
    assert response.status_code == 400
    assert "not JSON" in response.json()["detail"]
    status, problem = await collect(api, [{}] * 10_001)
    assert status == 400 and "at most 10000" in str(problem["detail"])


async def test_unknown_dataset_read_key_and_other_sandbox_are_refused(api: Api) -> None:
    one = [event("a1", "2026-10-10T10:00:00Z", email="ann@x.com")]
    assert (await collect(api, one, dataset="nope"))[0] == 404
    assert (await collect(api, one, role="read"))[0] == 403
    response = await api.client.post(
        "/collection/web", json=one, headers=api.auth("dev", sandbox="prod")
    )
    assert response.status_code == 403


async def test_sandboxes_keep_their_own_streams(api: Api) -> None:
    one = [event("a1", "2026-10-10T10:00:00Z", email="ann@x.com")]
    response = await api.client.post(
        "/collection/web", json=one, headers=api.auth("dev", sandbox="dev")
    )
    assert response.status_code == 200 and response.json()["accepted"] == 1
    status, receipt = await collect(api, one)
    assert (status, receipt["accepted"], receipt["duplicates"]) == (200, 1, 0)


async def test_a_batch_upload_between_calls_is_seen_by_the_stream(api: Api) -> None:
    await define(api)
    status, receipt = await collect(
        api, [event("a1", "2026-10-10T10:00:00Z", "search", email="ann@x.com")]
    )
    assert (status, receipt["transitions"]) == (200, [])
    uploaded = jsonl(event("a2", "2026-10-10T10:01:00Z", "search", email="ann@x.com"))
    assert (await upload(api, "more.jsonl", uploaded, "web"))[0] == 201
    status, receipt = await collect(api, [event("a3", "2026-10-10T10:02:00Z", email="ann@x.com")])
    assert status == 200
    assert [(t["segment"], t["status"]) for t in receipt["transitions"]] == [
        ("Two searches", "entered")
    ]


async def test_calls_waiting_for_the_stream_are_committed_together(api: Api, app: FastAPI) -> None:
    """Calls that arrive while the stream is busy wait in line and go into the next commit as
    one group; each is still answered with its own receipt, and invalid ones alone fail."""
    await define(api)
    collectors: Collectors = app.state.collectors
    collectors.collect(
        "prod", "web", [event("s0", "2026-10-10T09:00:00Z", "search", email="z@x.com")]
    )
    line = collectors._lines["prod"]
    calls: list[list[object]] = [
        [
            event(f"c{i}a", f"2026-10-10T10:0{i}:00Z", "search", email=f"p{i}@x.com"),
            event(f"c{i}b", f"2026-10-10T10:0{i}:30Z", "search", email=f"p{i}@x.com"),
        ]
        for i in range(3)
    ]
    calls.insert(1, [{"_id": "bad", "eventType": "search"}])
    outcomes = _committed_together(collectors, line, calls)
    assert isinstance(outcomes.pop(1), ValidationError)
    receipts = [outcome for outcome in outcomes if isinstance(outcome, Receipt)]
    assert sorted((r.offset, r.accepted, len(r.transitions)) for r in receipts) == [
        (3, 2, 1),
        (5, 2, 1),
        (7, 2, 1),
    ]
    with collectors._service.session("prod", write=False) as ws:
        commits = ws.con.execute("SELECT count(*) FROM batches WHERE source LIKE 'stream:%'")
        assert commits.fetchone() == (2,)  # the first call, then the three valid ones together


async def test_collection_keeps_keys_known_while_other_writes_forget_them(
    api: Api, app: FastAPI
) -> None:
    """A collection commit never touches API keys, so a key stays known (no query per call);
    any other write might revoke one, so keys are looked up again after it."""
    await define(api)
    token = api.auth("write")["Authorization"].removeprefix("Bearer ")
    status, _ = await collect(api, [event("k1", "2026-10-10T10:00:00Z", email="kim@x.com")])
    assert status == 200
    assert app.state.service.known_key(token) is not None
    again = {**TWO_SEARCHES, "name": "Two searches again"}
    created = await api.client.post("/segment/definitions", json=again, headers=api.auth("write"))
    assert created.status_code == 201
    assert app.state.service.known_key(token) is None


def _commits(collectors: Collectors) -> int:
    with collectors._service.session("prod", write=False) as ws:
        found = ws.con.execute("SELECT count(*) FROM batches WHERE source LIKE 'stream:%'")
        row = found.fetchone()
    assert row is not None
    return int(row[0])


def _searches(name: str, minute: int) -> list[object]:
    return [event(name, f"2026-10-10T10:{minute:02}:00Z", "search", email=f"{name}@x.com")]


async def test_an_evaluation_process_lost_while_idle_is_rebuilt_for_the_next_call(
    api: Api, app: FastAPI
) -> None:
    """Nothing was in flight when it died: the next call is answered (by a new process), not
    failed; a call in flight when it dies fails whole (``test_child``)."""
    await define(api)
    first = event("k1", "2026-10-10T10:00:00Z", "search", email="kim@x.com")
    assert (await collect(api, [first]))[0] == 200
    stream = app.state.collectors._streams["prod"].stream
    assert isinstance(stream.processor, ChildProcessor) and stream.processor.pid is not None
    os.kill(stream.processor.pid, signal.SIGKILL)
    stream.processor.wait()
    second = event("k2", "2026-10-10T10:05:00Z", "search", email="kim@x.com")
    status, receipt = await collect(api, [second])
    assert (status, receipt["accepted"], len(receipt["transitions"])) == (200, 1, 1)
    status, again = await collect(api, [second])
    assert (status, again["duplicates"], again["transitions"]) == (200, 1, [])


def _searches_of(people: str, minute: int) -> list[object]:
    """One search per person (``a``: email a@x.com), at the minute."""
    return [
        event(f"{name}{minute}", f"2026-10-10T10:{minute:02}:00Z", "search", email=f"{name}@x.com")
        for name in people
    ]


def _waiting(line: _Line, calls: int) -> None:
    while len(line.waiting) < calls:
        time.sleep(0.001)


def _committed_together(
    collectors: Collectors, line: _Line, calls: list[list[object]]
) -> list[object]:
    """Each call's receipt or error, the calls having waited in line to be committed as one
    group."""
    with ThreadPoolExecutor(len(calls)) as pool:
        with line.turn:
            futures = [pool.submit(collectors.collect, "prod", "web", call) for call in calls]
            _waiting(line, len(calls))
        return [future.exception() or future.result()[0] for future in futures]


async def test_calls_of_known_profiles_are_evaluated_as_they_join_the_line(
    api: Api, app: FastAPI
) -> None:
    """While a commit runs, calls of profiles the stream holds go to its evaluation at once;
    one with a new identity is not, nor any call behind it; each is answered as if committed
    alone, in line order."""
    await define(api)
    collectors: Collectors = app.state.collectors
    collectors.collect("prod", "web", _searches_of("ab", 0))
    line = collectors._lines["prod"]
    stream = collectors._streams["prod"].stream
    calls = [_searches_of("a", 1), _searches_of("b", 2), _searches_of("c", 3), _searches_of("a", 4)]
    with ThreadPoolExecutor(len(calls)) as pool:
        futures = []
        with line.turn:
            for number, call in enumerate(calls, start=1):
                futures.append(pool.submit(collectors.collect, "prod", "web", call))
                _waiting(line, number)
            sent = [waiting.checked.sent is stream.processor for waiting in line.waiting]
        assert sent == [True, True, False, False]
        receipts = [future.result()[0] for future in futures]
    moves = [[(t.status, t.time.minute) for t in receipt.transitions] for receipt in receipts]
    assert moves == [[("entered", 1)], [("entered", 2)], [], []]
    assert [receipt.offset for receipt in receipts] == [3, 4, 5, 6]


async def test_calls_sent_to_a_lost_evaluation_are_evaluated_again_by_the_next(
    api: Api, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The evaluation dies with calls sent ahead to it and not answered (it is stopped while
    they are sent, then killed) before their commit: a new process evaluates them all, and
    each is recorded once."""
    monkeypatch.setattr("segmint.api.collection.GROUP_EVENTS", 1)
    await define(api)
    collectors: Collectors = app.state.collectors
    collectors.collect("prod", "web", _searches_of("ab", 0))
    line = collectors._lines["prod"]
    stream = collectors._streams["prod"].stream
    lost = stream.processor
    assert isinstance(lost, ChildProcessor) and lost.pid is not None
    calls = [_searches_of("a", 1), _searches_of("b", 2), _searches_of("a", 3)]
    os.kill(lost.pid, signal.SIGSTOP)
    with ThreadPoolExecutor(len(calls)) as pool:
        with line.turn:
            futures = [pool.submit(collectors.collect, "prod", "web", call) for call in calls]
            _waiting(line, len(calls))
            assert all(waiting.checked.sent is lost for waiting in line.waiting)
            os.kill(lost.pid, signal.SIGKILL)
            lost.wait()
        outcomes = [future.exception() or future.result()[0] for future in futures]
    assert all(isinstance(outcome, Receipt) for outcome in outcomes), outcomes
    assert collectors._streams["prod"].stream.processor is not lost
    with collectors._service.session("prod", write=False) as ws:
        stored = ws.con.execute("SELECT count(*) FROM events").fetchone()
        realized = ws.con.execute("SELECT count(*) FROM membership_history").fetchone()
    assert stored == (2 + 3,) and realized == (2,)  # a and b entered once each


async def test_no_call_is_sent_ahead_while_one_not_sent_is_being_committed(
    api: Api, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new person's call is evaluated only once stored; a call joining meanwhile waits to
    be evaluated after it, in commit order."""
    await define(api)
    collectors: Collectors = app.state.collectors
    collectors.collect("prod", "web", _searches_of("ab", 0))
    line = collectors._lines["prod"]
    storing, stored = threading.Event(), threading.Event()
    store = EventStream._store

    def held_store(stream: EventStream, records: list[Record], *rest: Any) -> None:
        if "c@x.com" in str(records):
            storing.set()
            stored.wait(30)
        store(stream, records, *rest)

    monkeypatch.setattr(EventStream, "_store", held_store)
    with ThreadPoolExecutor(2) as pool:
        new = pool.submit(collectors.collect, "prod", "web", _searches_of("c", 1))
        assert storing.wait(30)
        known = pool.submit(collectors.collect, "prod", "web", _searches_of("a", 2))
        _waiting(line, 1)
        assert line.waiting[0].checked is not None and line.waiting[0].checked.sent is None
        stored.set()
        assert new.result()[0].transitions == []
        assert [t.status for t in known.result()[0].transitions] == ["entered"]


async def test_a_call_failing_a_group_commit_fails_alone(
    api: Api, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A group that fails unexpectedly is committed again call by call: the call that fails on
    its own gets the error, the others their receipts."""
    await define(api)
    collectors: Collectors = app.state.collectors
    collectors.collect("prod", "web", _searches("first", 0))
    write = service_module.write_records

    def failing(con: object, dataset: object, table: Any, **options: Any) -> Any:
        if "boom" in table.column("_id").to_pylist():
            raise RuntimeError("a failure of this call's own")
        return write(con, dataset, table, **options)

    monkeypatch.setattr(service_module, "write_records", failing)
    line = collectors._lines["prod"]
    calls = [_searches("ann", 1), _searches("boom", 2), _searches("bob", 3)]
    outcomes = _committed_together(collectors, line, calls)
    assert isinstance(outcomes[1], RuntimeError)
    assert [(o.accepted, o.duplicates) for o in (outcomes[0], outcomes[2])] == [(1, 0)] * 2
    with collectors._service.session("prod", write=False) as ws:
        stored = ws.con.execute("SELECT _id FROM events ORDER BY 1").fetchall()
    assert stored == [("ann",), ("bob",), ("first",)]


async def test_one_stream_takes_every_event_dataset_of_a_sandbox(api: Api, app: FastAPI) -> None:
    """Web and app events of one person count together, stored each in its own dataset, and
    alternating datasets keeps the one stream (rebuilding it would cost a restore per call);
    a call into a dataset that cannot take events fails alone."""
    await define(api)
    collectors: Collectors = app.state.collectors
    status, first = await collect(api, [event("w1", "2026-10-10T10:00:00Z", "search", ecid="A")])
    assert (status, first["transitions"]) == (200, [])
    stream = collectors._streams["prod"].stream
    status, second = await collect(
        api, [event("p1", "2026-10-10T10:05:00Z", "search", ecid="A")], dataset="app"
    )
    assert status == 200, second
    assert [(t["status"], t["time"]) for t in second["transitions"]] == [
        ("entered", "2026-10-10T10:05:00Z")
    ]
    status, third = await collect(api, [event("w2", "2026-10-10T10:06:00Z", ecid="B")])
    assert (status, third["offset"]) == (200, 3)
    assert collectors._streams["prod"].stream is stream
    one = [event("x1", "2026-10-10T10:07:00Z", "search", ecid="A")]
    assert (await collect(api, one, dataset="crm"))[0] == 400
    assert (await collect(api, one, dataset="nope"))[0] == 404
    with collectors._service.session("prod", write=False) as ws:
        stored = ws.con.execute(
            "SELECT dataset, list(_id ORDER BY _id) FROM events GROUP BY 1 ORDER BY 1"
        ).fetchall()
    assert stored == [("app", ["p1"]), ("web", ["w1", "w2"])]
