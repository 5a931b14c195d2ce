"""The streaming processor: events in, one profile at a time; membership transitions out, to
subscribers, the instant they happen.

Each event re-evaluates, for its profile, only the segments its type can affect (and the
segments built on one whose membership changed) with the edge evaluator, and of those only the
ones whose answer one more such event could change (``polarity``: a member of "3+ purchases"
stays one after a purchase; an event after every one its profile holds completes no chain
whose last step rules out its type). Every evaluation leaves one timer per
(profile, segment) at the instant its result could next change, so a lapsing window exits on
time with no new event. The clock is event time (the watermark: the latest event time seen minus
the allowed lateness) or the wall clock; an event later than the clock is applied at the clock.

A profile need not be in memory to be timed: ``sleep`` arms a wake-up for one that is not (a
restarted stream's), which loads and evaluates it when due, unless an event of it came first.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, NamedTuple

from segmint.evaluate.edge import EdgeSegments
from segmint.evaluate.edge.evaluator import Outcome
from segmint.evaluate.reference import ProfileData
from segmint.evaluate.streaming.admission import Admission, admission
from segmint.evaluate.streaming.index import event_types
from segmint.evaluate.streaming.polarity import Polarity, segment_polarity, time_polarity
from segmint.evaluate.streaming.state import Event, ProfileState
from segmint.evaluate.streaming.timers import Timers

ProfileKey = Hashable


#: A timer that fires and would re-arm for the very next microsecond (a definition comparing
#: against `now` itself changes at every instant) re-arms this much later instead, so the clock
#: cannot stall; window exits and event visibility keep their exact times.
MIN_TIMER_STEP = timedelta(seconds=1)
_INSTANT = timedelta(microseconds=1)
#: Not looked up yet (a lookup may give None).
_UNKNOWN: Any = object()


class Affected(NamedTuple):
    """The segments reading events of one type, those one more such event can only make true
    (``up``) or only make false (``down``), those every such event may change (``open``), and
    the others with the test on its fields that it must pass to change them (``admission``)."""

    segments: frozenset[str]
    up: frozenset[str]
    down: frozenset[str]
    open: frozenset[str]
    tests: tuple[tuple[str, Admission], ...]

    def admitted(self, event: Event) -> Collection[str]:
        """The segments this event can change."""
        if not self.tests:
            return self.open
        passed = [segment for segment, test in self.tests if test(event)]
        return self.open.union(passed) if passed else self.open


class Clock(StrEnum):
    EVENT = "event"
    WALL = "wall"


class Trigger(StrEnum):
    """What made a transition happen: an event of the profile, or the clock reaching an instant
    at which the result changes with no new event (a window lapsing, or an event ahead of the
    watermark becoming visible)."""

    EVENT = "event"
    CLOCK = "clock"


class Transition(NamedTuple):
    """A membership change; a tuple, as one is made for every change a stream emits."""

    profile: ProfileKey
    segment: str
    status: str  # "entered" or "exited"
    time: datetime
    cause: str = "streaming"
    trigger: Trigger = Trigger.EVENT


Subscriber = Callable[[Transition], None]

#: The timer of a profile not in memory: due, it is loaded and every segment evaluated.
WAKE = ""


def _wall() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def primary_identity(event: Event) -> ProfileKey:
    """The default resolution: a profile per primary identity (``namespace:id``)."""
    for entry in event.get("identityMap") or []:
        if entry.get("primary"):
            return f"{entry['namespace']}:{entry['id']}"
    raise ValueError(f"event {event.get('_id')} has no primary identity")


class Processor:
    """``resolve`` maps an event to its profile; ``load`` gives a profile not in memory yet
    (default: a new, empty one). A profile given with ``segments`` is realized in those of
    them that the processor evaluates: only a change from there is a transition."""

    def __init__(
        self,
        segments: EdgeSegments,
        *,
        clock: Clock = Clock.EVENT,
        lateness: timedelta = timedelta(0),
        resolve: Callable[[Event], ProfileKey] = primary_identity,
        load: Callable[[ProfileKey], ProfileData] | None = None,
        wall: Callable[[], datetime] = _wall,
    ) -> None:
        self.segments = segments
        self.mode, self.lateness = clock, lateness
        self._resolve, self._load, self._wall = resolve, load, wall
        self.profiles: dict[ProfileKey, ProfileState] = {}
        self.timers: Timers[tuple[ProfileKey, str]] = Timers()
        self.clock: datetime | None = None
        self._latest: datetime | None = None
        self._fresh: list[ProfileKey] = []
        self._subscribers: list[Subscriber] = []
        types = {s: event_types(segments.plans[s].root) for s in segments.order}
        self._typed = {s: t for s, t in types.items() if t is not None}
        self._any = {s for s, t in types.items() if t is None}
        #: ``affected`` by event type: for any event, and for one after every event held.
        self._affected: dict[bool, dict[str, Affected]] = {False: {}, True: {}}
        #: By membership, the segments whose answer stays as it is until an event arrives or
        #: becomes visible (``time_polarity``): their time-driven re-evaluations change nothing.
        ways = {s: time_polarity(segments.plans[s].root) for s in segments.order}
        self._steady = {
            member: frozenset(
                s for s, way in ways.items()
                if way is Polarity.NONE or way is (Polarity.UP if member else Polarity.DOWN)
            )
            for member in (True, False)
        }  # fmt: skip
        #: The outcomes of a blank profile that never change with no event (``_from_blank``).
        self._blank: dict[str, Outcome] | None = None
        #: Per profile, the segments (and WAKE) a timer was set for and not cancelled since:
        #: all that may be due (one that fired stays until the next cancel).
        self._armed: dict[ProfileKey, set[str]] = {}
        #: Profiles evaluated or dropped since ``evaluated`` was last asked: their timers moved.
        self._evaluated: set[ProfileKey] = set()

    def subscribe(self, callback: Subscriber) -> None:
        self._subscribers.append(callback)

    @property
    def latest(self) -> datetime | None:
        """The latest event time seen (the watermark's source in event-time mode)."""
        return self._latest

    def members(self, profile: ProfileKey) -> frozenset[str]:
        state = self.profiles.get(profile)
        return frozenset(state.members) if state is not None else frozenset()

    def resume(self, clock: datetime | None, latest: datetime | None) -> None:
        """Continue a stream checkpointed with this clock and latest event time (before any
        profile is added back), so a restart neither rewinds nor re-fires what is recorded."""
        self.clock, self._latest = clock, latest

    def add_profile(self, key: ProfileKey, data: ProfileData) -> None:
        """A profile known before the stream (from the store): evaluated at the clock, so its
        windows lapse on time even if no event of it arrives."""
        self.profiles[key] = self._state(data)
        self._fresh.append(key)
        if self.clock is not None:
            self.advance(self.clock)

    def sleep(self, key: ProfileKey, due: datetime | None) -> None:
        """Hold the profile out of memory (the store holds all it is) until ``due``, when its
        timer loads it again (None: until an event of it); its earliest timer is then the
        caller's to keep, not reported as changed by ``evaluated``."""
        if self.profiles.pop(key, None) is not None:
            self._fresh = [fresh for fresh in self._fresh if fresh != key]
        for segment in self._armed.pop(key, ()):
            self.timers.set((key, segment), None)
        if due is not None:
            self._arm(key, WAKE, due)

    def forget(self, key: ProfileKey) -> None:
        """Drop a profile and its timers (it was merged into another or split): it is loaded
        again, as it now is, when an event of it arrives."""
        self._evaluated.add(key)
        self.sleep(key, None)

    def evaluated(self) -> dict[ProfileKey, datetime | None]:
        """The earliest timer of each profile evaluated or dropped since the last call."""
        changed, self._evaluated = self._evaluated, set()
        return {key: self.next_due(key) for key in changed}

    def next_due(self, key: ProfileKey) -> datetime | None:
        """When the profile must next be evaluated with no new event (None: never)."""
        dues = (self.timers.due((key, s)) for s in self._armed.get(key, ()))
        return min((due for due in dues if due is not None), default=None)

    def _arm(self, key: ProfileKey, segment: str, due: datetime | None) -> None:
        """Set (None: cancel) the profile's timer for the segment (WAKE: for the profile); a
        cancel of one never set, as most evaluations leave, touches no timer."""
        armed = self._armed.get(key)
        if due is None:
            if armed is not None and segment in armed:
                armed.discard(segment)
                if not armed:
                    del self._armed[key]
                self.timers.set((key, segment), None)
            return
        if armed is None:
            armed = self._armed[key] = set()
        armed.add(segment)
        self.timers.set((key, segment), due)

    def _state(self, data: ProfileData) -> ProfileState:
        state = ProfileState.of(data)
        state.members = {s for s in self.segments.order if s in data.segments}
        return state

    def feed(self, events: Iterable[Event]) -> None:
        for event in events:
            self._one(self._resolve(event), event)

    def feed_keyed(self, pairs: Iterable[tuple[ProfileKey, Event]]) -> None:
        """``feed`` for events whose profiles were resolved already (by another process)."""
        for key, event in pairs:
            self._one(key, event)

    def advance(self, to: datetime) -> None:
        """Move the clock to ``to`` (never back), firing every timer due by then in order."""
        if self.clock is None or to > self.clock:
            self.clock = to
        if self._fresh:
            fresh, self._fresh = self._fresh, []
            for key in fresh:
                self._evaluate(key, self.segments.order, self.clock)
        while (due := self.timers.pop(to)) is not None:
            at, (key, segment) = due
            if segment == WAKE:
                self._wake(key)
                self._evaluate(key, self.segments.order, at, from_timer=True)
            else:
                self._evaluate(key, (segment,), at, from_timer=True)

    def _wake(self, key: ProfileKey) -> ProfileState:
        """The profile's state, loaded if not in memory (its wake-up then cancelled)."""
        state = self.profiles.get(key)
        if state is None:
            self._arm(key, WAKE, None)
            loaded = self._load(key) if self._load is not None else ProfileData()
            state = self.profiles[key] = self._state(loaded)
        return state

    def _one(self, key: ProfileKey, event: Event) -> None:
        stamp: datetime = event["timestamp"]
        if self.mode is Clock.WALL:
            self.advance(self._wall())
        elif self._latest is None or stamp > self._latest:
            self._latest = stamp
            self.advance(stamp - self.lateness)
        assert self.clock is not None
        kind = str(event.get("eventType"))
        affected = self.affected(kind)
        # An event no segment reads (a page view, with no segment on page views) is neither
        # kept nor evaluated: no evaluation would ever read it.
        read = bool(affected.segments)
        state = self.profiles.get(key)
        if state is None:
            state = self._wake(key)
            blank = state.blank()
            if read:
                state.add(event)
            if blank:
                self._from_blank(key, affected, self.clock)
            else:
                self._evaluate(key, self.segments.order, self.clock)
            return
        if not read:
            return
        held = state.index.latest()
        if not state.add(event):
            return
        if stamp <= self.clock:
            if held is None or stamp > held:
                affected = self.affected(kind, latest=True)
            targets = affected.admitted(event)
            members = state.members
            settled = (affected.up & members) | (affected.down - members)
            if targets:
                self._evaluate(key, targets, self.clock, settled=settled)
            return
        for segment in affected.admitted(event):
            pending = self.timers.due((key, segment))
            self._arm(key, segment, stamp if pending is None else min(pending, stamp))

    def _from_blank(self, key: ProfileKey, affected: Affected, at: datetime) -> None:
        """The first evaluation of a profile holding nothing but its first event: a segment not
        reading its type, or one the event cannot move, is what it is for a blank profile (the
        same for every profile, found once) where that never changes with no new event."""
        if self._blank is None:
            found = self.segments.outcomes(ProfileData(), at)
            self._blank = {s: outcome for s, outcome in found.items() if outcome.hint is None}
        blank = self._blank
        # Of the outcomes taken as known, only memberships do anything: a non-member of a
        # segment that never changes with no event has no status to take and no timer to set.
        members = {s: outcome for s, outcome in blank.items() if outcome.member}
        settled = (affected.up & members.keys()) | (affected.down & blank.keys() - members.keys())
        targets = affected.segments | (set(self.segments.order) - blank.keys())
        self._evaluate(key, targets, at, settled=settled, known=members)

    def affected(self, event_type: str, *, latest: bool = False) -> Affected:
        """The segments an event of this type can change, and which way; ``latest``: for an
        event after every one its profile holds, which leaves some segments as they are (a
        chain it cannot complete)."""
        known = self._affected[latest]
        found = known.get(event_type)
        if found is None:
            direct = self._any | {s for s, t in self._typed.items() if event_type in t}
            ways = {
                s: segment_polarity(self.segments.plans[s].root, event_type, latest=latest)
                for s in direct
            }
            if latest:
                direct = {s for s in direct if ways[s] is not Polarity.NONE}
            tests = {s: admission(self.segments.plans[s].root, event_type) for s in direct}
            found = known[event_type] = Affected(
                frozenset(direct),
                frozenset(s for s, way in ways.items() if way is Polarity.UP),
                frozenset(s for s, way in ways.items() if way is Polarity.DOWN),
                frozenset(s for s, test in tests.items() if test is None),
                tuple((s, test) for s, test in tests.items() if test is not None),
            )
        return found

    def _evaluate(
        self,
        key: ProfileKey,
        targets: Collection[str],
        at: datetime,
        *,
        from_timer: bool = False,
        settled: Collection[str] = (),
        known: Mapping[str, Outcome] | None = None,
    ) -> None:
        state = self.profiles[key]
        self._evaluated.add(key)
        outcomes = self.segments.outcomes(state.data(), at, targets, settled, known)
        steady, upcoming = self._steady, _UNKNOWN
        for segment, outcome in outcomes.items():
            hint = outcome.hint
            if hint is not None and segment in steady[outcome.member]:
                if upcoming is _UNKNOWN:
                    upcoming = state.index.upcoming(at)
                hint = upcoming
            if from_timer and hint is not None and hint - at <= _INSTANT:
                hint = at + MIN_TIMER_STEP  # `now` used as a plain value changes every instant
            self._arm(key, segment, hint)
            if outcome.member == (segment in state.members):
                continue
            state.realize(segment, self.segments.labels[segment], outcome.member)
            status = "entered" if outcome.member else "exited"
            trigger = Trigger.CLOCK if from_timer else Trigger.EVENT
            self._emit(Transition(key, segment, status, at, trigger=trigger))

    def _emit(self, transition: Transition) -> None:
        for subscriber in self._subscribers:
            subscriber(transition)
