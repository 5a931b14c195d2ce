"""Validating a stream's events: the intake of one event dataset checks each decoded event
against the sandbox's event schema and that dataset's identity fields, and refuses one stamped
too far ahead of now. Problems are located by input line, or ``[index].field`` in a call."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from segmint.engines.duckdb import Connection
from segmint.errors import Location, Problem, UsageError, ValidationError
from segmint.identity.graph import Namespace
from segmint.ingest.validate import RecordValidator
from segmint.membership.ledger import FUTURE_TOLERANCE
from segmint.schema.arrow import IDENTITY_MAP
from segmint.schema.model import Schema, SchemaClass
from segmint.store import catalog
from segmint.store.catalog import Dataset, now

Record = dict[str, Any]


@dataclass
class Intake:
    """What takes a stream's events of one dataset: the dataset, and its validator."""

    dataset: Dataset
    validator: RecordValidator
    #: The latest time an event may be stamped, as last read off the clock.
    _ahead: datetime = field(default=datetime.min, init=False)

    @classmethod
    def of(
        cls, dataset: Dataset, schema: Schema, namespaces: Sequence[Namespace], source: str
    ) -> Intake:
        known = {namespace.name: namespace for namespace in namespaces}
        return cls(dataset, RecordValidator(schema, dataset.identity_fields, known, source))

    def validated(self, raw: object, line: int) -> tuple[Record | None, list[Problem]]:
        """One decoded event as a record, or None and its problems (located at ``line``)."""
        source = self.validator.source
        if not isinstance(raw, dict):
            return None, [Problem(Location(source, line), "expected a JSON object (one event)")]
        record, problems = self.validator.validate(dict(raw), line, from_text=False)
        if record is None or record["timestamp"] <= self._ahead:
            return record, problems
        # Only an event later than the last bound found reads the clock (about a sixth of a
        # small event's validation): the wall clock moves on, so the bound only grows.
        self._ahead = ahead = now() + FUTURE_TOLERANCE
        if record["timestamp"] > ahead:
            message = (
                f"{record['timestamp'].isoformat()}Z is in the future (later than "
                f"{ahead.isoformat(timespec='seconds')}Z): it would move the stream's clock past "
                "every window; write it in UTC"
            )
            return None, [Problem(Location(source, line, field="timestamp"), message)]
        return record, problems

    def checked(self, events: Sequence[object]) -> list[Record]:
        """A call's events as records, or a ValidationError locating each problem as
        ``[index].field``."""
        records: list[Record] = []
        problems: list[Problem] = []
        for index, raw in enumerate(events):
            record, found = self.validated(raw, index)
            if record is None:
                problems += [_at_index(index, problem) for problem in found]
            else:
                records.append(record)
        if problems:
            raise ValidationError(problems, hint="fix these events; none of this call was stored")
        return records


class Intakes:
    """The intakes of one stream: of its own dataset, or (``every``) of any event dataset of
    the sandbox. The catalog is read once, when made: ``EventStream.check_call`` takes no
    lock, so checking a call must not use the connection another thread commits on."""

    def __init__(self, con: Connection, stream: str, own: str, source: str, every: bool) -> None:
        self.schema = catalog.schema(con, SchemaClass.EVENT)
        self.namespaces = catalog.namespaces(con)
        self.every, self._stream, self._source = every, stream, source
        self._datasets = catalog.datasets(con)
        self._found: dict[str, Intake] = {}
        self.own = self.get(own)

    def get(self, dataset: str) -> Intake:
        """What takes events of ``dataset`` (a UsageError or NotFoundError says why none)."""
        found = self._found.get(dataset)
        if found is not None:
            return found
        if self._found and not self.every:
            raise UsageError(
                f'stream "{self._stream}" reads into dataset "{self.own.dataset.name}" only'
            )
        chosen = event_dataset(self._datasets, dataset)
        found = self._found[dataset] = Intake.of(chosen, self.schema, self.namespaces, self._source)
        return found


def event_dataset(known: Sequence[Dataset], name: str) -> Dataset:
    """The event dataset of that name among ``known`` (a NotFoundError or UsageError says why
    not)."""
    found = catalog.named_dataset(known, name)
    if found.schema_class is not SchemaClass.EVENT:
        raise UsageError(
            f'dataset "{name}" holds profiles, not events',
            hint="stream into an event dataset (`segmint dataset list`)",
        )
    return found


def stamp(event: Record) -> tuple[object, object]:
    """What identifies an event among a profile's: its ``_id`` and time."""
    return event["_id"], event["timestamp"]


def primary(record: Record) -> tuple[str, str]:
    """The validated record's primary identity (validation marks exactly one)."""
    for entry in record[IDENTITY_MAP]:
        if entry["primary"]:
            return entry["namespace"], entry["id"]
    raise AssertionError("a validated record has a primary identity")


def _at_index(index: int, problem: Problem) -> Problem:
    """A problem of the index-th event of a call, located as ``[index].field``."""
    field_path = f"[{index}]" + (f".{problem.location.field}" if problem.location.field else "")
    return Problem(Location(field=field_path), problem.message)
