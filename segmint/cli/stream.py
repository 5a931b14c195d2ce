"""``segmint stream``: replay JSONL events (a file or stdin) through the streaming processor,
persisting them through ingestion in micro-batches and writing transitions to the ledger."""

from __future__ import annotations

import sys
import tempfile
import uuid
from collections.abc import Hashable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

import orjson
import typer

from segmint import segments
from segmint.cli.context import open_sandbox
from segmint.cli.output import console
from segmint.errors import Location, Problem, UsageError, ValidationError
from segmint.evaluate.reference import ProfileData
from segmint.evaluate.streaming import Clock, Processor, Transition
from segmint.ingest.pipeline import ingest_file
from segmint.ingest.validate import RecordValidator
from segmint.membership import stream_ledger
from segmint.realtime import published
from segmint.schema.arrow import IDENTITY_MAP
from segmint.schema.model import SchemaClass
from segmint.store import catalog, definitions, identities
from segmint.store.workspace import Workspace

BATCH = 1000


def _lines(source: str) -> Iterator[tuple[int, bytes]]:
    if source == "-":
        yield from _numbered(sys.stdin.buffer)
        return
    with Path(source).open("rb") as handle:
        yield from _numbered(handle)


def _numbered(handle: BinaryIO) -> Iterator[tuple[int, bytes]]:
    for number, line in enumerate(handle, 1):
        if line.strip():
            yield number, line


def _primary(record: dict[str, Any]) -> str:
    entry = next(e for e in record[IDENTITY_MAP] if e["primary"])
    return f"{entry['namespace']}:{entry['id']}"


class _Replay:
    """One replay: validate, persist a micro-batch, resolve, feed, write the ledger."""

    def __init__(self, workspace: Workspace, dataset: str) -> None:
        self.workspace, self.dataset = workspace, dataset
        con = workspace.con
        found = catalog.dataset(con, dataset)
        if found.schema_class is not SchemaClass.EVENT:
            raise UsageError(f'dataset "{dataset}" holds profiles, not events')
        namespaces = {n.name: n for n in catalog.namespaces(con)}
        schema = catalog.schema(con, SchemaClass.EVENT)
        self.validator = RecordValidator(schema, found.identity_fields, namespaces, dataset)
        self.versions = {s.id: s.version for s in definitions.all_segments(con)}
        self.identity_of: dict[int, str] = {}
        self.pending: list[Transition] = []
        self.job = f"stream-{uuid.uuid4()}"

    def load(self, key: Hashable) -> ProfileData:
        return segments.profile_data(self.workspace.con, self.identity_of[int(str(key))])

    def resolve(self, record: dict[str, Any]) -> int:
        identity = _primary(record)
        _, profile = identities.lookup(self.workspace.con, *identities.parse_identity(identity))
        self.identity_of[profile] = identity
        return profile

    def run(self, processor: Processor, lines: Iterator[tuple[int, bytes]]) -> None:
        raw: list[bytes] = []
        records: list[dict[str, Any]] = []
        for number, line in lines:
            try:
                parsed = orjson.loads(line)
            except orjson.JSONDecodeError as problem:
                location = Location(self.dataset, number)
                raise ValidationError([Problem(location, f"not JSON: {problem}")]) from None
            record, problems = self.validator.validate(parsed, number, from_text=False)
            if record is None:
                raise ValidationError(problems)
            raw.append(line.rstrip(b"\n"))
            records.append(record)
            if len(raw) >= BATCH:
                self.flush(processor, raw, records)
                raw, records = [], []
        self.flush(processor, raw, records)

    def flush(self, processor: Processor, raw: list[bytes], records: list[dict[str, Any]]) -> None:
        """Persist a micro-batch through ingestion (a temporary JSONL file), then stream it."""
        if raw:
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "batch.jsonl"
                path.write_bytes(b"\n".join(raw) + b"\n")
                ingest_file(self.workspace, path, self.dataset)
            processor.feed(records)
        self.write()

    def write(self) -> None:
        rows = [
            (int(str(t.profile)), t.segment, t.status, t.time, self.versions[t.segment])
            for t in self.pending
        ]
        self.pending.clear()
        if rows:
            with self.workspace.transaction() as con:
                stream_ledger.append(con, rows, self.job)


def stream_command(
    ctx: typer.Context,
    source: str = typer.Argument(..., help="JSONL file of events, or - for stdin."),
    dataset: str = typer.Option(..., "--dataset", help="Event dataset the events belong to."),
    emit: str | None = typer.Option(None, "--emit", help="jsonl: print transitions on stdout."),
    clock: Clock = typer.Option(Clock.EVENT, "--clock", help="event (watermark) or wall time."),
    lateness: float = typer.Option(0.0, "--lateness", help="Allowed lateness in seconds."),
    until: datetime | None = typer.Option(
        None, "--until", help="Advance the clock to TS at the end."
    ),
) -> None:
    """Replay events through the streaming processor: transitions as they happen."""
    if emit not in (None, "jsonl"):
        raise UsageError("--emit takes jsonl")
    if source != "-" and not Path(source).is_file():
        raise UsageError(f"{source} is not a file", hint="give a JSONL file, or - for stdin")
    with open_sandbox(ctx) as workspace:
        edge, names = published(workspace.con)
        replay = _Replay(workspace, dataset)
        processor = Processor(
            edge, clock=clock, lateness=timedelta(seconds=lateness),
            resolve=replay.resolve, load=replay.load,
        )  # fmt: skip
        processor.subscribe(replay.pending.append)
        if emit == "jsonl":
            processor.subscribe(lambda t: _print(t, names))
        replay.run(processor, _lines(source))
        if until is not None:
            processor.advance(until.replace(tzinfo=None))
            replay.write()
    if emit is None:
        console.print(f"{len(processor.profiles)} profiles streamed")


def _print(transition: Transition, names: dict[str, str]) -> None:
    record = {
        "profile": transition.profile, "segment": names[transition.segment],
        "segmentId": transition.segment, "status": transition.status,
        "time": transition.time.isoformat(), "cause": transition.cause,
    }  # fmt: skip
    sys.stdout.write(orjson.dumps(record).decode() + "\n")


def register(app: typer.Typer) -> None:
    app.command("stream")(stream_command)
