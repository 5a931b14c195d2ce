"""The relations a job's compiled segments read, set up once per job and merge policy:
``seg_profiles`` (materialised: every profile with its merged attributes), ``seg_events`` (a
view: events up to as_of with their profile) and ``seg_members`` (who is realized where)."""

from __future__ import annotations

from datetime import datetime

from segmint.engines.duckdb import Connection
from segmint.evaluate.batch.context import EVENTS, MEMBERS, PROFILES
from segmint.schema.model import Schema
from segmint.store.catalog import MergePolicy, Stitching
from segmint.store.profiles import merged_profiles_sql, profile_key_sql
from segmint.store.tables import quote


def prepare(con: Connection, profile_schema: Schema, policy: MergePolicy, as_of: datetime) -> None:
    """(Re)create the job relations for one merge policy at ``as_of``."""
    universe = (
        "SELECT identity_key AS profile_id FROM identities"
        if policy.stitching is Stitching.NONE
        else "SELECT DISTINCT profile_id FROM identity_profiles"
    )
    columns = ", ".join(f"m.{quote(name)}" for name in profile_schema.tree())
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {PROFILES} AS
        SELECT u.profile_id, {columns}
        FROM ({universe}) u LEFT JOIN ({merged_profiles_sql(profile_schema, policy)}) m
          ON m.profile_id = u.profile_id
        """
    )
    cutoff = as_of.isoformat(sep=" ")  # a view takes no parameters; an ISO instant is safe
    con.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW {EVENTS} AS
        SELECT {profile_key_sql(policy, "e")} AS profile_id,
               e.* EXCLUDE (identity_key, dataset, batch_id)
        FROM events e WHERE e.timestamp <= TIMESTAMP '{cutoff}'
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {MEMBERS} AS
        SELECT unnest([s.id, s.name]) AS segment, m.profile_id
        FROM memberships m JOIN segments s ON s.id = m.segment_id
        WHERE m.status = 'realized'
        """
    )


def publish(con: Connection, segment_id: str, name: str, results: str) -> None:
    """Make a segment's fresh results what later segments of the job see for inSegment."""
    con.execute(f"DELETE FROM {MEMBERS} WHERE segment IN (?, ?)", [segment_id, name])
    con.execute(
        f"INSERT INTO {MEMBERS} SELECT ?, profile_id FROM {results} "
        f"UNION ALL SELECT ?, profile_id FROM {results}",
        [segment_id, name],
    )
