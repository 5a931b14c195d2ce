"""``segmint pql check | convert | eval``: the language from the command line."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import orjson
import typer
from rich.markup import escape

from segmint.cli.context import open_sandbox
from segmint.cli.explanation import render
from segmint.cli.instants import instant_option, now_unless
from segmint.cli.output import console, error, print_json
from segmint.errors import Location, PQLError, UsageError
from segmint.evaluate.explain import explain
from segmint.evaluate.reference import evaluate
from segmint.plan.bind import bind
from segmint.plan.blocks import blocks_to_plan, dump_blocks, load_blocks, plan_to_blocks
from segmint.plan.unbind import to_ast
from segmint.pql import from_json, parse, to_json, to_pql
from segmint.schema.defaults import default_schemas
from segmint.schema.model import Schema, SchemaClass
from segmint.segments import compile_pql, profile_data
from segmint.store import catalog

pql_app = typer.Typer(help="Check, convert and evaluate PQL.", no_args_is_help=True)


class Form(StrEnum):
    PQL = "pql"
    JSON = "json"
    BLOCKS = "blocks"


def _definitions(text: str | None, file: Path | None) -> list[tuple[int, str]]:
    """(line, definition) pairs: the argument, or one per line of a file (blank and # lines
    skipped)."""
    if (text is None) == (file is None):
        raise UsageError("give one PQL definition or --file", hint="segmint pql check 'x = 1'")
    if file is None:
        assert text is not None
        return [(1, text)]
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except OSError as problem:
        raise UsageError(f"cannot read {file}: {problem.strerror}") from None
    return [
        (number, line)
        for number, line in enumerate(lines, start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]


def _schemas(ctx: typer.Context, use_workspace: bool) -> tuple[Schema, Schema]:
    if use_workspace:
        with open_sandbox(ctx) as workspace:
            return (
                catalog.schema(workspace.con, SchemaClass.PROFILE),
                catalog.schema(workspace.con, SchemaClass.EVENT),
            )
    schemas = default_schemas()
    return schemas[SchemaClass.PROFILE], schemas[SchemaClass.EVENT]


@pql_app.command("check")
def check(
    ctx: typer.Context,
    text: str | None = typer.Argument(None, help="A PQL definition."),
    file: Path | None = typer.Option(None, "--file", help="One definition per line."),
    syntax_only: bool = typer.Option(False, "--syntax-only", help="Parse only; do not bind."),
    schema: bool = typer.Option(
        False, "--schema", help="Bind against the workspace's schemas, not the default XDM ones."
    ),
) -> None:
    """Check PQL: exit 0 when every definition is valid."""
    profile, event = _schemas(ctx, schema) if not syntax_only else (None, None)
    invalid = 0
    items = _definitions(text, file)
    for line, definition in items:
        try:
            tree = parse(definition)
            if profile is not None and event is not None:
                bind(tree, profile, event, source=definition)
        except PQLError as problem:
            invalid += 1
            if file is None:
                error(problem)
            else:
                where = problem.location or Location()
                column = where.column or 1
                console.print(f"{file}:{line}:{column}: {escape(problem.message)}", highlight=False)
    if file is not None:
        console.print(f"{len(items) - invalid} valid, {invalid} invalid")
    elif not invalid:
        console.print("valid")
    if invalid:
        raise typer.Exit(1)


@pql_app.command("convert")
def convert(
    ctx: typer.Context,
    text: str | None = typer.Argument(None, help="PQL text, or PQL JSON with --from json."),
    file: Path | None = typer.Option(None, "--file", help="Read the definition from a file."),
    to: Form = typer.Option(Form.JSON, "--to", help="pql, json (pql/json) or blocks."),
    source: Form = typer.Option(Form.PQL, "--from", help="pql, json or blocks."),
) -> None:
    """Convert a definition between PQL text, PQL JSON and Segment Builder blocks."""
    if file is not None:
        text = file.read_text(encoding="utf-8")
    if text is None:
        raise UsageError("give a definition or --file")
    profile, event = _schemas(ctx, False)
    if source is Form.PQL:
        tree = parse(text)
    elif source is Form.JSON:
        tree = from_json(_json(text))
    else:
        tree = to_ast(blocks_to_plan(load_blocks(text), profile, event))
    if to is Form.PQL:
        print(to_pql(tree))
    elif to is Form.JSON:
        print_json(to_json(tree))
    else:
        plan = bind(tree, profile, event, source=to_pql(tree))
        print_json(dump_blocks(plan_to_blocks(plan)))


def _json(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as problem:
        raise UsageError(
            f"not valid JSON: {problem.msg}",
            location=Location(line=problem.lineno, column=problem.colno),
        ) from None


@pql_app.command("eval")
def evaluate_command(
    ctx: typer.Context,
    text: str = typer.Argument(..., help="A PQL definition."),
    identity: str = typer.Option(..., "--identity", help="NAMESPACE:ID of the profile."),
    as_of: datetime | None = instant_option("--as-of", "Evaluation time (default: now)."),
    merge_policy: str | None = typer.Option(None, "--merge-policy"),
    show_explanation: bool = typer.Option(False, "--explain", help="Show which clauses held."),
) -> None:
    """Evaluate a definition for one profile with the reference interpreter."""
    instant = now_unless(as_of)
    with open_sandbox(ctx) as workspace:
        plan = compile_pql(workspace.con, text)
        profile = profile_data(workspace.con, identity, merge_policy)
    if show_explanation:
        console.print(render(explain(plan, profile, instant)), soft_wrap=False)
    held = evaluate(plan, profile, instant)
    verdict = "[green]qualifies[/]" if held else "[red]does not qualify[/]"
    console.print(f"{escape(identity)} {verdict} at {instant.isoformat()}")


def register(app: typer.Typer) -> None:
    app.add_typer(pql_app, name="pql")
