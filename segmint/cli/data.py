"""``segmint schema``, ``segmint dataset`` and ``segmint ingest``: bringing data in."""

from __future__ import annotations

from pathlib import Path

import typer
import yaml
from rich.markup import escape
from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn

from segmint.cli.context import open_sandbox
from segmint.cli.output import console, progress, table
from segmint.errors import Location, SchemaError, UsageError
from segmint.ingest.pipeline import IngestReport, OnError, ingest_file
from segmint.ingest.readers import FileFormat
from segmint.schema.fields import parse_type
from segmint.schema.model import Schema, SchemaClass
from segmint.store import catalog, records
from segmint.store.workspace import Workspace

schema_app = typer.Typer(help="Profile and event schemas (XDM-style fields).", no_args_is_help=True)
dataset_app = typer.Typer(help="Datasets: named sources of one schema class.", no_args_is_help=True)


@schema_app.command("show")
def schema_show(
    ctx: typer.Context,
    schema_class: SchemaClass | None = typer.Option(None, "--class", help="Only this class."),
) -> None:
    """Show the fields of the profile and event schemas."""
    with open_sandbox(ctx) as workspace:
        for cls in [schema_class] if schema_class else list(SchemaClass):
            schema = catalog.schema(workspace.con, cls)
            table(f"{cls} schema", ["field", "type"], sorted(schema.fields.items()))


@schema_app.command("apply")
def schema_apply(ctx: typer.Context, file: Path) -> None:
    """Add the fields of a YAML file (class: profile|event, fields: {path: type}) to a schema."""
    extension = load_schema_file(file)
    with open_sandbox(ctx) as workspace, workspace.transaction():
        added = catalog.apply_schema(workspace.con, extension)
    if added:
        console.print(
            f"added {len(added)} field(s) to the {extension.schema_class} schema: "
            + escape(", ".join(added))
        )
    else:
        console.print(
            f"the {extension.schema_class} schema already has every field of {escape(str(file))}; "
            "nothing changed"
        )


def load_schema_file(file: Path) -> Schema:
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageError(f"cannot read {file}: {error.strerror}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = Location(str(file), mark.line + 1, mark.column + 1) if mark else Location(str(file))
        raise SchemaError(
            f"not valid YAML: {getattr(error, 'problem', error)}", location=where
        ) from None
    example = "class: event\nfields:\n  web.webPageDetails.siteSection: string"
    if not isinstance(data, dict) or not isinstance(data.get("fields"), dict):
        raise SchemaError(
            "expected a mapping with `class` and `fields`",
            location=Location(str(file)),
            hint=f"for example:\n{example}",
        )
    try:
        schema_class = SchemaClass(str(data.get("class")))
    except ValueError:
        raise SchemaError(
            f"class must be profile or event, got {data.get('class')!r}",
            location=Location(str(file), field="class"),
        ) from None
    fields = {str(path): parse_type(str(kind), str(path)) for path, kind in data["fields"].items()}
    return Schema(schema_class, fields)


@dataset_app.command("create")
def dataset_create(
    ctx: typer.Context,
    name: str,
    schema_class: SchemaClass = typer.Option(
        ..., "--class", help="profile (records) or event (time series)."
    ),
    identity: list[str] = typer.Option(
        [],
        "--identity",
        help="FIELD=NAMESPACE: a field holding an identity, e.g. personalEmail.address=email.",
    ),
) -> None:
    """Create a dataset."""
    fields = {}
    for item in identity:
        path, sep, namespace = item.partition("=")
        if not sep:
            raise UsageError(
                f'"{item}" is not FIELD=NAMESPACE',
                hint="e.g. --identity personalEmail.address=email",
            )
        fields[path] = namespace
    with open_sandbox(ctx) as workspace:
        catalog.create_dataset(workspace.con, catalog.Dataset(name, schema_class, fields))
    console.print(f"dataset [bold]{escape(name)}[/] ({schema_class}) created")


@dataset_app.command("list")
def dataset_list(ctx: typer.Context) -> None:
    """List datasets with their record counts."""
    with open_sandbox(ctx) as workspace:
        found = catalog.datasets(workspace.con)
        totals = records.dataset_totals(workspace.con)
    rows = [(d.name, d.schema_class, *totals.get(d.name, (0, 0))) for d in found]
    table(None, ["dataset", "class", "records", "batches"], rows)


def ingest(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(
        ..., help="CSV, JSONL or Parquet files.", exists=True, dir_okay=False
    ),
    dataset: str = typer.Option(..., "--dataset", "-d", help="Dataset to ingest into."),
    file_format: FileFormat | None = typer.Option(
        None, "--format", help="Format, when the suffix does not tell."
    ),
    on_error: OnError = typer.Option(
        OnError.FAIL,
        "--on-error",
        help="fail: reject the whole batch; skip: load valid records, quarantine the rest.",
    ),
) -> None:
    """Ingest files into a dataset: validated, deduplicated, stitched, committed whole."""
    with open_sandbox(ctx) as workspace:
        for file in files:
            report = run_ingest(workspace, file, dataset, file_format, on_error)
            show_report(report)


def run_ingest(
    workspace: Workspace,
    file: Path,
    dataset: str,
    file_format: FileFormat | None,
    on_error: OnError,
) -> IngestReport:
    """Ingest one file with a spinner and elapsed time, since big files take a while."""
    with progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn()) as bar:
        bar.add_task(f"ingesting {file.name} into {dataset}", total=None)
        return ingest_file(workspace, file, dataset, file_format=file_format, on_error=on_error)


def show_report(report: IngestReport) -> None:
    if report.already_ingested:
        file = escape(str(report.file))
        console.print(f"{file}: already ingested as batch {report.batch_id}; nothing added")
        return
    into = escape(f"{report.file} → {report.dataset}")
    console.print(
        f"{into}: {report.records:,} records, {report.added:,} added, "
        f"{report.duplicates:,} duplicates, {report.rejected:,} rejected (batch {report.batch_id})"
    )
    if report.quarantine:
        console.print(f"  rejected records and reasons: {escape(str(report.quarantine))}")
    if report.graph:
        g = report.graph
        console.print(
            f"  identities {g.identities:,} → profiles {g.profiles:,}; "
            f"conflicts kept out {g.kept_out:,}; evicted {g.evicted:,}"
        )


def register(app: typer.Typer) -> None:
    app.add_typer(schema_app, name="schema")
    app.add_typer(dataset_app, name="dataset")
    app.command("ingest")(ingest)
