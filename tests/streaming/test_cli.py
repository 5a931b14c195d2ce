"""``segmint stream``: a replayed file enters a profile, ``--until`` fires the window's exit, and
both transitions reach the ledger's history with cause streaming."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from segmint.cli.main import app
from segmint.cli.stream import BATCH, paced, replay
from segmint.errors import ValidationError
from segmint.store.workspace import Workspace
from segmint.stream.service import EventStream
from tests.conftest import event, write_jsonl

RECENT = 'xEvent[eventType = "search" and timestamp occurs <= 7 days before now].count() > 0'


def searchers(tmp_path: Path) -> Path:
    """A workspace with a web dataset and the "Recent searchers" segment."""
    ws = tmp_path / "ws"
    for args in (
        ["init"],
        ["dataset", "create", "web", "--class", "event"],
        ["segment", "create", "Recent searchers", "--pql", RECENT],
    ):
        assert CliRunner().invoke(app, ["--workspace", str(ws), *args]).exit_code == 0
    return ws


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
    assert [(s["segment"], s["status"], s["time"], s["trigger"]) for s in shown] == [
        ("Recent searchers", "entered", "2018-08-20T10:00:00", "event"),
        ("Recent searchers", "exited", "2018-08-27T10:00:00.000001", "clock"),
    ]
    with Workspace.open(ws) as workspace:
        workspace.use("prod")
        history = workspace.con.execute(
            "SELECT status, cause FROM membership_history ORDER BY changed_at"
        ).fetchall()
        stored = workspace.con.execute("SELECT count(*) FROM events").fetchone()
    assert history == [("realized", "streaming"), ("exited", "streaming")]
    assert stored == (2,)


def test_a_stream_holding_one_profile_in_memory_gives_the_same_transitions(
    tmp_path: Path,
) -> None:
    """With ``--max-profiles 1``, after each one-event batch only the latest profile stays in
    memory: the others exit on time all the same (read back from the store when their timer
    is due), and a searcher searching again is read back with her first search."""
    write_jsonl(tmp_path / "in.jsonl", [
        event("a1", "2018-08-20T10:00:00Z", "search", email="ann@x.com"),
        event("b1", "2018-08-21T10:00:00Z", "search", email="bob@x.com"),
        event("c1", "2018-08-22T10:00:00Z", "pageView", email="carl@x.com"),
        event("a2", "2018-08-26T10:00:00Z", "search", email="ann@x.com"),
    ])  # fmt: skip
    histories = {}
    for held, summary in (
        ("1", "3 profiles streamed, 1 held"),
        ("100", "3 profiles streamed, 3 held"),
    ):
        ws = searchers(tmp_path / held)
        result = CliRunner().invoke(
            app, ["--workspace", str(ws), "stream", str(tmp_path / "in.jsonl"), "--dataset", "web",
                  "--batch-size", "1", "--max-profiles", held, "--until", "2018-09-10"],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert result.output.startswith(summary)
        with Workspace.open(ws) as workspace:
            workspace.use("prod")
            histories[held] = workspace.con.execute(
                "SELECT profile_id, status, changed_at, cause FROM membership_history "
                "ORDER BY changed_at"
            ).fetchall()
    assert histories["1"] == histories["100"]
    assert [(status, str(at)) for _, status, at, _ in histories["1"]] == [
        ("realized", "2018-08-20 10:00:00"), ("realized", "2018-08-21 10:00:00"),
        ("exited", "2018-08-28 10:00:00.000001"), ("exited", "2018-09-02 10:00:00.000001"),
    ]  # fmt: skip


def test_wall_clock_applies_events_at_the_time_they_arrive(tmp_path: Path) -> None:
    """With ``--clock wall`` the clock is the machine's: a search two days old enters at the
    moment it is streamed, one ten days old is already out of the 7-day window, and one stamped
    an hour ahead is not visible yet."""
    runner = CliRunner()
    ws = searchers(tmp_path)
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


def test_until_with_an_offset_is_converted_to_utc(tmp_path: Path) -> None:
    """12:00 at +02:00 is 10:00 UTC, the very instant the search is still in its window (it
    leaves a microsecond later): no exit yet."""
    ws = searchers(tmp_path)
    write_jsonl(tmp_path / "in.jsonl", [event("a1", "2018-08-20T10:00:00Z", "search", ecid="A")])
    result = CliRunner().invoke(
        app, ["--workspace", str(ws), "stream", str(tmp_path / "in.jsonl"), "--dataset", "web",
              "--emit", "jsonl", "--until", "2018-08-27T12:00:00+02:00"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [orjson.loads(line)["status"] for line in result.output.splitlines()] == ["entered"]


@pytest.mark.parametrize(
    ("option", "value", "said"),
    [
        ("--until", "1793000000", "is not an ISO 8601 instant"),
        ("--lateness", "nan", "--lateness nan is not an allowed lateness"),
        ("--lateness", "-5", "--lateness -5.0 is not an allowed lateness"),
        ("--lateness", "inf", "--lateness inf is not an allowed lateness"),
    ],
)
def test_bad_options_are_refused_before_anything_is_read(
    tmp_path: Path, option: str, value: str, said: str
) -> None:
    ws = searchers(tmp_path)
    write_jsonl(tmp_path / "in.jsonl", [event("a1", "2018-08-20T10:00:00Z", "search", ecid="A")])
    result = subprocess.run(
        [sys.executable, "-m", "segmint.cli", "--workspace", str(ws), "stream",
         str(tmp_path / "in.jsonl"), "--dataset", "web", option, value],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode != 0
    assert said in " ".join(result.stderr.split()) and "Traceback" not in result.stderr
    with Workspace.open(ws) as workspace:
        workspace.use("prod")
        assert workspace.con.execute("SELECT count(*) FROM events").fetchall() == [(0,)]


def test_a_byte_order_mark_is_read_past_and_bad_json_is_located(tmp_path: Path) -> None:
    ws = searchers(tmp_path)
    good = orjson.dumps(event("a1", "2018-08-20T10:00:00Z", "search", ecid="A"))
    (tmp_path / "in.jsonl").write_bytes(b"\xef\xbb\xbf" + good + b'\n{"_id": "b1", oops}\n')
    result = CliRunner().invoke(
        app, ["--workspace", str(ws), "stream", str(tmp_path / "in.jsonl"), "--dataset", "web"]
    )
    assert isinstance(result.exception, ValidationError)
    assert f"{tmp_path / 'in.jsonl'}:2:15: not JSON" in str(result.exception)
    with Workspace.open(ws) as workspace:
        workspace.use("prod")
        assert workspace.con.execute("SELECT _id FROM events").fetchall() == [("a1",)]


def test_a_paused_live_input_is_committed_and_its_windows_lapse_on_the_wall_clock(
    tmp_path: Path,
) -> None:
    """A pipe that sends one search and stays open: the entry is shown at once (not when
    the input ends), and the exit when the 7-day window lapses two seconds later."""
    ws = searchers(tmp_path)
    stamp = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=7) + timedelta(seconds=2)
    line = orjson.dumps(event("a1", stamp.isoformat() + "Z", "search", ecid="A")) + b"\n"
    command = [sys.executable, "-m", "segmint.cli", "--workspace", str(ws), "stream", "-",
               "--dataset", "web", "--clock", "wall", "--emit", "jsonl"]  # fmt: skip
    with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE) as live:
        assert live.stdin is not None and live.stdout is not None
        watchdog = threading.Timer(60, live.kill)  # what never comes ends the test, failed
        watchdog.start()
        live.stdin.write(line)
        live.stdin.flush()
        shown = [orjson.loads(live.stdout.readline()), orjson.loads(live.stdout.readline())]
        exited = datetime.now(UTC).replace(tzinfo=None)
        time.sleep(0.2)
        assert live.poll() is None  # the input is still open
        live.stdin.close()
        assert live.wait(timeout=60) == 0
        watchdog.cancel()
    assert [(s["status"], s["time"]) for s in shown] == [
        ("entered", shown[0]["time"]),
        ("exited", (stamp + timedelta(days=7, microseconds=1)).isoformat()),
    ]
    assert exited >= stamp + timedelta(days=7)


def test_a_steady_live_input_is_committed_at_least_every_second(tmp_path: Path) -> None:
    """Lines every 20 ms never pause long enough to commit on a pause, nor fill a batch: the
    oldest line waiting is committed after ``LONGEST_WAIT`` nonetheless."""
    ws = searchers(tmp_path)
    committed_while_reading: list[int] = []
    with Workspace.open(ws) as workspace:
        workspace.use("prod")
        stream = EventStream(workspace, "web", name="steady")

        def lines() -> Iterator[tuple[int, bytes]]:
            for number in range(1, 81):
                time.sleep(0.02)
                committed_while_reading.append(stream.offset)
                stamp = f"2018-08-20T10:{number // 60:02}:{number % 60:02}Z"
                yield number, orjson.dumps(event(f"e{number}", stamp, "search", ecid="A"))

        replay(stream, lines(), BATCH)
        assert stream.offset == 80
    assert 0 < max(committed_while_reading) < 80


def test_a_named_stream_refuses_input_other_than_the_one_it_was_reading(tmp_path: Path) -> None:
    """Resuming skips the lines committed before: other input under the same name would lose
    as many of its lines unread, so it is refused (and the same input resumes)."""
    ws = searchers(tmp_path)
    first = write_jsonl(tmp_path / "first.jsonl", [
        event("a1", "2018-08-20T10:00:00Z", "search", ecid="A"),
        event("a2", "2018-08-20T11:00:00Z", "search", ecid="A"),
    ])  # fmt: skip
    other = write_jsonl(tmp_path / "other.jsonl", [
        event("b1", "2018-08-21T10:00:00Z", "search", ecid="B"),
        event("b2", "2018-08-21T11:00:00Z", "search", ecid="B"),
        event("b3", "2018-08-21T12:00:00Z", "search", ecid="B"),
    ])  # fmt: skip

    def stream(source: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "segmint.cli", "--workspace", str(ws), "stream", "-",
             "--dataset", "web", "--name", "feed"],
            input=source.read_text(), capture_output=True, text=True,
        )  # fmt: skip

    assert stream(first).returncode == 0
    refused = stream(other)
    assert refused.returncode == 1
    assert 'not the input stream "feed" was reading: its line 2' in refused.stderr
    assert stream(first).returncode == 0
    with Workspace.open(ws) as workspace:
        workspace.use("prod")
        stored = workspace.con.execute("SELECT _id FROM events ORDER BY 1").fetchall()
    assert stored == [("a1",), ("a2",)]


def test_the_input_thread_stops_when_the_replay_does() -> None:
    """An invalid line ends a replay early: the thread reading the input must not stay
    blocked on a full queue (a server or test process would keep it for good)."""
    items = paced(iter(range(10**6)), 0.05)
    assert [next(items) for _ in range(3)] == [0, 1, 2]
    items.close()
    deadline = time.monotonic() + 5
    while any(t.name == "segmint-stream-input" for t in threading.enumerate()):
        assert time.monotonic() < deadline, "the input thread is still running"
        time.sleep(0.05)
