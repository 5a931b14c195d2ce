"""``segmint apikey``: tokens printed once, only digests stored, revocation at once."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from segmint.cli.main import app
from segmint.store import apikeys
from segmint.store.apikeys import Role
from segmint.store.workspace import Workspace
from tests.api.conftest import prepare_workspace

runner = CliRunner()


def run(workspace: Path, *args: str, code: int = 0) -> str:
    result = runner.invoke(app, ["--workspace", str(workspace), *args])
    assert result.exit_code == code, result.output
    return result.output + ("" if result.exception is None else str(result.exception))


def test_create_list_revoke(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    prepare_workspace(ws)
    output = run(ws, "apikey", "create", "--sandbox", "dev", "--role", "write", "--label", "etl")
    token = next(line for line in output.splitlines() if line.startswith("sgm_"))
    key_id = token.split("_")[1]
    with Workspace.open(ws) as workspace:
        key = apikeys.authenticate(workspace.con, token)
        stored = workspace.con.execute("SELECT * FROM main.api_keys").fetchall()
    assert key is not None
    assert (key.id, key.sandbox, key.role, key.label) == (key_id, "dev", Role.WRITE, "etl")
    assert token.split("_", 2)[2] not in str(stored)
    listed = run(ws, "apikey", "list", "--sandbox", "dev")
    assert key_id in listed
    assert token not in listed
    run(ws, "apikey", "revoke", key_id)
    with Workspace.open(ws) as workspace:
        assert apikeys.authenticate(workspace.con, token) is None
    assert "does not exist" in run(ws, "apikey", "revoke", "nope", code=1)
    assert 'sandbox "qa" does not exist' in run(ws, "apikey", "create", "--sandbox", "qa", code=1)
