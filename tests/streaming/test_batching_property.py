"""Property: the history a stream records does not depend on how the same events are split
into ``collect`` calls, whatever links merge profiles (or bring them over the identity cap),
events come late, tie or are sent again: a merge applies at its own event, never from the
start of its batch, and identities are keyed in the order they arrive, so the same profile
keeps its id (its smallest key) in a merge."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event as statistic
from hypothesis import given, settings
from hypothesis import strategies as st

from segmint.store.workspace import Workspace
from segmint.stream.service import EventStream
from tests.conftest import event
from tests.streaming.test_service import searchers_workspace

Event = dict[str, Any]
Row = tuple[object, ...]

START = datetime(2026, 1, 1)
#: Every 7-day window has lapsed by then (80 events at most 12 hours apart end by mid-February).
END = datetime(2026, 4, 1)
#: How an event names its person: device, email or both (a link, about one in six), the first
#: primary; ``ecid2`` is their second device (``ecid`` is not a unique namespace).
FORMS = ("ecid",) * 5 + ("email",) * 4 + ("ecid email", "email ecid")
#: With second devices: profiles grow past a small identity cap.
DEVICES = (*FORMS, "ecid ecid2", "ecid2 email", "ecid2")
#: With a shared device: a person's device with the next person's email, which the store
#: refuses to link once the device's profile has an email of its own (email is unique).
SHARED = (*DEVICES, "ecid next")
#: Hours late (0: on time, most of the time).
LATENESS = (0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 5)


def identified(number: int, stamp: datetime, kind: str, person: int, form: str) -> Event:
    """An event of ``person`` naming the identities of ``form``, the first primary."""
    values = {
        "ecid": f"d{person}",
        "ecid2": f"f{person}",
        "email": f"p{person}@x.com",
        "next": f"p{person + 1}@x.com",
    }
    identity_map: dict[str, list[dict[str, object]]] = {}
    for index, name in enumerate(form.split()):
        namespace = "email" if name in ("email", "next") else "ecid"
        identity_map.setdefault(namespace, []).append({"id": values[name], "primary": not index})
    return event(f"e{number}", f"{stamp.isoformat()}Z", kind) | {"identityMap": identity_map}


@st.composite
def sequences(
    draw: st.DrawFn,
    forms: tuple[str, ...] = FORMS,
    fewest: int = 3,
) -> list[Event]:
    """20 to 80 events of ``fewest`` to 5 people, each by device, email or both (so a person
    seen under each alone and then linked merges two profiles); some at the same instant, some
    late by a few hours (even before their identities' first appearance); some
    sent again (same ``_id``) later."""
    people = draw(st.integers(fewest, 5))
    clock = START
    seen: set[tuple[int, str]] = set()
    linked: set[int] = set()
    merges = 0
    events: list[Event] = []
    for number in range(draw(st.integers(20, 80))):
        person = draw(st.integers(0, people - 1))
        form = draw(st.sampled_from(forms))
        names = {(person, name) for name in form.split()}
        if len(names) > 1 and person not in linked:
            merges += not (names - seen)  # each name has a profile of its own
            linked.add(person)
        kind = draw(st.sampled_from(("search", "pageView")))
        clock += timedelta(hours=draw(st.integers(0, 12)))
        stamp = clock - timedelta(hours=draw(st.sampled_from(LATENESS)))
        seen |= names
        events.append(identified(number, stamp, kind, person, form))
    for _ in range(draw(st.integers(0, 6))):
        again = draw(st.integers(0, len(events) - 1))
        events.insert(draw(st.integers(again + 1, len(events))), events[again])
    statistic(f"merges: {min(merges, 3)}{'+' if merges >= 3 else ''}")
    return events


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One searchers workspace, copied for each run: creating one through the CLI is slow."""
    path = tmp_path_factory.mktemp("template") / "ws"
    with searchers_workspace(path):
        return path


def batches(events: Sequence[Event], cuts: set[int]) -> Iterator[Sequence[Event]]:
    """The events split before each cut."""
    edges = [0, *sorted(cuts), len(events)]
    return (events[start:end] for start, end in pairwise(edges))


def history(
    template: Path, calls: Iterator[Sequence[Event]], cap: int = 50, held: int = 100
) -> list[Row]:
    """The calls committed in order on a copy of the template (``cap``: identities per
    profile; ``held``: profiles the stream keeps in memory, checked after each commit), then
    the clock moved past every window: each transition as (identity, status, instant). A
    profile is named by the identity whose key it bears."""
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "ws"
        shutil.copytree(template, path)
        with Workspace.open(path) as workspace:
            workspace.use("prod")
            stream = EventStream(workspace, "web", identity_cap=cap, max_profiles=held)
            for call in calls:
                stream.collect(call)
                assert len(stream.processor.profiles) <= held
            stream.advance(END)
            return workspace.con.execute(
                "SELECT x.id, h.status, h.changed_at FROM membership_history h "
                "LEFT JOIN identities x ON x.identity_key = h.profile_id ORDER BY ALL"
            ).fetchall()


@settings(max_examples=10, deadline=None)
@given(events=sequences(), data=st.data())
def test_the_history_does_not_depend_on_the_batches(
    template: Path, events: list[Event], data: st.DataObject
) -> None:
    """Committed one by one, in random batches or all at once, the same entries and exits
    at the same instants."""
    same_in_any_batches(template, events, data)


@settings(max_examples=10, deadline=None)
@given(events=sequences(SHARED, fewest=1), cap=st.sampled_from((1, 2, 3, 50)), data=st.data())
def test_with_a_small_cap_the_history_does_not_depend_on_the_batches(
    template: Path, events: list[Event], cap: int, data: st.DataObject
) -> None:
    """The same with second devices, a device shared with the next person, and a cap of 1
    to 3 identities (or 50): a link bringing a profile over it sheds the profile's oldest
    identities (and their events) at that event, never from the start of its batch, and one
    the store refuses changes nothing, wherever the batch is cut."""
    same_in_any_batches(template, events, data, cap)


@settings(max_examples=10, deadline=None)
@given(events=sequences(SHARED, fewest=2), cap=st.sampled_from((2, 50)), held=st.integers(1, 2))
def test_the_history_does_not_depend_on_how_many_profiles_stay_in_memory(
    template: Path, events: list[Event], cap: int, held: int
) -> None:
    """Committed one by one holding one or two profiles in memory, the others dropped after
    each commit and read back from the store when an event or their earliest timer wakes
    them (merged, shed over the cap, or with events late or ahead of the clock), and the
    identities resolved forgotten past four per profile held, the same entries and exits as
    holding every profile."""
    one_by_one = set(range(1, len(events)))
    every = history(template, batches(events, one_by_one), cap)
    assert history(template, batches(events, one_by_one), cap, held) == every


def test_an_identity_is_as_old_as_the_record_that_first_named_it(template: Path) -> None:
    """A late event names a known email with a new device, hours before the email's first
    sighting, and then a second device brings the profile over a cap of 2: the device, first
    named at the earlier instant, is the oldest and leaves, however the events are batched. (Its
    age is the time of the record that named it first, not the earliest time any record shows:
    a batch holding both sightings would otherwise make the email as old as the device.)"""
    day = datetime(2026, 1, 2)
    events = [
        identified(0, day + timedelta(hours=1), "search", 0, "email"),
        identified(1, day - timedelta(hours=4), "search", 0, "email ecid"),
        identified(2, day + timedelta(hours=5), "search", 0, "ecid2 email"),
        identified(3, day + timedelta(hours=6), "search", 0, "ecid"),
    ]
    one_by_one = history(template, batches(events, {1, 2, 3}), cap=2)
    assert history(template, batches(events, set()), cap=2) == one_by_one
    assert ("d0", "realized", day + timedelta(hours=6)) in one_by_one


def same_in_any_batches(
    template: Path, events: list[Event], data: st.DataObject, cap: int = 50
) -> None:
    cuts = data.draw(st.sets(st.integers(1, len(events) - 1)), label="cuts")
    one_by_one = history(template, batches(events, set(range(1, len(events)))), cap)
    assert history(template, batches(events, cuts), cap) == one_by_one
    assert history(template, batches(events, set()), cap) == one_by_one
