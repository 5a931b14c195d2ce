"""Segment definitions and jobs from the command line: versions, references, ledger, members."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from segmint.cli.main import app
from tests.conftest import event, write_jsonl

runner = CliRunner()


def run(workspace: Path, *args: str, code: int = 0) -> str:
    result = runner.invoke(app, ["--workspace", str(workspace), *args])
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """Ann searched for sneakers on 10 Oct and bought on 20 Oct; Bob only searched on 25 Oct."""
    ws = tmp_path / "ws"
    run(ws, "init")
    run(ws, "dataset", "create", "web", "--class", "event")
    search = {"search": {"keywords": "white sneakers"}}
    write_jsonl(tmp_path / "web.jsonl", [
        event("a1", "2026-10-10T10:00:00Z", "search", email="ann@x.com") | search,
        event("a2", "2026-10-20T10:00:00Z", "commerce.purchases", email="ann@x.com"),
        event("b1", "2026-10-25T10:00:00Z", "search", email="bob@x.com") | search,
    ])
    run(ws, "ingest", str(tmp_path / "web.jsonl"), "--dataset", "web")
    return ws


SNEAKERS = (
    'xEvent[eventType = "search" and search.keywords.contains("sneakers") and timestamp occurs'
    ' <= 30 days before now].count() > 0 and not (xEvent[eventType = "commerce.purchases"].count() > 0)'
)


def members(ws: Path, segment: str, tmp_path: Path) -> dict[str, str]:
    out = tmp_path / "members.csv"
    run(ws, "members", segment, "--format", "csv", "--out", str(out))
    with out.open() as handle:
        return {row["identity"]: row["status"] for row in csv.DictReader(handle)}


def test_jobs_track_entries_exits_and_existing(shop: Path, tmp_path: Path) -> None:
    run(shop, "segment", "create", "Sneakers", "--pql", SNEAKERS)
    first = run(shop, "evaluate", "Sneakers", "--as-of", "2026-10-15T00:00:00")
    assert "│ Sneakers │ 1         │ 1       │ 0" in first
    assert members(shop, "Sneakers", tmp_path) == {"email:ann@x.com": "realized"}
    run(shop, "evaluate", "--all", "--as-of", "2026-10-26T00:00:00")
    assert members(shop, "Sneakers", tmp_path) == {"email:ann@x.com": "exited", "email:bob@x.com": "realized"}
    run(shop, "evaluate", "--all", "--as-of", "2026-10-27T00:00:00")
    assert members(shop, "Sneakers", tmp_path) == {"email:ann@x.com": "exited", "email:bob@x.com": "existing"}
    jobs = run(shop, "jobs", "list")
    assert jobs.count("SUCCEEDED") == 3


def test_definitions_are_checked_versioned_and_protected(shop: Path) -> None:
    bad = runner.invoke(app, ["--workspace", str(shop), "segment", "create", "X", "--pql", 'homeAddres.city = "Leeds"'])
    assert bad.exit_code == 1
    run(shop, "segment", "create", "Leeds", "--pql", 'homeAddress.city = "Leeds"')
    run(shop, "segment", "create", "Not Leeds", "--pql", 'not inSegment("Leeds")')
    refused = runner.invoke(app, ["--workspace", str(shop), "segment", "delete", "Leeds"])
    assert refused.exit_code == 1
    run(shop, "segment", "update", "Leeds", "--pql", 'homeAddress.city = "York"')
    shown = json.loads(run(shop, "segment", "show", "Leeds"))
    assert shown["version"] == 2
    assert [v["pql"] for v in shown["versions"]] == ['homeAddress.city = "Leeds"', 'homeAddress.city = "York"']
    assert shown["pqlJson"]["fnName"] == "="
    cycle = runner.invoke(app, ["--workspace", str(shop), "segment", "update", "Leeds", "--pql", 'inSegment("Not Leeds")'])
    assert cycle.exit_code == 1


def test_apply_is_idempotent_and_reports_changes(shop: Path, tmp_path: Path) -> None:
    spec = tmp_path / "segments.yaml"
    spec.write_text(
        "segments:\n"
        "  - name: Searchers\n    pql: xEvent[eventType = \"search\"].count() > 0\n"
        "  - name: Buyers\n    pql: xEvent[eventType = \"commerce.purchases\"].count() > 0\n"
        "    tags: [commerce]\n"
    )
    first = run(shop, "apply", str(spec))
    assert first.count("created") == 2
    again = run(shop, "apply", str(spec))
    assert again.count("unchanged") == 2
    spec.write_text(spec.read_text().replace("count() > 0\n    tags", "count() > 1\n    tags"))
    third = run(shop, "apply", str(spec))
    assert "updated" in third and "unchanged" in third


def test_sql_shows_the_compiled_query(shop: Path) -> None:
    run(shop, "segment", "create", "Sneakers", "--pql", SNEAKERS)
    query = run(shop, "sql", "Sneakers", "--as-of", "2026-10-26T00:00:00")
    # events only: one grouped pass over the job's events, never a join with every profile
    assert "FROM seg_events AS e1" in query and "seg_profiles" not in query
    assert "CAST('2026-09-26 00:00:00' AS TIMESTAMP)" in query


def test_estimate_preview_and_explain(shop: Path) -> None:
    run(shop, "segment", "create", "Sneakers", "--pql", SNEAKERS)
    assert "1 profiles (exact" in run(shop, "estimate", "Sneakers", "--as-of", "2026-10-26T00:00:00")
    assert "2 profiles (exact" in run(shop, "estimate", 'xEvent[eventType = "search"].count() > 0')
    shown = json.loads(run(shop, "preview", "Sneakers", "--as-of", "2026-10-26T00:00:00", "--format", "json"))
    assert [row["identity"] for row in shown] == ["email:bob@x.com"]
    why = run(shop, "explain", "Sneakers", "--identity", "email:ann@x.com", "--as-of", "2026-10-26T00:00:00")
    assert "✗" in why and "a2" in why and "is not in Sneakers" in why


def test_edge_says_when_a_profile_is_in_no_segment(shop: Path) -> None:
    run(shop, "segment", "create", "Sneakers", "--pql", SNEAKERS)
    carl = ["edge", "--identity", "email:carl@x.com", "--as-of", "2026-10-26T10:00:00", "--event"]
    view = '{"_id": "c1", "timestamp": "2026-10-26T09:00:00Z", "eventType": "pageViews"}'
    quiet = run(shop, *carl, view)
    assert "email:carl@x.com is in no segment at 2026-10-26T10:00:00" in quiet
    assert "┃ segment" not in quiet
    search = view.replace("pageViews", "search")[:-1] + ', "search": {"keywords": "sneakers"}}'
    assert "│ Sneakers │ yes    │ entered │" in run(shop, *carl, search)


def test_profile_ids_show_as_written(tmp_path: Path) -> None:
    """Tables show profile ids as the commands that take them write them: 1003, not 1,003."""
    ws = tmp_path / "ws"
    run(ws, "init")
    run(ws, "dataset", "create", "web", "--class", "event")
    people = [
        event(f"e{n}", "2026-10-10T10:00:00Z", "search", email=f"p{n}@x.com") for n in range(1_005)
    ]
    write_jsonl(tmp_path / "web.jsonl", people)
    run(ws, "ingest", str(tmp_path / "web.jsonl"), "--dataset", "web")
    run(ws, "segment", "create", "Searchers", "--pql", 'xEvent[eventType = "search"].count() > 0')
    run(ws, "evaluate", "--all", "--as-of", "2026-10-11T00:00:00")
    rows = json.loads(run(ws, "preview", "Searchers", "--limit", "2000", "--format", "json"))
    high = max(row["profileId"] for row in rows)
    assert high >= 1_000
    for shown in (run(ws, "members", "Searchers", "--limit", "2000"),
                  run(ws, "preview", "Searchers", "--limit", "2000")):  # fmt: skip
        assert f"│ {high} " in shown and f"│ {high:,} " not in shown


def test_the_timeline_is_not_taken_into_the_future(shop: Path, tmp_path: Path) -> None:
    """A job's as-of or a stream's --until past tomorrow would record memberships at a time that
    has not come, where every later stream and job would start: refused, nothing recorded."""
    run(shop, "segment", "create", "Sneakers", "--pql", SNEAKERS)
    job = runner.invoke(
        app, ["--workspace", str(shop), "evaluate", "--all", "--as-of", "2999-01-01T00:00:00"]
    )
    assert job.exit_code == 1
    assert "the segment job's as-of 2999-01-01T00:00:00Z is in the future" in str(job.exception)
    assert "SUCCEEDED" not in run(shop, "jobs", "list")
    streamed = tmp_path / "more.jsonl"
    write_jsonl(streamed, [event("c1", "2026-10-26T10:00:00Z", "search", email="cy@x.com")])
    until = ["--until", "2999-01-01T00:00:00Z"]
    refused = runner.invoke(
        app, ["--workspace", str(shop), "stream", str(streamed), "--dataset", "web", *until]
    )
    assert refused.exit_code == 1
    assert "--until 2999-01-01T00:00:00Z is in the future" in str(refused.exception)
    again = run(shop, "stream", str(streamed), "--dataset", "web")
    assert "resumes" not in again  # the refused run read nothing
    run(shop, "evaluate", "--all", "--as-of", "2026-10-27T00:00:00")
