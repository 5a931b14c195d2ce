"""Ingestion throughput: read + validate alone, and the whole committed ingest, per format.

Prints medians over --runs against a baseline measured in the same process: pyarrow reading the
same file with no validation (the floor). Data comes from segmint.demo, generated once and kept in
benchmarks/.data/.

    python benchmarks/ingest.py --profiles 20000 --runs 3
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from harness import median_seconds
from rich.console import Console
from rich.table import Table

from segmint.cli.workspace import create_sandbox
from segmint.demo import generate
from segmint.ingest.conform import conform
from segmint.ingest.pipeline import ingest_file
from segmint.ingest.readers import FileFormat, read_table
from segmint.schema.model import SchemaClass
from segmint.store import catalog
from segmint.store.workspace import Workspace

DATA = Path(__file__).parent / ".data"
FILES = (
    ("web.jsonl", FileFormat.JSONL),
    ("app.parquet", FileFormat.PARQUET),
    ("crm.csv", FileFormat.CSV),
)


def full_ingest(path: Path, file_format: FileFormat) -> None:
    """A fresh workspace each run, so every run really writes (no batch dedup)."""
    folder = Path(tempfile.mkdtemp())
    try:
        with Workspace.open(folder / "ws", create=True) as workspace:
            create_sandbox(workspace, "prod")
            workspace.use("prod")
            schema_class = (
                SchemaClass.PROFILE if file_format is FileFormat.CSV else SchemaClass.EVENT
            )
            catalog.create_dataset(workspace.con, catalog.Dataset("d", schema_class))
            ingest_file(workspace, path, "d")
    finally:
        shutil.rmtree(folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profiles", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    folder = DATA / f"demo-{args.profiles}"
    if not (folder / "web.jsonl").exists():
        generate(folder, profiles=args.profiles)
    with Workspace.open(Path(tempfile.mkdtemp()) / "ws", create=True) as workspace:
        create_sandbox(workspace, "prod")
        workspace.use("prod")
        namespaces = {n.name: n for n in catalog.namespaces(workspace.con)}
        schemas = {c: catalog.schema(workspace.con, c) for c in SchemaClass}
    view = Table(title=f"ingestion, {args.profiles:,} demo profiles, median of {args.runs}")
    for column in (
        "file",
        "records",
        "baseline read s",
        "read+validate s",
        "records/s",
        "ratio",
        "full ingest s",
        "records/s ",
    ):
        view.add_column(column, justify="right")
    for name, file_format in FILES:
        path = folder / name
        schema = schemas[
            SchemaClass.PROFILE if file_format is FileFormat.CSV else SchemaClass.EVENT
        ]
        rows = read_table(path, file_format).num_rows
        baseline = median_seconds(lambda p=path, f=file_format: read_table(p, f), args.runs)
        validated = median_seconds(
            lambda p=path, f=file_format, s=schema: conform(
                read_table(p, f), s, {}, namespaces, from_text=f.is_text
            ),
            args.runs,
        )
        full = median_seconds(lambda p=path, f=file_format: full_ingest(p, f), args.runs)
        view.add_row(
            name,
            f"{rows:,}",
            f"{baseline:.3f}",
            f"{validated:.3f}",
            f"{rows / validated:,.0f}",
            f"{validated / baseline:.2f}x",
            f"{full:.3f}",
            f"{rows / full:,.0f}",
        )
    Console(width=160).print(view)


if __name__ == "__main__":
    main()
