"""``segmint stream``: replay JSONL events (a file or stdin) through the streaming service in
micro-batches, each committed with its transitions and checkpoint in one transaction. A named
stream resumes after its checkpointed line, so a killed run restarted with the same input and
name records every transition exactly once."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

import orjson
import typer

from segmint.cli.context import open_sandbox
from segmint.cli.output import console
from segmint.collector import long_lived
from segmint.errors import Location, Problem, UsageError, ValidationError
from segmint.evaluate.streaming import Clock
from segmint.stream.service import EventStream

BATCH = 1000


def _lines(source: str, after: int) -> Iterator[tuple[int, bytes]]:
    """Non-blank lines numbered from 1, skipping those up to ``after`` (already committed)."""
    if source == "-":
        yield from _numbered(sys.stdin.buffer, after)
        return
    with Path(source).open("rb") as handle:
        yield from _numbered(handle, after)


def _numbered(handle: BinaryIO, after: int) -> Iterator[tuple[int, bytes]]:
    for number, line in enumerate(handle, 1):
        if number > after and line.strip():
            yield number, line


def stream_name(source: str, name: str | None) -> str:
    """The checkpoint's name: given, else the input file's resolved path; stdin without a
    name is a new stream each time (it cannot be resumed)."""
    if name is not None:
        return name
    if source == "-":
        return f"stdin:{uuid.uuid4()}"
    return f"file:{Path(source).resolve()}"


def replay(stream: EventStream, lines: Iterator[tuple[int, bytes]], batch: int) -> None:
    """Validate line by line; commit every ``batch`` lines and at the end of the input."""
    records: list[dict[str, Any]] = []
    last = stream.offset
    for number, line in lines:
        try:
            parsed = orjson.loads(line)
        except orjson.JSONDecodeError as problem:
            location = Location(stream.validator.source, number)
            raise ValidationError([Problem(location, f"not JSON: {problem}")]) from None
        records.append(stream.check(parsed, number))
        last = number
        if len(records) >= batch:
            stream.commit(records, last)
            records = []
    if records or last > stream.offset:
        stream.commit(records, last)


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
    name: str | None = typer.Option(
        None, "--name", help="Stream name to checkpoint and resume (default: the file's path)."
    ),
    batch_size: int = typer.Option(
        BATCH, "--batch-size", min=1, help="Events per committed micro-batch."
    ),
) -> None:
    """Replay events through the streaming processor: transitions as they happen, each
    recorded exactly once; a stopped stream resumes where it was committed."""
    if emit not in (None, "jsonl"):
        raise UsageError("--emit takes jsonl")
    if source != "-" and not Path(source).is_file():
        raise UsageError(f"{source} is not a file", hint="give a JSONL file, or - for stdin")
    with open_sandbox(ctx) as workspace:
        stream = EventStream(
            workspace, dataset, name=stream_name(source, name), clock=clock,
            lateness=timedelta(seconds=lateness), source="stdin" if source == "-" else source,
        )  # fmt: skip
        if emit == "jsonl":
            stream.subscribe(lambda t: _print(stream.describe(t)))
        resumed = stream.offset
        with long_lived():
            replay(stream, _lines(source, resumed), batch_size)
        if until is not None:
            stream.advance(until.replace(tzinfo=None))
    if emit is None:
        since = f" (resumed after line {resumed})" if resumed else ""
        console.print(f"{len(stream.processor.profiles)} profiles streamed{since}")


def _print(record: dict[str, object]) -> None:
    sys.stdout.write(orjson.dumps(record).decode() + "\n")
    sys.stdout.flush()


def register(app: typer.Typer) -> None:
    app.command("stream")(stream_command)
