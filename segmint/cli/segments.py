"""``segmint segment ...``, ``apply``, ``evaluate``, ``jobs``, ``members`` and ``sql``: segment
definitions and batch evaluation from the command line."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path

import typer
import yaml
from rich.markup import escape
from rich.progress import BarColumn, TimeElapsedColumn

from segmint import segments
from segmint.cli.context import open_sandbox
from segmint.cli.explanation import render
from segmint.cli.instants import instant_option, now_unless
from segmint.cli.output import OutputFormat, console, print_json, progress, table
from segmint.errors import Location, UsageError
from segmint.membership import members as membership
from segmint.pql import parse, to_json
from segmint.store import definitions
from segmint.store.definitions import Lifecycle, SegmentSpec

segment_app = typer.Typer(help="Segment definitions.", no_args_is_help=True)
jobs_app = typer.Typer(help="Segment jobs.", no_args_is_help=True)
AS_OF_HELP = "Evaluation time (default: now)."


def _pql(pql: str | None, file: Path | None) -> str:
    if (pql is None) == (file is None):
        raise UsageError("give the definition with --pql or --file (one of them)")
    return pql if pql is not None else Path(file or "").read_text(encoding="utf-8").strip()


@segment_app.command("create")
def create(
    ctx: typer.Context,
    name: str,
    pql: str | None = typer.Option(None, "--pql", help="The definition in PQL."),
    file: Path | None = typer.Option(None, "--file", help="A file holding the PQL."),
    description: str = typer.Option("", "--description"),
    merge_policy: str | None = typer.Option(None, "--merge-policy"),
    tag: list[str] = typer.Option([], "--tag", help="A tag; repeat for more."),
    lifecycle: Lifecycle = typer.Option(Lifecycle.PUBLISHED, "--lifecycle"),
) -> None:
    """Create a segment definition (checked against the schemas first)."""
    spec = SegmentSpec(name, _pql(pql, file), description, merge_policy, tuple(tag), lifecycle)
    with open_sandbox(ctx) as workspace:
        segment = segments.create(workspace.con, spec)
    console.print(f"segment [bold]{escape(segment.name)}[/] created ({segment.id})")


@segment_app.command("update")
def update(
    ctx: typer.Context,
    name: str,
    pql: str | None = typer.Option(None, "--pql"),
    file: Path | None = typer.Option(None, "--file"),
    new_name: str | None = typer.Option(None, "--name", help="Rename the segment."),
    description: str | None = typer.Option(None, "--description"),
    merge_policy: str | None = typer.Option(None, "--merge-policy"),
    tag: list[str] | None = typer.Option(None, "--tag"),
    lifecycle: Lifecycle | None = typer.Option(None, "--lifecycle"),
) -> None:
    """Change a segment: every change is a new version."""
    with open_sandbox(ctx) as workspace:
        current = definitions.find(workspace.con, name).spec
        spec = SegmentSpec(
            new_name or current.name,
            _pql(pql, file) if pql is not None or file is not None else current.pql,
            current.description if description is None else description,
            current.merge_policy if merge_policy is None else merge_policy,
            current.tags if tag is None else tuple(tag),
            lifecycle or current.lifecycle,
        )
        segment = segments.update(workspace.con, name, spec)
    console.print(f"segment [bold]{escape(segment.name)}[/] is at version {segment.version}")


@segment_app.command("delete")
def delete(ctx: typer.Context, name: str) -> None:
    """Delete a segment (refused while another segment references it)."""
    with open_sandbox(ctx) as workspace:
        segment = definitions.find(workspace.con, name)
        definitions.delete(workspace.con, segment)
    console.print(f"segment [bold]{escape(segment.name)}[/] deleted")


@segment_app.command("list")
def list_segments(
    ctx: typer.Context, output: OutputFormat = typer.Option(OutputFormat.TABLE, "--format")
) -> None:
    """List segment definitions."""
    with open_sandbox(ctx) as workspace:
        found = definitions.all_segments(workspace.con)
    rows = [
        {"id": s.id, "name": s.name, "version": s.version, "lifecycle": str(s.spec.lifecycle),
         "tags": list(s.spec.tags), "pql": s.spec.pql}
        for s in found
    ]  # fmt: skip
    if output is OutputFormat.JSON:
        print_json(rows)
        return
    table(None, ["name", "version", "lifecycle", "tags", "pql"],
          [(s.name, s.version, s.spec.lifecycle, ", ".join(s.spec.tags), s.spec.pql)
           for s in found])  # fmt: skip


@segment_app.command("show")
def show(ctx: typer.Context, name: str) -> None:
    """A segment with its PQL, PQL JSON, references and versions (as JSON)."""
    with open_sandbox(ctx) as workspace:
        segment = definitions.find(workspace.con, name)
        plan = segments.compile_pql(workspace.con, segment.spec.pql)
        history = definitions.versions(workspace.con, segment)
    print_json({
        "id": segment.id, "name": segment.name, "description": segment.spec.description,
        "version": segment.version, "lifecycle": str(segment.spec.lifecycle),
        "tags": list(segment.spec.tags), "mergePolicy": segment.spec.merge_policy,
        "expression": {"type": "PQL", "format": "pql/text", "value": segment.spec.pql},
        "pqlJson": to_json(parse(segment.spec.pql)), "dependencies": sorted(plan.segments),
        "createdAt": segment.created_at, "updatedAt": segment.updated_at, "versions": history,
    })  # fmt: skip


def apply_file(ctx: typer.Context, file: Path) -> None:
    """Create or update the segments of a YAML file (`segments: [{name, pql, ...}]`)."""
    specs = load_specs(file)
    with open_sandbox(ctx) as workspace, workspace.transaction():
        outcome = segments.apply(workspace.con, specs)
    table(f"applied {file}", ["segment", "result"], outcome)


def load_specs(file: Path) -> list[SegmentSpec]:
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as problem:
        raise UsageError(f"cannot read {file}: {problem.strerror}") from None
    except yaml.YAMLError as problem:
        raise UsageError(f"cannot read {file}: {problem}") from None
    items = data.get("segments") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise UsageError(
            f"{file} has no list under `segments:`",
            hint='segments:\n  - name: US\n    pql: homeAddress.countryCode = "US"',
        )
    specs = []
    for index, item in enumerate(items):
        where = Location(str(file), field=f"segments[{index}]")
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("name"), str)
            or not isinstance(item.get("pql"), str)
        ):
            raise UsageError("each segment needs a `name` and a `pql` string", location=where)
        try:
            lifecycle = Lifecycle(item.get("lifecycle", "published"))
        except ValueError:
            raise UsageError(
                "lifecycle must be draft, published or inactive", location=where
            ) from None
        description = str(item.get("description", ""))
        tags = tuple(item.get("tags", []))
        spec = SegmentSpec(item["name"], item["pql"].strip(), description,
                           item.get("mergePolicy"), tags, lifecycle)  # fmt: skip
        specs.append(spec)
    return specs


def evaluate(
    ctx: typer.Context,
    names: list[str] | None = typer.Argument(None, help="Segments to evaluate."),
    every: bool = typer.Option(False, "--all", help="Every published segment."),
    as_of: datetime | None = instant_option("--as-of", AS_OF_HELP),
) -> None:
    """Run a segment job: evaluate segments over all profiles and update memberships."""
    if not names and not every:
        raise UsageError("name segments to evaluate, or pass --all")
    instant = now_unless(as_of)
    columns = ("{task.description}", BarColumn(), TimeElapsedColumn())
    with open_sandbox(ctx) as workspace, progress(*columns) as bar:
        task = bar.add_task("evaluating", total=None)

        def update_bar(name: str, done: int, total: int) -> None:
            bar.update(task, description=f"evaluating {name}", completed=done, total=total)

        with workspace.transaction():
            report = segments.evaluate(workspace.con, None if every else names, instant, update_bar)
    show_report(report)


def show_report(report: segments.JobReport) -> None:
    console.print(f"job {report.id} at {report.as_of.isoformat()}: {report.seconds:.2f} s")
    table(None, ["segment", "qualified", "entered", "exited", "seconds"],
          [(m.name, m.qualified, m.entered, m.exited, f"{m.seconds:.3f}")
           for m in report.segments])  # fmt: skip


@jobs_app.command("list")
def jobs_list(ctx: typer.Context) -> None:
    """Segment jobs, newest first."""
    with open_sandbox(ctx) as workspace:
        found = segments.jobs(workspace.con)
    table(
        None,
        ["job", "status", "as of", "segments", "created"],
        [(j["id"], j["status"], j["asOf"], len(j["segments"]), j["createdAt"]) for j in found],
    )


@jobs_app.command("show")
def jobs_show(ctx: typer.Context, job_id: str) -> None:
    """A job with its per-segment metrics (as JSON)."""
    with open_sandbox(ctx) as workspace:
        print_json(segments.job(workspace.con, job_id))


class MemberFormat(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSONL = "jsonl"
    PARQUET = "parquet"


def members(
    ctx: typer.Context,
    name: str,
    status: membership.Status | None = typer.Option(
        None, "--status", help="realized, existing or exited."
    ),
    output: MemberFormat = typer.Option(MemberFormat.TABLE, "--format"),
    out: Path | None = typer.Option(
        None, "--out", help="Write to this file instead of the terminal."
    ),
    limit: int = typer.Option(50, "--limit", help="Rows shown as a table."),
) -> None:
    """The members of a segment with their status and qualification times."""
    with open_sandbox(ctx) as workspace:
        segment = definitions.find(workspace.con, name)
        rows = membership.members(workspace.con, segment.id, status)
    if output is MemberFormat.TABLE and out is None:
        console.print(f"{rows.num_rows:,} member rows")
        shown = rows.slice(0, limit).to_pylist()
        table(None, rows.column_names, [tuple(r.values()) for r in shown])
        return
    if out is None:
        raise UsageError(f"--format {output} needs --out FILE")
    membership.write(
        rows, out, str(output if output is not MemberFormat.TABLE else MemberFormat.CSV)
    )
    console.print(f"{rows.num_rows:,} rows written to {escape(str(out))}")


def sql_command(
    ctx: typer.Context,
    name: str,
    as_of: datetime | None = instant_option("--as-of", AS_OF_HELP),
) -> None:
    """Print the SQL a job runs for a segment."""
    instant = now_unless(as_of)
    with open_sandbox(ctx) as workspace:
        segment = definitions.find(workspace.con, name)
        query = segments.segment_sql(workspace.con, segment, instant)
    print(query.sql("duckdb", pretty=True))


def estimate(
    ctx: typer.Context,
    definition: str = typer.Argument(..., help="A segment name or id, or PQL."),
    as_of: datetime | None = instant_option("--as-of", AS_OF_HELP),
    sample: int = typer.Option(20_000, "--sample", min=100, help="Profiles in the sample."),
) -> None:
    """Estimate an audience's size from a sample, with a 95% confidence interval."""
    with open_sandbox(ctx) as workspace:
        found = segments.estimate_size(workspace.con, definition, now_unless(as_of), sample)
    if found.exact:
        console.print(f"{found.estimated:,} profiles (exact: the sample is every profile)")
    else:
        console.print(
            f"about {found.estimated:,} profiles (95% interval {found.low:,} to {found.high:,}); "
            f"{found.matched:,} of {found.sampled:,} sampled out of {found.population:,}"
        )
    console.print(f"[dim]{found.seconds * 1000:.0f} ms[/]")


def preview(
    ctx: typer.Context,
    definition: str = typer.Argument(..., help="A segment name or id, or PQL."),
    as_of: datetime | None = instant_option("--as-of", AS_OF_HELP),
    limit: int = typer.Option(20, "--limit", min=1),
    output: OutputFormat = typer.Option(OutputFormat.TABLE, "--format"),
) -> None:
    """Show some qualifying profiles with their key attributes."""
    with open_sandbox(ctx) as workspace:
        rows = segments.preview(workspace.con, definition, now_unless(as_of), limit)
    if output is OutputFormat.JSON:
        print_json(rows)
        return
    keys = ("profileId", "identity", "firstName", "lastName", "country", "loyaltyTier", "events")
    table(None, list(keys), [tuple(row[key] for key in keys) for row in rows])


def explain_command(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="A segment name or id."),
    identity: str = typer.Option(..., "--identity", help="NAMESPACE:ID of the profile."),
    as_of: datetime | None = instant_option("--as-of", AS_OF_HELP),
) -> None:
    """Why a profile is in or out of a segment, clause by clause, with the events involved."""
    instant = now_unless(as_of)
    with open_sandbox(ctx) as workspace:
        explanation = segments.explain_profile(workspace.con, name, identity, instant)
    console.print(render(explanation), soft_wrap=False)
    verdict = "[green]in[/]" if explanation.held else "[red]not in[/]"
    console.print(f"{escape(identity)} is {verdict} {escape(name)} at {instant.isoformat()}")


def register(app: typer.Typer) -> None:
    app.add_typer(segment_app, name="segment")
    app.add_typer(jobs_app, name="jobs")
    app.command("apply")(apply_file)
    app.command("evaluate")(evaluate)
    app.command("members")(members)
    app.command("sql")(sql_command)
    app.command("estimate")(estimate)
    app.command("preview")(preview)
    app.command("explain")(explain_command)
