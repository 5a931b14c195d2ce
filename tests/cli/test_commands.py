"""The CLI end to end: commands, exit codes, and errors that never show a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from segmint.cli.main import app
from tests.conftest import write_csv, write_jsonl

runner = CliRunner()


def segmint(workspace: Path, *args: str) -> str:
    result = runner.invoke(app, ["--workspace", str(workspace), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def loaded(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    segmint(ws, "init")
    segmint(ws, "dataset", "create", "crm", "--class", "profile", "--identity", "personalEmail.address=email")
    segmint(ws, "dataset", "create", "web", "--class", "event")
    crm = write_csv(tmp_path / "crm.csv", ["identityMap.crmId", "personalEmail.address", "person.name.firstName"],
                    [["C1", "ann@x.com", "Ann"]])
    web = write_jsonl(tmp_path / "web.jsonl", [{
        "_id": "e1", "timestamp": "2026-01-01T00:00:00Z", "eventType": "search",
        "search": {"keywords": "sneakers"},
        "identityMap": {"ecid": [{"id": "d1", "primary": True}], "email": [{"id": "ann@x.com"}]},
    }])
    segmint(ws, "ingest", str(crm), "--dataset", "crm")
    segmint(ws, "ingest", str(web), "--dataset", "web")
    return ws


def test_profile_get_as_json_merges_identity_field_and_events(loaded: Path) -> None:
    profile = json.loads(segmint(loaded, "profile", "get", "--identity", "ecid:d1", "--format", "json"))
    assert profile["attributes"] == {"person": {"name": {"firstName": "Ann"}}, "personalEmail": {"address": "ann@x.com"}}
    assert sorted(f"{i['namespace']}:{i['id']}" for i in profile["identities"]) == ["crmId:C1", "ecid:d1", "email:ann@x.com"]
    assert [e["_id"] for e in profile["recentEvents"]] == ["e1"]


def test_reingesting_says_nothing_was_added(loaded: Path, tmp_path: Path) -> None:
    output = segmint(loaded, "ingest", str(tmp_path / "web.jsonl"), "--dataset", "web")
    assert "already ingested" in output and "nothing added" in output


def test_identity_show_and_listings(loaded: Path) -> None:
    graph = json.loads(segmint(loaded, "identity", "show", "crmId:C1", "--format", "json"))
    assert len(graph["identities"]) == 3 and len(graph["links"]) == 2
    assert "crm" in segmint(loaded, "dataset", "list")
    assert "ecid" in segmint(loaded, "namespace", "list")
    segmint(loaded, "merge-policy", "create", "crm-first", "--attribute-merge", "dataset", "--datasets", "crm", "--default")
    assert "crm-first" in segmint(loaded, "merge-policy", "list")


def test_schema_apply_from_yaml(loaded: Path, tmp_path: Path) -> None:
    spec = tmp_path / "fields.yaml"
    spec.write_text("class: event\nfields:\n  web.webPageDetails.siteSection: string\n")
    assert "added 1 field(s)" in segmint(loaded, "schema", "apply", str(spec))
    assert "web.webPageDetails.siteSection" in segmint(loaded, "schema", "show", "--class", "event")


def test_errors_are_located_messages_without_traceback(loaded: Path, tmp_path: Path) -> None:
    bad = write_csv(tmp_path / "bad.csv", ["identityMap.crmId", "person.birthYear"], [["C9", "19x4"]])
    result = subprocess.run(
        [sys.executable, "-m", "segmint.cli", "--workspace", str(loaded), "ingest", str(bad), "--dataset", "crm"],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 1
    assert f'{bad}:2: field person.birthYear: expected integer, got "19x4"' in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    spec = tmp_path / "broken.yaml"
    spec.write_text("class: event\nfields: [\n")
    result = subprocess.run(
        [sys.executable, "-m", "segmint.cli", "--workspace", str(loaded), "schema", "apply", str(spec)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 1 and f"{spec}:3:1: not valid YAML" in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_builds_a_stitched_workspace_and_is_idempotent(tmp_path: Path) -> None:
    ws = tmp_path / "demo-ws"
    first = segmint(ws, "demo", "--profiles", "200")
    assert "profiles after stitching" in first and "web.jsonl" in first
    assert "Customer AI skipped: training needs at least" in first
    again = segmint(ws, "demo", "--profiles", "200")
    assert again.count("│ repeat") == 4


def test_names_and_paths_with_brackets_show_as_written(tmp_path: Path) -> None:
    """Rich would read ``[bold]`` or ``[x]`` in a name or path as markup: each shows as typed."""
    ws, folder = tmp_path / "ws", tmp_path / "in [b]"
    folder.mkdir()
    segmint(ws, "init")
    created = segmint(ws, "dataset", "create", "[bold]web", "--class", "event")
    assert "dataset [bold]web (event)" in created
    assert "namespace [x]n created" in segmint(ws, "namespace", "create", "[x]n")
    web = write_jsonl(folder / "web.jsonl", [{
        "_id": "e1", "timestamp": "2026-01-01T00:00:00Z", "eventType": "search",
        "identityMap": {"ecid": [{"id": "d1", "primary": True}]},
    }])  # fmt: skip
    assert f"{web} → [bold]web:" in segmint(ws, "ingest", str(web), "--dataset", "[bold]web")
    assert f"{web}: already ingested" in segmint(ws, "ingest", str(web), "--dataset", "[bold]web")
    name = "[bold]VIP [x]"
    pql = 'xEvent[eventType = "search"].count() > 0'
    assert f"segment {name} created" in segmint(ws, "segment", "create", name, "--pql", pql)
    updated = segmint(ws, "segment", "update", name, "--pql", pql + " ")
    assert f"segment {name} is at version 2" in updated
    assert f"segment {name} deleted" in segmint(ws, "segment", "delete", name)
    applied = folder / "segments.yaml"
    applied.write_text(f"segments:\n  - name: '{name}'\n    pql: '{pql}'\n")
    assert f"applied {applied}" in segmint(ws, "apply", str(applied))
    event_json = '{"_id": "e2", "timestamp": "2026-01-02T00:00:00Z", "eventType": "search"}'
    edge = segmint(ws, "edge", "--identity", "email:[b]a", "--event", event_json)
    assert "email:[b]a at" in edge
    segmint(ws, "stream", str(web), "--dataset", "[bold]web")
    again = runner.invoke(app, ["--workspace", str(ws), "stream", str(web), "--dataset", "[bold]web"])
    assert f'stream "file:{web}" resumes after line 1' in again.output


def test_paths_that_cannot_be_written_are_refused_without_traceback(loaded: Path, tmp_path: Path) -> None:
    """An output path with no folder, or naming a folder, is refused before anything is
    written (no partial file left); any other file the system refuses is named, not traced."""
    segmint(loaded, "segment", "create", "Searchers", "--pql", 'xEvent[eventType = "search"].count() > 0')
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    cases = [
        (["members", "Searchers", "--format", "csv", "--out", str(tmp_path / "nowhere" / "m.csv")],
         f"cannot write {tmp_path / 'nowhere' / 'm.csv'}: {tmp_path / 'nowhere'} does not exist"),
        (["members", "Searchers", "--format", "parquet", "--out", str(a_file / "m.parquet")],
         f"cannot write {a_file / 'm.parquet'}: {a_file} is not a folder"),
        (["members", "Searchers", "--format", "jsonl", "--out", str(tmp_path)], f"cannot write {tmp_path}: it is a folder"),
        (["generate", "--profiles", "10", "--out", str(a_file)], f"{a_file} is a file, not a folder"),
        (["--workspace", str(a_file / "ws"), "init"], f"cannot use {a_file / 'ws'}: "),
    ]  # fmt: skip
    for args, message in cases:
        command = [sys.executable, "-m", "segmint.cli", "--workspace", str(loaded), *args]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        assert result.returncode == 1, result.stderr
        assert message in " ".join(result.stderr.split()), result.stderr
        assert "Traceback" not in result.stderr + result.stdout
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a-file", "crm.csv", "web.jsonl", "ws"]
    refused = runner.invoke(app, ["--workspace", str(loaded), "serve", "--port", "70000"])
    assert refused.exit_code == 2 and "65535" in refused.output


def test_names_commands_could_not_address_are_refused(tmp_path: Path) -> None:
    """An empty or padded name, or one holding the separator it is written between, could not
    be named again (``NS:ID``, ``identityMap.NS``, ``--datasets crm,web``): refused, with why."""
    ws = tmp_path / "ws"
    segmint(ws, "init")
    cases = [
        (["dataset", "create", "", "--class", "event"], '"" cannot name a dataset'),
        (["dataset", "create", "web ", "--class", "event"], '"web " cannot name a dataset'),
        (["dataset", "create", "a,b", "--class", "event"], '"," separates the datasets a merge policy lists'),
        (["namespace", "create", "loyalty:id"], '":" separates a namespace from an id'),
        (["namespace", "create", "loyalty.id"], '"." separates a CSV column'),
        (["namespace", "create", "tab\tid"], '"tab\tid" cannot name an identity namespace'),
        (["merge-policy", "create", " ", "--attribute-merge", "timestamp"], '" " cannot name a merge policy'),
    ]  # fmt: skip
    for args, message in cases:
        result = runner.invoke(app, ["--workspace", str(ws), *args])
        assert result.exit_code == 1 and message in str(result.exception), (args, result.exception)
    assert "web-2 (event)" in segmint(ws, "dataset", "create", "web-2", "--class", "event")
    assert "namespace loyaltyId created" in segmint(ws, "namespace", "create", "loyaltyId")
