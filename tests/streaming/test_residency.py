"""The profiles a stream drops from memory: the least recently used beyond its limit."""

from __future__ import annotations

import random
from collections.abc import Collection, Hashable
from datetime import datetime, timedelta

import pytest

from segmint.errors import UsageError
from segmint.membership.stream_ledger import TimerKey
from segmint.stream.residency import Residency, Sleepers


def test_the_least_recently_used_profiles_beyond_the_limit_are_dropped() -> None:
    residency = Residency(2)
    residency.used([1, 2, 3])
    residency.used([1])
    assert residency.surplus({1, 2, 3}) == [2]
    assert residency.surplus({1, 3}) == []


def test_a_profile_no_longer_held_is_passed_over() -> None:
    """One merged away (or dropped) since its use is not counted against the limit."""
    residency = Residency(1)
    residency.used([1, 2, 3, 4])
    assert residency.surplus({3, 4}) == [3]


def test_a_cache_of_identities_is_emptied_past_its_bound() -> None:
    """Four resolved identities per profile that may be held, then the cache starts over."""
    residency, names = Residency(2), {("ecid", str(n)): n for n in range(8)}
    residency.trim(names)
    assert len(names) == 8
    names[("ecid", "8")] = 8
    residency.trim(names)
    assert names == {}


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(UsageError, match="--max-profiles 1 or more"):
        Residency(0)


class Asleep:
    """What ``Sleepers`` tells a processor: which profile sleeps until when (armed)."""

    def __init__(self) -> None:
        self.profiles: set[Hashable] = set()
        self.armed: dict[Hashable, datetime] = {}

    def sleep(self, key: Hashable, due: datetime | None) -> None:
        self.profiles.discard(key)
        self.armed.pop(key, None)
        if due is not None:
            self.armed[key] = due


class Ledger:
    """The stream's stored timers (each profile's earliest), read as the store reads them."""

    def __init__(self) -> None:
        self.dues: dict[int, datetime] = {}
        self.reads = 0

    def soonest(self, start: TimerKey, limit: int, skip: Collection[Hashable]) -> list[TimerKey]:
        self.reads += 1
        rows = sorted((due, profile) for profile, due in self.dues.items() if profile not in skip)
        return [row for row in rows if row >= start][:limit]


def _day(number: int) -> datetime:
    return datetime(2026, 1, 1) + timedelta(days=number)


def test_sleepers_due_by_an_instant_are_taken_soonest_first_and_at_most_so_many() -> None:
    processor, ledger = Asleep(), Ledger()
    sleepers = Sleepers(2, ledger.soonest)
    for profile, day in ((1, 5), (2, 3), (3, 4), (4, 9), (5, 2)):
        ledger.dues[profile] = _day(day)
        sleepers.add(processor, profile, _day(day))
    del ledger.dues[5]
    sleepers.add(processor, 5, None)  # dropped again with no timer: it sleeps until an event
    processor.profiles.add(3)  # read back by an event of it
    assert sleepers.due_by(processor, _day(6)) == [(_day(3), 2), (_day(5), 1)]
    assert sleepers.due_by(processor, _day(6)) == []
    assert sleepers.due_by(processor, _day(9)) == [(_day(9), 4)]
    assert sleepers.next_due(processor) is None


def test_memory_holds_only_the_soonest_sleepers_and_reads_the_others_when_due() -> None:
    """A thousand sleepers, two at a time in a group: at most four are in memory (armed in
    the processor), the store is read as those run out, and every one is taken in order."""
    processor, ledger = Asleep(), Ledger()
    sleepers = Sleepers(2, ledger.soonest)
    order = random.Random(3).sample(range(1000), 1000)
    for profile in order:
        ledger.dues[profile] = _day(profile % 97) + timedelta(seconds=profile)
    sleepers.cover(processor, _day(-1))  # reads where the store stands: nothing due yet
    for profile in order:
        sleepers.add(processor, profile, ledger.dues[profile])
        assert len(sleepers) <= 4 and len(processor.armed) <= 4
    assert sleepers.next_due(processor) == min(ledger.dues.values())
    taken: list[TimerKey] = []
    while group := sleepers.due_by(processor, _day(200)):
        assert len(group) <= 2 and len(sleepers) <= 4
        taken += group
        for _, profile in group:
            del ledger.dues[profile]
            processor.armed.pop(profile)
    assert [profile for _, profile in taken] == sorted(order, key=lambda p: (p % 97, p))
    assert ledger.reads > 400


def test_covering_an_instant_arms_every_sleeper_due_by_then() -> None:
    processor, ledger = Asleep(), Ledger()
    sleepers = Sleepers(1, ledger.soonest)
    ledger.dues = {profile: _day(profile) for profile in range(10)}
    sleepers.cover(processor, _day(4))
    assert set(processor.armed) >= {0, 1, 2, 3, 4}
    processor.profiles.add(7)  # held: its stored timer is the processor's own
    sleepers.cover(processor, _day(9))
    assert set(processor.armed) == set(range(10)) - {7}
