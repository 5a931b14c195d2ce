"""``segmint stream``: a replayed file enters a profile, ``--until`` fires the window's exit, and
both transitions reach the ledger's history with cause streaming."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
from typer.testing import CliRunner

from segmint.cli.main import app
from segmint.store.workspace import Workspace
from tests.conftest import event, write_jsonl

RECENT = 'xEvent[eventType = "search" and timestamp occurs <= 7 days before now].count() > 0'


def test_stream_enters_and_exits_on_time(tmp_path: Path) -> None:
    runner = CliRunner()
    ws = tmp_path / "ws"

    def run(*args: str) -> str:
        result = runner.invoke(app, ["--workspace", str(ws), *args])
        assert result.exit_code == 0, result.output
        return result.output

    run("init")
    run("dataset", "create", "web", "--class", "event")
    run("segment", "create", "Recent searchers", "--pql", RECENT)
    write_jsonl(tmp_path / "in.jsonl", [
        event("a1", "2018-08-20T10:00:00Z", "search", email="ann@x.com"),
        event("b1", "2018-08-21T10:00:00Z", "pageView", email="bob@x.com"),
    ])  # fmt: skip
    out = run("stream", str(tmp_path / "in.jsonl"), "--dataset", "web", "--emit", "jsonl",
              "--until", "2018-09-01T00:00:00")  # fmt: skip
    shown = [orjson.loads(line) for line in out.splitlines()]
    assert [(s["segment"], s["status"], s["time"]) for s in shown] == [
        ("Recent searchers", "entered", "2018-08-20T10:00:00"),
        ("Recent searchers", "exited", "2018-08-27T10:00:00.000001"),
    ]
    with Workspace.open(ws) as workspace:
        workspace.use("prod")
        history = workspace.con.execute(
            "SELECT status, cause FROM membership_history ORDER BY changed_at"
        ).fetchall()
        stored = workspace.con.execute("SELECT count(*) FROM events").fetchone()
    assert history == [("realized", "streaming"), ("exited", "streaming")]
    assert stored == (2,)


def test_wall_clock_applies_events_at_the_time_they_arrive(tmp_path: Path) -> None:
    """With ``--clock wall`` the clock is the machine's: a search two days old enters at the
    moment it is streamed, one ten days old is already out of the 7-day window, and one stamped
    an hour ahead is not visible yet."""
    runner = CliRunner()
    ws = tmp_path / "ws"
    for args in (
        ["init"],
        ["dataset", "create", "web", "--class", "event"],
        ["segment", "create", "Recent searchers", "--pql", RECENT],
    ):
        assert runner.invoke(app, ["--workspace", str(ws), *args]).exit_code == 0
    now = datetime.now(UTC).replace(tzinfo=None)

    def stamp(delta: timedelta) -> str:
        return (now + delta).isoformat() + "Z"

    write_jsonl(tmp_path / "in.jsonl", [
        event("a1", stamp(-timedelta(days=2)), "search", email="ann@x.com"),
        event("b1", stamp(-timedelta(days=10)), "search", email="bob@x.com"),
        event("c1", stamp(timedelta(hours=1)), "search", email="carl@x.com"),
    ])  # fmt: skip
    result = runner.invoke(
        app, ["--workspace", str(ws), "stream", str(tmp_path / "in.jsonl"), "--dataset", "web",
              "--emit", "jsonl", "--clock", "wall"],
    )  # fmt: skip
    after = datetime.now(UTC).replace(tzinfo=None)
    assert result.exit_code == 0, result.output
    [entered] = [orjson.loads(line) for line in result.output.splitlines()]
    assert entered["status"] == "entered"
    assert now <= datetime.fromisoformat(entered["time"]) <= after
    with Workspace.open(ws) as workspace:
        workspace.use("prod")
        members = workspace.con.execute(
            "SELECT x.id FROM memberships m JOIN identities x ON x.identity_key = m.profile_id "
            "WHERE m.status = 'realized'"
        ).fetchall()
    assert members == [("ann@x.com",)]
