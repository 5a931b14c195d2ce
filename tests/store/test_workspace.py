"""Sandboxes share nothing; schemas only grow; a second writer gets a clear error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from segmint.cli.workspace import create_sandbox
from segmint.errors import NotFoundError, SchemaError, WorkspaceError
from segmint.ingest.pipeline import ingest_file
from segmint.schema.fields import FieldType
from segmint.schema.model import Schema, SchemaClass
from segmint.store import catalog
from segmint.store.workspace import Workspace
from tests.conftest import count, event, write_jsonl


def test_sandboxes_share_nothing(workspace: Workspace, tmp_path: Path) -> None:
    ingest_file(
        workspace,
        write_jsonl(tmp_path / "a.jsonl", [event("e1", "2026-01-01T00:00:00Z", ecid="d1")]),
        "web",
    )
    create_sandbox(workspace, "dev")
    workspace.use("dev")
    assert count(workspace, "events") == 0
    assert catalog.datasets(workspace.con) == []
    with pytest.raises(NotFoundError, match='dataset "web" does not exist'):
        catalog.dataset(workspace.con, "web")
    workspace.use("prod")
    assert count(workspace, "events") == 1


def test_unknown_sandbox_is_a_clear_error(workspace: Workspace) -> None:
    with pytest.raises(NotFoundError, match='sandbox "qa" does not exist'):
        workspace.use("qa")


def test_schema_apply_adds_nested_fields_and_keeps_rows(
    workspace: Workspace, tmp_path: Path
) -> None:
    ingest_file(
        workspace,
        write_jsonl(tmp_path / "a.jsonl", [event("e1", "2026-01-01T00:00:00Z", ecid="d1")]),
        "web",
    )
    added = catalog.apply_schema(
        workspace.con,
        Schema(
            SchemaClass.EVENT,
            {
                "web.webPageDetails.siteSection": FieldType.STRING,
                "productListItems[].color": FieldType.STRING,
                "loyaltyCard.number": FieldType.STRING,
            },
        ),
    )
    assert added == [
        "web.webPageDetails.siteSection",
        "productListItems[].color",
        "loyaltyCard.number",
    ]
    record = event("e2", "2026-01-02T00:00:00Z", ecid="d1") | {
        "web": {"webPageDetails": {"siteSection": "shoes"}},
        "productListItems": [{"SKU": "a", "color": "red"}],
    }
    ingest_file(workspace, write_jsonl(tmp_path / "b.jsonl", [record]), "web")
    rows = workspace.con.execute(
        "SELECT _id, web.webPageDetails.siteSection, productListItems[1].color FROM events ORDER BY _id"
    ).fetchall()
    assert rows == [("e1", None, None), ("e2", "shoes", "red")]


def test_changing_a_field_type_is_refused(workspace: Workspace) -> None:
    with pytest.raises(
        SchemaError, match=r"cannot change the type of person\.birthYear from integer to string"
    ):
        catalog.apply_schema(
            workspace.con, Schema(SchemaClass.PROFILE, {"person.birthYear": FieldType.STRING})
        )


def test_a_second_process_gets_workspace_in_use(workspace: Workspace) -> None:
    script = (
        "import sys; from pathlib import Path; from segmint.store.workspace import Workspace\n"
        "from segmint.errors import WorkspaceError\n"
        f"try: Workspace.open(Path({str(workspace.path)!r}))\n"
        "except WorkspaceError as e: print(e); sys.exit(3)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert result.returncode == 3
    assert f"workspace {workspace.path} is in use by PID" in result.stdout


def test_missing_workspace_says_how_to_create_one(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match=r"run `segmint init`"):
        Workspace.open(tmp_path / "nowhere")
