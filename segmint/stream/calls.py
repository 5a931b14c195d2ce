"""What a streaming call gives and gets: its events checked ahead of the commit, and the
receipt of the commit; the names and the hint the stream and its callers share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from segmint.errors import ValidationError
from segmint.evaluate.streaming import Transition
from segmint.stream.child import ChildProcessor
from segmint.stream.intake import Record

if TYPE_CHECKING:
    from segmint.stream.service import EventStream

#: The stream name the REST API's ``/collection`` uses unless told otherwise.
COLLECTION = "collection"


@dataclass(frozen=True)
class Receipt:
    """What one committed call did: events stored, events already stored before (by ``_id``),
    the transitions it recorded, and the stream's input offset after it."""

    accepted: int
    duplicates: int
    offset: int
    transitions: list[Transition] = field(default_factory=list)


@dataclass(frozen=True)
class Checked:
    """A call's events validated ahead of its commit (``EventStream.check_call`` takes no
    lock, so callers waiting to commit validate meanwhile): their records or the error, as
    the stream that checked them reads the schema. Another stream checks them again."""

    stream: EventStream
    events: Sequence[object]
    dataset: str
    outcome: list[Record] | ValidationError
    #: The evaluation process the records went to before the commit (``send_ahead``).
    sent: ChildProcessor | None = None


#: What to do about an invalid event in a stream's input.
RESUME_HINT = (
    "fix it and run again: the events before it were committed (a file or a named stream "
    "resumes after them; an event sent again is a duplicate, stored once)"
)


#: The checkpoint's dataset of a stream taking events of every event dataset.
EVERY_DATASET = "*"
