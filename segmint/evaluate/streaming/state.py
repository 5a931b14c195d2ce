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

    def data(self) -> ProfileData:
        return IndexedProfile(self.attributes, self.events, frozenset(self.labels), self.index)
