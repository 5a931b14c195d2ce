"""The state of one edge evaluation: the profile seen at one instant, and the earliest instant
at which anything read so far could read differently (the evaluation's change hint)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

#: The smallest step of time: instants are datetimes to the microsecond.
TICK = timedelta(microseconds=1)

Env = dict[str, Any]
Event = dict[str, Any]

#: What ``Env.get`` gives for a variable not bound yet.
UNSET: Any = object()


def restore(env: Env, name: str, old: Any) -> None:
    """Put a variable back as it was before a binding (``old`` from ``env.get(name, UNSET)``)."""
    if old is UNSET:
        env.pop(name, None)
    else:
        env[name] = old


class Context:
    """One profile at one ``as_of``: only events with ``timestamp <= as_of`` exist.

    Every compiled node that reads something depending on as_of calls ``note`` with the first
    later instant at which that reading could differ; the minimum is the change hint. Readings
    the evaluation skipped (short-circuits) cannot change the result until a reading it made
    changes, so the hint is safe."""

    __slots__ = (
        "all_events",
        "as_of",
        "attributes",
        "bounds",
        "events",
        "hint",
        "segments",
        "upcoming",
    )

    def __init__(
        self,
        attributes: dict[str, Any],
        events: list[Event],
        segments: set[str] | frozenset[str],
        as_of: datetime,
    ) -> None:
        self.as_of = as_of
        self.attributes = attributes
        self.all_events = events
        self.segments = segments
        self.hint: datetime | None = None
        #: Bounds of windows with fixed anchors, computed once per evaluation (by bound id).
        self.bounds: dict[int, Any] = {}
        visible: list[Event] = []
        upcoming: datetime | None = None
        for event in events:
            stamp = event.get("timestamp")
            if not isinstance(stamp, datetime):
                continue
            if stamp <= as_of:
                visible.append(event)
            elif upcoming is None or stamp < upcoming:
                upcoming = stamp
        self.events = visible
        #: The first event still in the future: the event list changes then.
        self.upcoming: datetime | None = upcoming

    def note(self, instant: datetime | None) -> None:
        """Something read could read differently from ``instant`` on."""
        if instant is not None and (self.hint is None or instant < self.hint):
            self.hint = instant

    def at(self, as_of: datetime) -> Context:
        """The same profile at another instant (to resolve window anchors there)."""
        return Context(self.attributes, self.all_events, self.segments, as_of)
