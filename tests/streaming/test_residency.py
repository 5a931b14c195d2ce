"""The profiles a stream drops from memory: the least recently used beyond its limit."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime

import pytest

from segmint.errors import UsageError
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
    """What ``Sleepers`` tells a processor: which profile sleeps until when."""

    def __init__(self) -> None:
        self.profiles: set[Hashable] = set()
        self.slept: dict[Hashable, datetime] = {}

    def forget(self, key: Hashable) -> None:
        self.profiles.discard(key)

    def sleep(self, key: Hashable, due: datetime) -> None:
        self.slept[key] = due


def test_sleepers_due_by_an_instant_are_taken_soonest_first_and_at_most_so_many() -> None:
    processor, sleepers = Asleep(), Sleepers(2)
    for profile, day in ((1, 5), (2, 3), (3, 4), (4, 9), (5, 2)):
        sleepers.add(processor, profile, datetime(2026, 1, day))
    sleepers.add(processor, 5, None)  # dropped again with no timer: it sleeps until an event
    assert processor.slept[4] == datetime(2026, 1, 9)
    assert sleepers.due_by(datetime(2026, 1, 6), held={3}) == [
        (datetime(2026, 1, 3), 2), (datetime(2026, 1, 5), 1)
    ]  # fmt: skip
    assert sleepers.due_by(datetime(2026, 1, 6), held=set()) == []
    assert sleepers.due_by(datetime(2026, 1, 9), held=set()) == [(datetime(2026, 1, 9), 4)]
