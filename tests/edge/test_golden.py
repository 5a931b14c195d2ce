"""Edge evaluation on hand-written cases: memberships, segments of segments, and exactly when a
membership lapses on its own."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import orjson
from typer.testing import CliRunner

from segmint.cli.main import app
from segmint.evaluate.edge import EdgeSegments
from segmint.evaluate.reference import ProfileData
from tests.conftest import event as raw_event
from tests.conftest import write_jsonl
from tests.evaluate.helpers import AS_OF, event, nested, plan

TICK = timedelta(microseconds=1)
RECENT = 'xEvent[eventType = "search" and timestamp occurs <= 7 days before now].count() > 0'
TODAYS = "xEvent[timestamp occurs today].count() > 0"
GOLD = 'loyalty.tier = "gold"'


def edge(**definitions: str) -> EdgeSegments:
    return EdgeSegments({name: plan(text) for name, text in definitions.items()})


def test_window_exit_is_exact() -> None:
    searched = AS_OF - timedelta(days=2)
    profile = ProfileData({}, [event("e1", searched, "search")])
    result = edge(recent=RECENT).evaluate(profile, AS_OF)
    assert result.members == {"recent"}
    assert result.next_change == searched + timedelta(days=7) + TICK


def test_day_rollover_and_future_events() -> None:
    profile = ProfileData(
        {}, [event("e1", AS_OF - timedelta(hours=1)), event("e2", AS_OF + timedelta(days=3))]
    )
    result = edge(todays=TODAYS).evaluate(profile, AS_OF)
    assert result.members == {"todays"}
    assert result.next_change == datetime(2018, 8, 29)
    later = edge(todays=TODAYS).evaluate(profile, datetime(2018, 8, 29))
    assert later.members == frozenset()
    assert later.next_change == AS_OF + timedelta(days=3)


def test_attributes_never_change_and_segments_of_segments() -> None:
    segments = EdgeSegments(
        {"g": plan(GOLD), "both": plan('inSegment("gold") and not inSegment("x")')}, {"g": "gold"}
    )
    profile = ProfileData(nested({"loyalty.tier": "gold"}), [], frozenset({"x"}))
    assert segments.evaluate(profile, AS_OF).members == {"g"}
    alone = ProfileData(profile.attributes)
    assert segments.evaluate(alone, AS_OF) == segments.evaluate(alone, AS_OF + timedelta(days=9))
    assert segments.evaluate(alone, AS_OF).members == {"g", "both"}
    assert segments.evaluate(alone, AS_OF).next_change is None


def test_cli_shows_entry_without_writing(tmp_path: Path) -> None:
    runner = CliRunner()
    ws = str(tmp_path / "ws")

    def run(*args: str) -> str:
        result = runner.invoke(app, ["--workspace", ws, *args])
        assert result.exit_code == 0, result.output
        return result.output

    run("init")
    run("dataset", "create", "web", "--class", "event")
    write_jsonl(
        tmp_path / "web.jsonl", [raw_event("a1", "2018-08-01T10:00:00Z", email="ann@x.com")]
    )
    run("ingest", str(tmp_path / "web.jsonl"), "--dataset", "web")
    run("segment", "create", "Recent searchers", "--pql", RECENT)
    search = {"_id": "n1", "timestamp": "2018-08-28T15:00:00Z", "eventType": "search"}
    out = run("edge", "--identity", "email:ann@x.com", "--event", orjson.dumps(search).decode(),
              "--as-of", "2018-08-28T15:30:00", "--format", "json")  # fmt: skip
    shown = orjson.loads(out)
    assert [(s["segment"], s["member"], s["change"]) for s in shown["segments"]] == [
        ("Recent searchers", True, "entered")
    ]
    assert shown["nextChange"] == "2018-09-04T15:00:00.000001"
    again = run("edge", "--identity", "email:new@x.com", "--event", orjson.dumps(search).decode(),
                "--as-of", "2018-08-28T15:30:00", "--format", "json")  # fmt: skip
    assert orjson.loads(again)["segments"][0]["change"] == "entered"
    assert "n1" not in run("profile", "get", "--identity", "email:ann@x.com", "--format", "json")
    # 16:30 at +02:00 is 14:30 UTC, before the search: it is not visible yet.
    early = run("edge", "--identity", "email:ann@x.com", "--event", orjson.dumps(search).decode(),
                "--as-of", "2018-08-28T16:30:00+02:00", "--format", "json")  # fmt: skip
    assert orjson.loads(early)["segments"] == []
    stored = {**search, "_id": "a1"}  # the profile holds an event with this _id: a duplicate
    same = run("edge", "--identity", "email:ann@x.com", "--event", orjson.dumps(stored).decode(),
               "--as-of", "2018-08-28T15:30:00", "--format", "json")  # fmt: skip
    assert orjson.loads(same)["segments"] == []
    own = {**search, "identityMap": {"email": [{"id": "ann@x.com"}]}}
    mine = run("edge", "--identity", "email:ann@x.com", "--event", orjson.dumps(own).decode(),
               "--as-of", "2018-08-28T15:30:00", "--format", "json")  # fmt: skip
    assert orjson.loads(mine)["segments"][0]["change"] == "entered"
    bobs = {**search, "identityMap": {"email": [{"id": "bob@x.com"}]}}
    refused = runner.invoke(app, ["--workspace", ws, "edge", "--identity", "email:ann@x.com",
                                  "--event", orjson.dumps(bobs).decode()])  # fmt: skip
    assert "the event is not email:ann@x.com's" in str(refused.exception)


def test_trailing_window_on_an_attribute_ahead_of_now() -> None:
    """An instant ahead of now enters a trailing window when now reaches it, then leaves."""
    created = AS_OF + timedelta(days=2)
    segments = edge(new="createdAt occurs <= 7 days before now")
    profile = ProfileData(nested({"createdAt": created}), [])
    now = segments.evaluate(profile, AS_OF, search=1)
    assert (now.members, now.next_change) == (frozenset(), created)
    then = segments.evaluate(profile, created, search=1)
    assert (then.members, then.next_change) == ({"new"}, created + timedelta(days=7) + TICK)
