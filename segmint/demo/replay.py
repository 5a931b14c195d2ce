"""The demo's streaming replay: the last day of demo events fed to the streaming processor in
time order, with entries and exits as they happen, window lapses included.

The processor starts at the day's start from the batch result at that instant (a segment job
run inside a transaction that is rolled back, so the workspace is untouched) and holds the
profiles that can change during the day: those with events in it, and those whose batch
membership differs between its start and its end (a window lapsing with no event). Nothing is
written: the demo's segment job at the end of the data already recorded the memberships, and
the replay checks that streaming reaches the same ones.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from segmint import segments
from segmint.engines.duckdb import Connection
from segmint.evaluate.streaming import Processor, Transition
from segmint.realtime import published
from segmint.store.identities import display_identity_sql
from segmint.stream.profiles import Columns, events_between, load_profiles

DAY = timedelta(days=1)


@dataclass(frozen=True)
class Replay:
    start: datetime
    end: datetime
    events: int
    profiles: int
    transitions: list[Transition]
    names: dict[str, str]
    #: Profiles whose streamed membership at the end differs from the batch job's.
    disagreements: int

    def counts(self) -> Counter[tuple[str, str, str]]:
        """Transitions per (segment name, status, trigger)."""
        return Counter((self.names[t.segment], t.status, str(t.trigger)) for t in self.transitions)


def replay_last_day(con: Connection, end: datetime) -> Replay:
    """Stream the events of ``(end - 1 day, end]`` through the published segments."""
    start = end - DAY
    edge, names = published(con)
    columns = Columns.of(edge.plans.values())
    own = frozenset(edge.order)
    at_start = _batch_members(con, start)
    at_end = _realized(con)
    day = events_between(con, columns, start, end)
    changed = {
        p
        for p in at_start.keys() | at_end.keys()
        if at_start.get(p, frozenset()) & own != at_end.get(p, frozenset()) & own
    }
    held = changed | {profile for profile, _ in day}
    profile_of = {str(event["_id"]): profile for profile, event in day}
    processor = Processor(edge, resolve=lambda event: profile_of[str(event["_id"])])
    processor.resume(start, start)
    for key, data in sorted(
        load_profiles(con, held, columns, until=start, realized=at_start).items()
    ):
        processor.add_profile(key, data)
    transitions: list[Transition] = []
    processor.subscribe(transitions.append)
    processor.feed(event for _, event in day)
    processor.advance(end)
    disagreements = sum(
        processor.members(key) != at_end.get(key, frozenset()) & own for key in held
    )
    return Replay(start, end, len(day), len(held), transitions, names, disagreements)


def display_names(con: Connection, profiles: set[int]) -> dict[int, str]:
    """A readable identity per profile (``crmId:...`` before an email before a cookie)."""
    return {
        int(key): str(name)
        for key, name in con.execute(
            f"SELECT k, {display_identity_sql('k')} FROM unnest(?) AS t(k)", [sorted(profiles)]
        ).fetchall()
    }


def _batch_members(con: Connection, at: datetime) -> dict[int, frozenset[str]]:
    """The segments (ids and names) each profile is realized in by a segment job at ``at``,
    run in a transaction that is rolled back."""
    con.execute("BEGIN TRANSACTION")
    try:
        segments.evaluate(con, None, at)
        return _realized(con, labels=True)
    finally:
        con.execute("ROLLBACK")


def _realized(con: Connection, *, labels: bool = False) -> dict[int, frozenset[str]]:
    names = "list(s.id) || list(s.name)" if labels else "list(s.id)"
    rows = con.execute(
        f"SELECT m.profile_id, {names} FROM memberships m JOIN segments s ON s.id = m.segment_id "
        "WHERE m.status = 'realized' GROUP BY m.profile_id"
    ).fetchall()
    return {int(profile): frozenset(found) for profile, found in rows}
