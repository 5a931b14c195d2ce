"""``segmint ai ...`` from the command line, down to a segment on the scores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from segmint.ai import train
from segmint.cli.main import app
from segmint.store.workspace import Workspace
from tests.ai.conftest import LIMITS, load_shop
from tests.conftest import make_workspace

runner = CliRunner()


def segmint(workspace: Path, *args: str, code: int = 0) -> str:
    """The output, or with ``code`` 1 the SegmintError's message (the CLI prints it)."""
    result = runner.invoke(app, ["--workspace", str(workspace), *args])
    assert result.exit_code == code, result.output
    return result.output if code == 0 else str(result.exception)


def test_create_train_score_insights_and_segment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with make_workspace(tmp_path / "ws") as ws:
        load_shop(ws, tmp_path, 300)
    ws_path = tmp_path / "ws"
    monkeypatch.setattr(train, "Limits", lambda: LIMITS)  # the shop is smaller than real use
    goal = 'eventType = "commerce.purchases"'
    segmint(ws_path, "ai", "create", "churn", "--type", "churn", "--goal", goal, "--window", "30d")
    assert "churn" in segmint(ws_path, "ai", "list")
    assert "AUC" in segmint(ws_path, "ai", "train", "churn")
    assert "profiles scored" in segmint(ws_path, "ai", "score", "churn")
    report = tmp_path / "report.html"
    elsewhere = tmp_path / "no-such-folder" / "report.html"
    assert "does not exist" in segmint(ws_path, "ai", "insights", "churn", "--html", str(elsewhere), code=1)
    assert "cumulative gain" in segmint(ws_path, "ai", "insights", "churn", "--html", str(report))
    assert report.read_text(encoding="utf-8").count("<svg") == 5
    shown = json.loads(segmint(ws_path, "ai", "show", "churn"))
    assert [m["version"] for m in shown["models"]] == [1]
    segmint(ws_path, "segment", "create", "at risk", "--pql", "customerAI.churn.score >= 75")
    assert "at risk" in segmint(ws_path, "evaluate", "at risk")
    segmint(ws_path, "ai", "delete", "churn")
    assert "does not exist" in segmint(ws_path, "ai", "show", "churn", code=1)
    with Workspace.open(ws_path) as ws:
        ws.use("prod")
        left = ws.con.execute("SELECT count(*) FROM ai_scores").fetchone()
        assert left is not None and left[0] == 0
    assert not (ws_path / "ai" / "sb_prod" / "churn").exists()


def test_bad_window_is_a_clear_error(tmp_path: Path) -> None:
    make_workspace(tmp_path / "ws").close()
    out = segmint(tmp_path / "ws", "ai", "create", "x", "--type", "churn", "--goal",
                  'eventType = "a"', "--window", "soon", code=1)  # fmt: skip
    assert "not a prediction window" in out
