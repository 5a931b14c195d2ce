"""``segmint demo`` replays the last day through the streaming processor: entries and exits as
they happen, window lapses included, reaching the memberships the segment job recorded."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from segmint.cli.demo import END
from segmint.cli.main import app
from segmint.demo.replay import DAY, replay_last_day
from segmint.evaluate.streaming import Trigger
from segmint.store.workspace import Workspace


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    ws = tmp_path_factory.mktemp("replay") / "ws"
    result = CliRunner().invoke(app, ["--workspace", str(ws), "demo", "--profiles", "400"])
    assert result.exit_code == 0, result.output
    return ws, result.output


def test_demo_prints_the_days_transitions_by_cause(demo: tuple[Path, str]) -> None:
    _, output = demo
    assert "streaming replay from" in output and "as windows lapsed" in output
    assert "transitions, as they happened" in output
    assert "+ lapse" in output and "- lapse" in output
    assert "streaming agrees with the segment job" in output


def test_replay_fires_window_exits_in_time_order_and_matches_batch(
    demo: tuple[Path, str],
) -> None:
    ws, _ = demo
    with Workspace.open(ws) as workspace:
        workspace.use("prod")
        replayed = replay_last_day(workspace.con, END)
        history = workspace.con.execute("SELECT count(*) FROM membership_history").fetchone()
    assert replayed.disagreements == 0
    times = [t.time for t in replayed.transitions]
    assert times == sorted(times) and all(END - DAY <= at <= END for at in times)
    lapsed = [t for t in replayed.transitions if t.trigger is Trigger.CLOCK]
    assert any(t.status == "exited" for t in lapsed)
    assert any(t.trigger is Trigger.EVENT for t in replayed.transitions)
    counts = replayed.counts()
    assert sum(counts.values()) == len(replayed.transitions)
    with Workspace.open(ws) as workspace:
        workspace.use("prod")
        after = workspace.con.execute("SELECT count(*) FROM membership_history").fetchone()
    assert after == history  # the replay writes nothing
