"""The relations a job's compiled segments read, set up once per job and merge policy:
``seg_profiles`` (materialised: every profile with its merged attributes), ``seg_events`` (a
view: events up to as_of with their profile) and ``seg_members`` (who is realized where)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from segmint.engines.duckdb import Connection
from segmint.evaluate.batch.context import EVENTS, MEMBERS, PROFILES
from segmint.evaluate.batch.walk import profile_paths
from segmint.plan.nodes import Plan
from segmint.schema.model import Schema
from segmint.store.catalog import MergePolicy, Stitching
from segmint.store.profiles import identity_keys_sql, merged_profiles_sql, profile_key_sql
from segmint.store.tables import quote

#: The sampled profiles of an estimate (with ``population``, the count of all profiles), and
#: their identity keys.
SAMPLE = "seg_sample"
SAMPLE_KEYS = "seg_sample_keys"
#: Event columns that are the store's, not the event's.
_OWN = "identity_key, dataset, batch_id"


def universe_sql(policy: MergePolicy) -> str:
    """Every profile id under a merge policy: identity graphs, or single identities."""
    if policy.stitching is Stitching.NONE:
        return "SELECT identity_key AS profile_id FROM identities"
    return "SELECT DISTINCT profile_id FROM identity_profiles"


def needed_schema(profile_schema: Schema, plans: list[Plan]) -> Schema:
    """The profile schema cut down to the leaves some plan reads (with every leaf under an
    object read whole): merging the profile fragments is most of the cost of ``seg_profiles``,
    per leaf merged."""
    needed: set[str] = set()
    for plan in plans:
        paths = profile_paths(plan.root)
        if paths is None:
            return profile_schema
        needed |= paths
    kept = {
        path: kind
        for path, kind in profile_schema.fields.items()
        if any(_within(path.replace("[]", ""), prefix) for prefix in needed)
    }
    return Schema(profile_schema.schema_class, kept)


def _within(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + ".")


def prepare(
    con: Connection,
    profile_schema: Schema,
    policy: MergePolicy,
    as_of: datetime,
    sample: int | None = None,
    members: Collection[str] | None = None,
) -> None:
    """(Re)create the job relations for one merge policy at ``as_of``; with ``sample``, for a
    repeatable random sample of that many profiles (estimates and previews). ``seg_members``
    holds the stored members of the segments ``members`` names (ids or names; None: all), and
    only profiles of ``seg_profiles``, so a query may return its ids as they are."""
    cutoff = as_of.isoformat(sep=" ")  # a view takes no parameters; an ISO instant is safe
    events = (
        f"SELECT {profile_key_sql(policy, 'e')} AS profile_id, e.* EXCLUDE ({_OWN}) FROM events e"
    )
    universe, keys = universe_sql(policy), None
    if sample is not None:
        # the same sample every time: the profiles first in a hash order (with how many
        # profiles there are in all, counted in the same pass)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {SAMPLE} AS SELECT profile_id, count(*) OVER () "
            f"AS population FROM ({universe}) ORDER BY hash(profile_id), profile_id "
            f"LIMIT {int(sample)}"
        )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {SAMPLE_KEYS} AS {identity_keys_sql(policy, SAMPLE)}"
        )
        universe, keys = f"SELECT profile_id FROM {SAMPLE}", SAMPLE_KEYS
        events = (
            f"SELECT k.profile_id, e.* EXCLUDE ({_OWN}) "
            f"FROM events e JOIN {keys} k USING (identity_key)"
        )
    columns = "".join(f", m.{quote(name)}" for name in profile_schema.tree())
    merged = (
        f"LEFT JOIN ({merged_profiles_sql(profile_schema, policy, keys=keys)}) m USING (profile_id)"
        if columns
        else ""
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {PROFILES} AS SELECT u.profile_id{columns} "
        f"FROM ({universe}) u {merged}"
    )
    upto = f"e.timestamp <= TIMESTAMP '{cutoff}'"
    con.execute(f"CREATE OR REPLACE TEMP VIEW {EVENTS} AS {events} WHERE {upto}")
    chosen = "" if members is None else "AND list_has_any([s.id, s.name], $chosen::VARCHAR[])"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {MEMBERS} AS
        SELECT unnest([s.id, s.name]) AS segment, m.profile_id
        FROM memberships m JOIN segments s ON s.id = m.segment_id
        WHERE m.status = 'realized' {chosen}
          AND m.profile_id IN (SELECT profile_id FROM {PROFILES})
        """,
        {} if members is None else {"chosen": sorted(members)},
    )


def publish(con: Connection, segment_id: str, name: str, results: str) -> None:
    """Make a segment's fresh results (its rows of ``results``: ``segment_id``,
    ``profile_id``) what later segments of the job see for inSegment."""
    con.execute(f"DELETE FROM {MEMBERS} WHERE segment IN (?, ?)", [segment_id, name])
    con.execute(
        f"INSERT INTO {MEMBERS} SELECT unnest([?, ?]), profile_id FROM {results} "
        "WHERE segment_id = ?",
        [segment_id, name, segment_id],
    )
