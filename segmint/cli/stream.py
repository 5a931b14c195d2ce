"""``segmint stream``: replay JSONL events (a file or stdin) through the streaming service in
micro-batches, each committed with its transitions and checkpoint in one transaction. A named
stream resumes after its checkpointed line, so a killed run restarted with the same input and
name records every transition exactly once. A live input (a pipe) that pauses has what it sent
committed at once, and on the wall clock the windows lapsing meanwhile exit on time."""

from __future__ import annotations

import math
import queue
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import orjson
import typer
from rich.markup import escape

from segmint.cli.context import open_sandbox
from segmint.cli.instants import instant_option
from segmint.cli.output import console, errors
from segmint.collector import long_lived
from segmint.errors import Location, Problem, UsageError, ValidationError
from segmint.evaluate.streaming import Clock
from segmint.membership import ledger
from segmint.membership.stream_ledger import Checkpoint, line_digest
from segmint.store.catalog import now
from segmint.stream.calls import RESUME_HINT
from segmint.stream.residency import DEFAULT_MAX_PROFILES
from segmint.stream.service import EventStream

#: Lines per committed micro-batch, at most. A commit's cost is mostly per batch (a file
#: replays about 2x faster in batches of 10,000 than of 1,000), and what is recorded does not
#: depend on the batches (a merge applies at its own event). A live input is committed sooner
#: (``QUIET``, ``LONGEST_WAIT``).
BATCH = 10_000
#: Seconds without new input after which what was read is committed (its transitions shown)
#: and, on the wall clock, the timers due by now fire.
QUIET = 0.05
#: Seconds the first line of a batch waits at most for the batch to fill.
LONGEST_WAIT = 1.0
#: The longest allowed lateness: beyond it, an event's time minus it leaves the calendar.
MAX_LATENESS = timedelta(days=3650)
_BOM = b"\xef\xbb\xbf"
Item = TypeVar("Item")


def _lines(source: str, resumed: Checkpoint) -> Iterator[tuple[int, bytes]]:
    """Non-blank lines numbered from 1, skipping those the stream committed already."""
    if source == "-":
        yield from _numbered(sys.stdin.buffer, resumed)
        return
    with Path(source).open("rb") as handle:
        yield from _numbered(handle, resumed)


def _numbered(handle: BinaryIO, resumed: Checkpoint) -> Iterator[tuple[int, bytes]]:
    """The lines after the checkpoint's, once the line there is found to be the one it
    committed: other input would otherwise lose as many lines, unread."""
    after, number = resumed.offset, 0
    for number, line in enumerate(handle, 1):
        if number == 1:
            line = line.removeprefix(_BOM)  # as editors on Windows save UTF-8
        if number == after and resumed.last_line not in (None, line_digest(line)):
            raise _other_input(resumed, f"its line {after} is not the one committed")
        if number > after and line.strip():
            yield number, line
    if number < after:
        raise _other_input(resumed, f"it has {number} lines, and {after} were committed")


def _other_input(resumed: Checkpoint, why: str) -> UsageError:
    return UsageError(
        f'this is not the input stream "{resumed.stream}" was reading: {why}',
        hint="give it another --name to read it from its start; the same input resumes",
    )


def paced(items: Iterator[Item], quiet: float) -> Iterator[Item | None]:
    """``items`` read in a thread of their own, and None each time ``quiet`` seconds pass
    without one (a live input pausing), so that the consumer can act meanwhile. The thread
    stops when the consumer does (an invalid line ends the replay)."""
    found: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=BATCH)
    done, stopped = object(), threading.Event()

    def hand(entry: tuple[bool, Any]) -> None:
        while not stopped.is_set():
            try:
                found.put(entry, timeout=quiet)
                return
            except queue.Full:
                continue

    def read() -> None:
        try:
            for item in items:
                if stopped.is_set():
                    return
                hand((True, item))
            hand((True, done))
        except BaseException as error:  # raised again where the items are consumed
            hand((False, error))

    threading.Thread(target=read, name="segmint-stream-input", daemon=True).start()
    try:
        while True:
            try:
                ok, value = found.get(timeout=quiet)
            except queue.Empty:
                yield None
                continue
            if not ok:
                raise value
            if value is done:
                return
            yield value
    finally:
        stopped.set()


def stream_name(source: str, name: str | None) -> str:
    """The checkpoint's name: given, else the input file's resolved path; stdin without a
    name is a new stream each time (it cannot be resumed)."""
    if name is not None:
        return name
    if source == "-":
        return f"stdin:{uuid.uuid4()}"
    return f"file:{Path(source).resolve()}"


def replay(
    stream: EventStream, lines: Iterator[tuple[int, bytes]], batch: int, *, wall: bool = False
) -> None:
    """Validate line by line; commit every ``batch`` lines, when the oldest line waiting was
    read ``LONGEST_WAIT`` ago or the input pauses, at its end, and before an invalid line. On
    the ``wall`` clock, a pause also fires the timers due by now."""
    records: list[dict[str, Any]] = []
    last, last_line = stream.offset, b""
    oldest = 0.0  # when the first line waiting to be committed was read

    def flush() -> None:
        nonlocal records
        if records or last > stream.offset:
            stream.commit(records, last, line_digest(last_line) if last_line else None)
            records = []

    for item in paced(lines, QUIET):
        if item is None:
            flush()
            due = stream.next_due()
            if wall and due is not None and due <= (instant := now()):
                stream.advance(instant)
            continue
        number, line = item
        try:
            record = _checked(stream, number, line)
        except ValidationError:
            flush()  # the lines before are valid: committed
            raise
        if not records:
            oldest = time.monotonic()
        records.append(record)
        last, last_line = number, line
        if len(records) >= batch or time.monotonic() - oldest >= LONGEST_WAIT:
            flush()
    flush()


def _checked(stream: EventStream, number: int, line: bytes) -> dict[str, Any]:
    try:
        parsed = orjson.loads(line)
    except orjson.JSONDecodeError as problem:
        location = Location(stream.validator.source, number, problem.colno)
        problems = [Problem(location, f"not JSON: {problem.msg}")]
        raise ValidationError(problems, hint=RESUME_HINT) from None
    return stream.check(parsed, number)


def stream_command(
    ctx: typer.Context,
    source: str = typer.Argument(..., help="JSONL file of events, or - for stdin."),
    dataset: str = typer.Option(..., "--dataset", help="Event dataset the events belong to."),
    emit: str | None = typer.Option(None, "--emit", help="jsonl: print transitions on stdout."),
    clock: Clock = typer.Option(Clock.EVENT, "--clock", help="event (watermark) or wall time."),
    lateness: float = typer.Option(0.0, "--lateness", help="Allowed lateness in seconds."),
    until: datetime | None = instant_option("--until", "Advance the clock to TS at the end."),
    name: str | None = typer.Option(
        None, "--name", help="Stream name to checkpoint and resume (default: the file's path)."
    ),
    batch_size: int = typer.Option(
        BATCH, "--batch-size", min=1, help="Events per committed micro-batch."
    ),
    max_profiles: int = typer.Option(
        DEFAULT_MAX_PROFILES,
        "--max-profiles",
        min=1,
        help="Profiles held in memory; the least recently used are read back when needed.",
    ),
) -> None:
    """Replay events through the streaming processor: transitions as they happen.

    Each is recorded exactly once; a stopped stream resumes where it was committed."""
    if emit not in (None, "jsonl"):
        raise UsageError("--emit takes jsonl")
    if source != "-" and not Path(source).is_file():
        raise UsageError(f"{source} is not a file", hint="give a JSONL file, or - for stdin")
    if not (math.isfinite(lateness) and 0 <= lateness <= MAX_LATENESS.total_seconds()):
        raise UsageError(
            f"--lateness {lateness} is not an allowed lateness",
            hint=f"give seconds from 0 to {MAX_LATENESS.total_seconds():.0f}",
        )
    if until is not None:
        hint = "give an instant up to now; the stream's timers fire when the clock gets there"
        ledger.refuse_future(until, "--until", hint)
    with open_sandbox(ctx) as workspace:
        stream = EventStream(
            workspace, dataset, name=stream_name(source, name), clock=clock,
            lateness=timedelta(seconds=lateness), source="stdin" if source == "-" else source,
            max_profiles=max_profiles,
        )  # fmt: skip
        if emit == "jsonl":
            stream.subscribe(lambda t: _print(stream.describe(t)))
        resumed = stream.offset
        if resumed:
            errors.print(
                f'stream "{escape(stream.name)}" resumes after line {resumed}, committed before; '
                "give another --name to read the input from its start",
                soft_wrap=True,
            )
        with long_lived():
            lines = _lines(source, stream.checkpoint)
            replay(stream, lines, batch_size, wall=clock is Clock.WALL)
            if clock is Clock.WALL:
                stream.advance(now())
        if until is not None:
            stream.advance(until)
        streamed = stream.profiles_streamed()
    if emit is None:
        since = f" (resumed after line {resumed})" if resumed else ""
        held = len(stream.processor.profiles)
        console.print(f"{streamed} profiles streamed, {held} held in memory{since}")


def _print(record: dict[str, object]) -> None:
    sys.stdout.write(orjson.dumps(record).decode() + "\n")
    sys.stdout.flush()


def register(app: typer.Typer) -> None:
    app.command("stream")(stream_command)
