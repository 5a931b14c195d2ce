"""``segmint pql``: checks with located errors, conversions both ways, and one-profile eval."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from segmint.cli.main import app
from tests.conftest import event, write_jsonl

runner = CliRunner()


def run(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.output


def test_check_one_definition() -> None:
    assert run("pql", "check", 'homeAddress.countryCode = "US"') == "valid\n"
    assert run("pql", "check", "--syntax-only", 'homeAddres.countryCode = "US"') == "valid\n"
    run("pql", "check", 'homeAddres.countryCode = "US"', code=1)
    run("pql", "check", 'xEvent[eventType = "x"].count( > 1', code=1)


def test_check_a_file_reports_each_invalid_line(tmp_path: Path) -> None:
    file = tmp_path / "defs.pql"
    file.write_text('homeAddress.countryCode = "US"\n# a comment\n\nxEvent[eventTyp = "x"].count() > 1\nperson.birthYear < \n')
    output = run("pql", "check", "--file", str(file), code=1)
    assert output.splitlines() == [
        f'{file}:4:8: unknown field "eventTyp" in the event schema',
        f"{file}:5:20: expected an expression, found end of input",
        "1 valid, 2 invalid",
    ]


def test_convert_round_trips_between_text_json_and_blocks() -> None:
    text = 'xEvent[eventType = "search" and timestamp occurs <= 30 days before now].count() >= 3'
    as_json = run("pql", "convert", text, "--to", "json")
    assert json.loads(as_json)["nodeType"] == "fnApply"
    back = run("pql", "convert", "--from", "json", as_json, "--to", "pql").strip()
    assert run("pql", "convert", back, "--to", "json") == as_json
    blocks = json.loads(run("pql", "convert", text, "--to", "blocks"))
    (rule,) = blocks["items"]
    assert (rule["type"], rule["count"], rule["time"]) == (
        "event", {"operator": "atLeast", "value": 3}, {"kind": "inLast", "amount": 30, "unit": "days"},
    )
    again = run("pql", "convert", "--from", "blocks", json.dumps(blocks), "--to", "blocks")
    assert json.loads(again) == blocks
    refused = runner.invoke(app, ["pql", "convert", "let x = 1 in person.birthYear = x", "--to", "blocks"])
    assert "has no Segment Builder block" in str(refused.exception)


def test_eval_explains_with_the_events_involved(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    run("--workspace", str(ws), "init")
    run("--workspace", str(ws), "dataset", "create", "web", "--class", "event")
    write_jsonl(tmp_path / "web.jsonl", [event("buy-1", "2026-10-20T10:00:00Z", "commerce.purchases", email="ann@x.com")])
    run("--workspace", str(ws), "ingest", str(tmp_path / "web.jsonl"), "--dataset", "web")
    definition = 'xEvent[eventType = "commerce.purchases"].count() > 0'
    output = run(
        "--workspace", str(ws), "pql", "eval", definition,
        "--identity", "email:ann@x.com", "--as-of", "2026-11-01T00:00:00", "--explain",
    )
    assert "buy-1" in output and "email:ann@x.com qualifies" in output
    earlier = run(
        "--workspace", str(ws), "pql", "eval", definition,
        "--identity", "email:ann@x.com", "--as-of", "2026-10-01T00:00:00",
    )
    assert "does not qualify" in earlier
