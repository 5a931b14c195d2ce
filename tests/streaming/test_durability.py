"""Exactly once across a crash: a real ``segmint stream`` process is killed with SIGKILL in the
middle of its input, restarted with the same input and stream name, and must leave the same
memberships, history and events as one uninterrupted run on a fresh workspace (no transition
recorded twice, no event stored twice). Resuming a finished stream adds nothing."""

from __future__ import annotations

import os
import random
import selectors
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from typer.testing import CliRunner

from segmint.cli.main import app
from segmint.store.workspace import Workspace

START = datetime(2026, 3, 1)
UNTIL = "2026-05-01T00:00:00"
SEGMENTS = {
    "Recent searchers": 'xEvent[eventType = "search" and timestamp occurs <= 7 days before now]'
    ".count() > 0",
    "3+ purchases": 'xEvent[eventType = "commerce.purchases"].count() >= 3',
}
BATCH = "25"


def events(count: int, seed: int = 3) -> list[bytes]:
    """Searches and purchases of 60 devices over 40 days; some devices log in with an email
    shared by two devices, so batches also merge profiles."""
    rng = random.Random(seed)
    lines = []
    for number in range(count):
        device = rng.randrange(60)
        identity: dict[str, Any] = {"ecid": [{"id": f"d{device}", "primary": True}]}
        if device % 5 == 0 and rng.random() < 0.3:
            identity["email"] = [{"id": f"u{device // 10}@x.com"}]
        at = START + timedelta(minutes=number * 40 * 24 * 60 // count)
        record = {
            "_id": f"e{number}", "timestamp": at.isoformat() + "Z", "identityMap": identity,
            "eventType": rng.choice(["search", "search", "commerce.purchases", "pageView"]),
        }  # fmt: skip
        lines.append(orjson.dumps(record) + b"\n")
    return lines


def cli(ws: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "segmint.cli", "--workspace", str(ws), *args],
        input=stdin, capture_output=True, check=True,
    )  # fmt: skip


def prepare(ws: Path) -> None:
    runner = CliRunner()
    for args in (["init"], ["dataset", "create", "web", "--class", "event"]):
        assert runner.invoke(app, ["--workspace", str(ws), *args]).exit_code == 0
    for name, pql in SEGMENTS.items():
        result = runner.invoke(
            app, ["--workspace", str(ws), "segment", "create", name, "--pql", pql]
        )
        assert result.exit_code == 0, result.output


def stream_args(name: str) -> list[str]:
    return ["stream", "-", "--dataset", "web", "--name", name, "--emit", "jsonl",
            "--batch-size", BATCH, "--until", UNTIL]  # fmt: skip


def outcome(ws: Path) -> dict[str, Any]:
    """Memberships, history and events, with profiles named by their smallest identity and
    segments by name (ids differ between workspaces)."""
    segment = "(SELECT s.name FROM segments s WHERE s.id = t.segment_id)"
    named = (
        "(SELECT min(x.namespace || ':' || x.id) FROM identities x JOIN identity_profiles p "
        "USING (identity_key) WHERE p.profile_id = t.profile_id)"
    )
    with Workspace.open(ws) as workspace:
        workspace.use("prod")
        con = workspace.con
        return {
            "memberships": con.execute(
                f"SELECT {named}, {segment}, status, entered_at, last_qualification_time "
                "FROM memberships t ORDER BY ALL"
            ).fetchall(),
            "history": con.execute(
                f"SELECT {named}, {segment}, status, changed_at, cause "
                "FROM membership_history t ORDER BY ALL"
            ).fetchall(),
            "events": con.execute("SELECT _id FROM events ORDER BY ALL").fetchall(),
            "offset": con.execute("SELECT max(input_offset) FROM stream_checkpoints").fetchone(),
        }


def killed_mid_stream(ws: Path, lines: list[bytes]) -> int:
    """Feed half the input through a pipe, SIGKILL the process once a batch is committed
    (its transitions are printed only after the commit), and return the lines fed."""
    command = [sys.executable, "-m", "segmint.cli", "--workspace", str(ws), *stream_args("s")]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert process.stdin is not None and process.stdout is not None
    half = len(lines) // 2
    process.stdin.write(b"".join(lines[:half]))
    process.stdin.flush()
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + 120
    while not selector.select(timeout=1):
        assert time.monotonic() < deadline and process.poll() is None, "no batch committed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    process.stdin.close()
    process.stdout.close()
    selector.close()
    assert process.returncode == -signal.SIGKILL
    return half


def test_a_killed_stream_resumes_with_every_transition_exactly_once(tmp_path: Path) -> None:
    lines = events(800)
    crashed, clean = tmp_path / "crashed", tmp_path / "clean"
    prepare(crashed)
    prepare(clean)
    half = killed_mid_stream(crashed, lines)
    interrupted = outcome(crashed)["offset"][0]
    assert 0 < interrupted <= half < len(lines)

    cli(crashed, *stream_args("s"), stdin=b"".join(lines))
    cli(clean, *stream_args("s"), stdin=b"".join(lines))
    resumed, uninterrupted = outcome(crashed), outcome(clean)
    assert resumed["history"] == uninterrupted["history"]
    assert resumed["memberships"] == uninterrupted["memberships"]
    assert len(set(resumed["history"])) == len(resumed["history"])
    assert resumed["events"] == uninterrupted["events"] and len(resumed["events"]) == len(lines)
    exits = [row for row in resumed["history"] if row[2] == "exited"]
    assert exits and resumed["offset"] == (len(lines),)


def test_resuming_a_finished_stream_adds_nothing(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    prepare(ws)
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"".join(events(200)))
    args = ["stream", str(source), "--dataset", "web", "--batch-size", BATCH, "--until", UNTIL]
    first = cli(ws, *args, "--emit", "jsonl").stdout
    before = outcome(ws)
    again = cli(ws, *args, "--emit", "jsonl").stdout
    assert first and again == b""
    assert outcome(ws) == before
    assert b"resumed after line 200" in cli(ws, *args).stdout
