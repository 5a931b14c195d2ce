"""Per-profile streaming state: the profile's attributes, its retained events in time order
(deduplicated by ``_id``, as ingestion does) with an index by type kept alongside, and the
segments it is realized in."""

from __future__ import annotations

from bisect import insort
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from segmint.evaluate.edge.events import EventIndex, IndexedProfile
from segmint.evaluate.reference import ProfileData

Event = dict[str, Any]


def _time(event: Event) -> datetime:
    stamp = event.get("timestamp")
    return stamp if isinstance(stamp, datetime) else datetime.min


@dataclass(slots=True)
class ProfileState:
    attributes: dict[str, Any]
    events: list[Event] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    #: Ids and names of the segments the profile is realized in (inSegment reads these).
    labels: set[str] = field(default_factory=set)
    #: Ids of the processor's segments the profile is realized in.
    members: set[str] = field(default_factory=set)
    #: ``events`` by type, in the same order: evaluations read only the types they test.
    index: EventIndex = field(default_factory=EventIndex)
    #: What ``data`` gave, until a status changes (events and index are read in place).
    _snapshot: IndexedProfile | None = field(default=None, repr=False, compare=False)

    @classmethod
    def of(cls, data: ProfileData) -> ProfileState:
        state = cls(dict(data.attributes), labels=set(data.segments))
        for event in sorted(data.events, key=_time):
            state.add(event)
        return state

    def add(self, event: Event) -> bool:
        """Retain an event; False when its ``_id`` was seen before."""
        ident = str(event.get("_id"))
        if ident in self.ids:
            return False
        self.ids.add(ident)
        events = self.events
        if not events or _time(events[-1]) <= _time(event):
            events.append(event)  # in time order, as events mostly arrive
        else:
            insort(events, event, key=_time)
        self.index.add(event)
        return True

    def blank(self) -> bool:
        """Whether the profile holds nothing: no attribute, event or realized segment."""
        return not (self.attributes or self.events or self.labels)

    def realize(self, segment: str, labels: frozenset[str], member: bool) -> None:
        """The profile's new status in a segment, and the names ``inSegment`` reads it by."""
        if member:
            self.members.add(segment)
            self.labels |= labels
        else:
            self.members.discard(segment)
            self.labels -= labels
        self._snapshot = None

    def data(self) -> ProfileData:
        """The profile as an evaluation reads it: made again only after a status changed."""
        if self._snapshot is None:
            labels = frozenset(self.labels)
            self._snapshot = IndexedProfile(self.attributes, self.events, labels, self.index)
        return self._snapshot
