"""``segmint stream``: a replayed file enters a profile, ``--until`` fires the window's exit, and
both transitions reach the ledger's history with cause streaming."""

from __future__ import annotations

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
