"""Which profiles a stream keeps in memory: at most a limit of them, the most recently used.

A streamed profile's state is what the store holds once its events are committed (its events,
attributes and realized segments) and its earliest timer, which the stream records. So a
profile not used for a while can be dropped after a commit and read back when an event of it
arrives or its timer wakes it, exactly as a restarted stream reads every profile back. The
timers of the profiles asleep stay in the store too, but for the soonest few: memory stays
bounded however many profiles a long-running stream meets.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable, Iterable
from datetime import datetime
from typing import Any, Protocol

from segmint.errors import UsageError
from segmint.evaluate.streaming.timers import Timers
from segmint.membership.stream_ledger import TimerKey

#: Profiles a stream holds in memory unless told otherwise: a few GiB of demo-like profiles.
DEFAULT_MAX_PROFILES = 100_000
#: Identities a stream keeps resolved (their key, their profile) per profile it may hold.
NAMES_PER_PROFILE = 4


class Residency:
    """The profiles used, least recently first, and how many may stay in memory."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise UsageError(
                f"a stream cannot hold at most {limit} profiles in memory",
                hint="give --max-profiles 1 or more",
            )
        self.limit = limit
        self._order: OrderedDict[int, None] = OrderedDict()

    def used(self, profiles: Iterable[int]) -> None:
        """These profiles were just used: they are the last to be dropped."""
        order = self._order
        for profile in profiles:
            order[profile] = None
            order.move_to_end(profile)

    def trim(self, names: dict[Any, Any]) -> None:
        """Empty a cache of resolved identities grown past ``NAMES_PER_PROFILE`` per profile
        that may be held: what is still needed is read again from the store, as after a
        restart, so memory stays bounded however many identities the stream meets."""
        if len(names) > NAMES_PER_PROFILE * self.limit:
            names.clear()

    def surplus(self, held: Collection[Hashable]) -> list[int]:
        """The held profiles to drop to bring them down to the limit, least recently used
        first (a profile dropped or merged away since its use is passed over)."""
        excess = len(held) - self.limit
        order, dropped = self._order, []
        while excess > 0 and order:
            profile, _ = order.popitem(last=False)
            if profile in held:
                dropped.append(profile)
                excess -= 1
        return dropped


class Holder(Protocol):
    """A processor as the stream drives it (in process or in a child process)."""

    @property
    def profiles(self) -> Collection[Hashable]: ...

    def sleep(self, key: Hashable, due: datetime | None) -> None: ...


#: Reads the stream's timers from the store: up to so many, from a place in their order on,
#: soonest first, leaving out some profiles (``stream_ledger.soonest_timers``).
StoredTimers = Callable[[TimerKey, int, Collection[Hashable]], list[TimerKey]]
#: A place in the order of timers before every one (profile ids are 64-bit integers).
_FIRST: TimerKey = (datetime.min, -(2**63))


class Sleepers:
    """The profiles not in memory that have a timer, by when it is due. The store holds them
    all (each profile's earliest timer); memory holds only the soonest, at most twice ``most``,
    armed in the processor, and reads the next ones when those run out or the clock nears
    them: memory stays bounded however many profiles sleep. Sleepers due by the same instant
    are read back from the store together, up to ``most`` at a time, not one query each."""

    def __init__(self, most: int, stored: StoredTimers) -> None:
        self.most = most
        self._stored = stored
        self._window: Timers[int] = Timers()
        #: Every sleeper not in the window comes at or after this place in the order of
        #: timers, (due, profile); None: the window holds them all.
        self._beyond: TimerKey | None = _FIRST
        #: Profiles merged away in the commit being made: the store holds their timers until
        #: it ends, but they never wake.
        self._gone: set[int] = set()

    def __len__(self) -> int:
        return len(self._window)

    def add(self, processor: Holder, profile: int, due: datetime | None) -> None:
        """Drop the profile from memory: it sleeps until ``due`` (None: until an event of it).
        The store holds its timer already; one among the soonest is armed in the processor."""
        beyond = self._beyond
        soon = due if due is not None and (beyond is None or (due, profile) < beyond) else None
        processor.sleep(profile, soon)
        self._window.set(profile, soon)
        if len(self._window) > 2 * self.most:
            self._shrink(processor)

    def discard(self, profile: int) -> None:
        """The profile no longer exists (merged into another): it never wakes."""
        self._window.set(profile, None)
        self._gone.add(profile)

    def committed(self) -> None:
        """The commit ended: the store no longer holds the timers of the profiles gone."""
        self._gone.clear()

    def cover(self, processor: Holder, until: datetime) -> None:
        """Arm in the processor every sleeper due by ``until``, before its clock gets there."""
        while self._beyond is not None and self._beyond[0] <= until:
            self._fill(processor)

    def due_by(self, processor: Holder, until: datetime) -> list[TimerKey]:
        """Up to ``most`` sleepers, the soonest due first, whose timer is due by ``until`` and
        that are still not in memory (each is taken out), with when each is due (they stay
        armed in the processor)."""
        held = processor.profiles
        found: list[TimerKey] = []
        while len(found) < self.most:
            due = self._window.pop(until)
            if due is None:
                if self._beyond is None or self._beyond[0] > until:
                    break
                self._fill(processor)
            elif due[1] not in held:
                found.append(due)
        return found

    def next_due(self, processor: Holder) -> datetime | None:
        """When the soonest sleeper is due (None: none sleeps with a timer)."""
        while (due := self._window.next_due()) is None and self._beyond is not None:
            self._fill(processor)
        return due

    def _fill(self, processor: Holder) -> None:
        """Read the next ``most`` sleepers from the store into the window (armed)."""
        assert self._beyond is not None
        found = self._stored(self._beyond, self.most + 1, [*processor.profiles, *self._gone])
        for due, profile in found[: self.most]:
            processor.sleep(profile, due)
            self._window.set(profile, due)
        self._beyond = found[self.most] if len(found) > self.most else None

    def _shrink(self, processor: Holder) -> None:
        """Keep the soonest ``most`` in the window; the store holds the others."""
        held = processor.profiles
        order = sorted((due, profile) for profile, due in self._window.items())
        for _, profile in order[self.most :]:
            self._window.set(profile, None)
            if profile not in held:
                processor.sleep(profile, None)
        first = order[self.most]
        self._beyond = first if self._beyond is None else min(self._beyond, first)


def drop_surplus(
    residency: Residency,
    processor: Holder,
    dues: dict[int, datetime | None],
    sleepers: Sleepers,
) -> None:
    """Drop the profiles held beyond the limit, least recently used first, after a commit (the
    store then holds all they are, and ``dues``, their earliest timers as stored): each sleeps
    until its earliest timer, or until an event of it arrives."""
    for profile in residency.surplus(processor.profiles):
        sleepers.add(processor, profile, dues.pop(profile, None))
