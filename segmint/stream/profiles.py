"""Many stored profiles at once, as the streaming processor holds them: merged attributes,
events (optionally only those up to an instant) and the segments each is realized in, read in
a few queries however many profiles are asked for, and only the columns the segments read
(a profile's history is most of the processor's memory and of the time to load it)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

import pyarrow as pa

from segmint.engines.duckdb import Connection, query_arrow, registered
from segmint.evaluate.edge.types import Types, read_types, union
from segmint.evaluate.reference import ProfileData
from segmint.plan.nodes import Plan
from segmint.schema.model import EVENT_SYSTEM_FIELDS, SchemaClass
from segmint.store import catalog
from segmint.store.catalog import MergePolicy
from segmint.store.profiles import (
    identity_keys_sql,
    merge_fragments,
    merged_datasets_sql,
    profile_key_sql,
    prune,
    with_profile_sql,
)
from segmint.store.tables import EVENTS, FRAGMENTS, quote

_WANTED = "wanted_profiles"
_KEYS = "(SELECT unnest(?) AS identity_key)"


@dataclass(frozen=True)
class Columns:
    """The top-level event and profile columns a set of segments reads, and the event types
    (None: every type) whose events they read: the processor keeps no other event as it
    arrives, so none is read for it (half the demo's events are page views no segment reads)."""

    events: frozenset[str]
    profile: frozenset[str]
    types: Types = None

    @classmethod
    def of(cls, plans: Iterable[Plan]) -> Columns:
        events: set[str] = set(EVENT_SYSTEM_FIELDS)
        profile: set[str] = set()
        types: Types = frozenset()
        for plan in plans:
            events |= {_top(path) for path in plan.event_fields}
            profile |= {_top(path) for path in plan.profile_fields}
            types = union(types, read_types(plan.root))
        return cls(frozenset(events), frozenset(profile), types)

    def event_sql(self, alias: str) -> str:
        return ", ".join(f"{alias}.{quote(name)}" for name in sorted(self.events))

    def read_sql(self, alias: str) -> tuple[str, list[object]]:
        """A condition keeping the events of the types read (every stored event has a
        type), and its parameters."""
        if self.types is None:
            return "TRUE", []
        return f'list_contains(?, {alias}."eventType")', [sorted(self.types)]


def _top(path: str) -> str:
    """The top-level column of a field path (``productListItems[].SKU``: productListItems)."""
    return path.split(".")[0].split("[")[0]


def load_profiles(
    con: Connection,
    profile_ids: Collection[int],
    columns: Columns,
    *,
    until: datetime | None = None,
    realized: dict[int, frozenset[str]] | None = None,
    made_after: int | None = None,
    policy: MergePolicy | None = None,
) -> dict[int, ProfileData]:
    """The profiles under ``policy`` (None: the default merge policy; a stream passes the one
    it resolves profiles with), a profile with no data being empty.
    ``realized`` replaces the ledger's segments (ids and names) per profile, e.g. a batch
    result at ``until``. ``made_after``: the newest identity key stored before the events
    being stored; a profile named by a newer key holds only identities made since (a profile
    is named by its oldest), so nothing of it is stored but those events, and it is not read
    (a new visitor's first event reads nothing)."""
    stored = sorted(p for p in profile_ids if made_after is None or p <= made_after)
    attributes: dict[int, dict[str, object]] = {}
    events: dict[int, list[dict[str, object]]] = {}
    segments = realized or {}
    if stored:
        policy = policy or catalog.merge_policy(con, None)
        with registered(con, _WANTED, pa.table({"id": pa.array(stored, pa.int64())})):
            attributes = _attributes(con, policy, columns) if columns.profile else {}
            events = _events(con, policy, columns, until)
            if realized is None:
                segments = _realized(con)
    return {
        key: ProfileData(
            attributes.get(key, {}), events.get(key, []), segments.get(key, frozenset())
        )
        for key in profile_ids
    }


def _attributes(
    con: Connection, policy: MergePolicy, columns: Columns
) -> dict[int, dict[str, object]]:
    """The wanted profiles merged from their own fragments only, read in one query and merged
    in Python (``merge_fragments``): streamed profiles have a handful of fragments each, and
    planning the merge query of a wide schema costs about 30 ms however few rows it reads."""
    chosen = ", ".join(f"f.{quote(name)}" for name in sorted(columns.profile))
    fragments: dict[int, list[dict[str, object]]] = {}
    for profile, fragment in _records(
        con,
        f"SELECT k.profile_id, f.dataset, f.updated_at, f.identity_key, {chosen} "
        f"FROM {FRAGMENTS} f JOIN ({_wanted_keys(policy)}) k USING (identity_key) "
        f"WHERE {merged_datasets_sql(policy, 'f.dataset')}",
    ):
        fragments.setdefault(profile, []).append(fragment)
    if not fragments:
        return {}
    tree = catalog.schema(con, SchemaClass.PROFILE).tree()
    nodes = {name: tree[name] for name in columns.profile if name in tree}
    return {profile: merge_fragments(nodes, policy, found) for profile, found in fragments.items()}


def _events(
    con: Connection, policy: MergePolicy, columns: Columns, until: datetime | None
) -> dict[int, list[dict[str, object]]]:
    found: dict[int, list[dict[str, object]]] = {}
    read, types = columns.read_sql("e")
    for profile, event in _records(
        con,
        f"SELECT k.profile_id, {columns.event_sql('e')} "
        f"FROM {EVENTS} e JOIN ({_wanted_keys(policy)}) k USING (identity_key) "
        f"WHERE e.timestamp <= coalesce(?, e.timestamp) AND {read} ORDER BY e.timestamp, e._id",
        [until, *types],
    ):
        found.setdefault(profile, []).append(event)
    return found


def _wanted_keys(policy: MergePolicy) -> str:
    """The wanted profiles' identity keys, each with its ``profile_id``: a join on it reads
    only their rows, without resolving every row's profile."""
    return identity_keys_sql(policy, f"(SELECT id AS profile_id FROM {_WANTED})")


def _realized(con: Connection) -> dict[int, frozenset[str]]:
    rows = con.execute(
        "SELECT m.profile_id, list(s.id) || list(s.name) FROM memberships m "
        "JOIN segments s ON s.id = m.segment_id WHERE m.status = 'realized' "
        f"AND m.profile_id IN (SELECT id FROM {_WANTED}) GROUP BY m.profile_id"
    ).fetchall()
    return {int(profile): frozenset(labels) for profile, labels in rows}


def events_between(
    con: Connection, columns: Columns, start: datetime, end: datetime
) -> list[tuple[int, dict[str, object]]]:
    """(profile id, event) of every event in ``(start, end]`` in time order, under the default
    merge policy: what a replay of that period feeds the processor."""
    policy = catalog.merge_policy(con, None)
    read, types = columns.read_sql("e")
    return _records(
        con,
        f"SELECT {profile_key_sql(policy, 'e')} AS profile_id, {columns.event_sql('e')} "
        f"FROM {EVENTS} e WHERE e.timestamp > ? AND e.timestamp <= ? AND {read} "
        "ORDER BY e.timestamp, e._id",
        [start, end, *types],
    )


def profiles_given_events(
    con: Connection, policy: MergePolicy, source: str, since: datetime
) -> int:
    """How many profiles, as they now are, hold events stored by the batches ``source`` logged
    since ``since``."""
    (count,) = con.execute(
        f"SELECT count(DISTINCT {profile_key_sql(policy, 'e')}) FROM {EVENTS} e "
        "WHERE e.batch_id IN (SELECT batch_id FROM batches WHERE source = ? AND ingested_at >= ?)",
        [source, since],
    ).fetchall()[0]
    return int(count)


def named_profiles(
    con: Connection, policy: MergePolicy, names: Collection[tuple[str, str]]
) -> tuple[dict[tuple[str, str], int], dict[int, int]]:
    """The profile of each stored identity among ``names``, and how many identities each of
    those profiles holds."""
    pairs = pa.table(
        {"namespace": [namespace for namespace, _ in names], "id": [id_ for _, id_ in names]}
    )
    with registered(con, "stream_identities", pairs):
        named = with_profile_sql(
            policy,
            "(SELECT namespace, id, x.identity_key FROM stream_identities "
            "JOIN identities x USING (namespace, id))",
        )
        rows = con.execute(f"SELECT namespace, id, profile_id FROM ({named})").fetchall()
    profiles = {(str(ns), str(id_)): int(profile) for ns, id_, profile in rows}
    return profiles, _sizes(con, set(profiles.values()))


def profiles_of_keys(con: Connection, policy: MergePolicy, keys: Iterable[int]) -> dict[int, int]:
    """The profile of each of these identity keys: integers, read faster than names."""
    rows = con.execute(
        f"SELECT identity_key, profile_id FROM ({with_profile_sql(policy, _KEYS)})",
        [sorted(keys)],
    ).fetchall()
    return {int(key): int(profile) for key, profile in rows}


def _sizes(con: Connection, profiles: Collection[int]) -> dict[int, int]:
    """How many identities each of these profiles (of stitched identities) holds."""
    rows = con.execute(
        "SELECT profile_id, count(*) FROM identity_profiles "
        "WHERE profile_id IN (SELECT unnest(?)) GROUP BY profile_id",
        [sorted(profiles)],
    ).fetchall()
    return {int(profile): int(count) for profile, count in rows}


def _records(
    con: Connection, query: str, params: list[object] | None = None
) -> list[tuple[int, dict[str, object]]]:
    """(profile id, the rest of the row as a pruned record) per row of a query whose first
    column is ``profile_id``; read through Arrow, far faster than row tuples for nested data."""
    table = query_arrow(con, query, params)
    if any("map<" in str(field.type) for field in table.schema):
        rows = table.to_pylist(maps_as_pydicts="strict")  # maps as dicts, as DuckDB gives them
    else:
        rows = table.to_pylist()  # much faster, when there is no map to convert
    return [(int(row.pop("profile_id")), prune(row)) for row in rows]
