"""Which profiles a stream keeps in memory: at most a limit of them, the most recently used.

A streamed profile's state is what the store holds once its events are committed (its events,
attributes and realized segments) and its earliest timer, which the stream records. So a
profile not used for a while can be dropped after a commit and read back when an event of it
arrives or its timer wakes it, exactly as a restarted stream reads every profile back: memory
stays bounded however many profiles a long-running stream meets.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection, Hashable, Iterable
from datetime import datetime
from typing import Any, Protocol

from segmint.errors import UsageError
from segmint.evaluate.streaming.timers import Timers

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

    def forget(self, key: Hashable) -> None: ...

    def sleep(self, key: Hashable, due: datetime) -> None: ...


class Sleepers:
    """The profiles not in memory that have a timer, by when it is due: those due by the same
    instant are read back from the store together, up to ``most`` at a time, not one query
    each."""

    def __init__(self, most: int) -> None:
        self.most = most
        self._dues: Timers[int] = Timers()

    def add(self, processor: Holder, profile: int, due: datetime | None) -> None:
        """The profile, not in memory, sleeps until ``due`` (None: until an event of it)."""
        if due is not None:
            processor.sleep(profile, due)
        self._dues.set(profile, due)

    def due_by(self, until: datetime, held: Collection[Hashable]) -> list[tuple[datetime, int]]:
        """Up to ``most`` profiles, the soonest due first, whose timer is due by ``until`` and
        that are still not in memory (each is taken out), with when each is due."""
        found: list[tuple[datetime, int]] = []
        while len(found) < self.most and (due := self._dues.pop(until)) is not None:
            if due[1] not in held:
                found.append(due)
        return found


def drop_surplus(
    residency: Residency, processor: Holder, dues: Timers[int], sleepers: Sleepers
) -> None:
    """Drop the profiles held beyond the limit, least recently used first, after a commit (the
    store then holds all they are): each sleeps until its earliest timer, as ``dues`` records
    it, or until an event of it arrives."""
    for profile in residency.surplus(processor.profiles):
        processor.forget(profile)
        sleepers.add(processor, profile, dues.due(profile))
