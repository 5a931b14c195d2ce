"""Who an instance is about at a cutoff, and what counts as its goal: the goal condition
compiled to SQL over one event row, and the eligible profiles (history before the cutoff, and
the eligibility segment's members when one is given)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa

from segmint import segments
from segmint.ai.instances import Instance, PropensityType, goal_condition
from segmint.engines.duckdb import Connection, query_arrow
from segmint.evaluate.batch import sources
from segmint.evaluate.batch.compiler import Compiler
from segmint.evaluate.batch.context import row
from segmint.schema.model import SchemaClass
from segmint.store import catalog
from segmint.store.catalog import MergePolicy
from segmint.store.profiles import profile_key_sql

#: The column of ``event_rows_sql`` that says whether an event is a goal event.
GOAL_FLAG = "goal"
POPULATION = "ai_population"
_ROW = "e"


def goal_sql(con: Connection, instance: Instance, cutoff: datetime) -> str:
    """The goal as a SQL predicate over a row ``e`` of the events table (never NULL)."""
    var, condition = goal_condition(con, instance.goal)
    compiler = Compiler(
        cutoff,
        catalog.schema(con, SchemaClass.PROFILE),
        catalog.schema(con, SchemaClass.EVENT),
    )
    with compiler.bound(var, row(_ROW)):
        return compiler.predicate(condition).sql("duckdb")


def event_rows_sql(policy: MergePolicy, goal: str, where: str, has_amount: bool) -> str:
    """Events as (profile_id, ts, type, amount, goal) rows, filtered by ``where`` on ``e``."""
    return _rows_sql(f"{profile_key_sql(policy, _ROW)} AS profile_id", goal, where, has_amount)


def keyed_rows_sql(goal: str, where: str, has_amount: bool) -> str:
    """``event_rows_sql`` with each event's ``identity_key`` in place of its profile: for a
    join with ``store.profiles.identity_keys_sql``, which maps only the keys of the profiles
    wanted."""
    return _rows_sql(f"{_ROW}.identity_key", goal, where, has_amount)


def _rows_sql(key: str, goal: str, where: str, has_amount: bool) -> str:
    amount = 'e.commerce."order".priceTotal' if has_amount else "NULL"
    return (
        f"SELECT {key}, e.timestamp AS ts, e.eventType AS type, CAST({amount} AS DOUBLE) AS "
        f"amount, ({goal}) AS {GOAL_FLAG} FROM events {_ROW} WHERE {where}"
    )


def prepare(con: Connection, instance: Instance, policy: MergePolicy, cutoff: datetime) -> str:
    """Create the ``ai_population`` relation: eligible profile ids at ``cutoff``."""
    history = (
        f"SELECT DISTINCT {profile_key_sql(policy, _ROW)} AS profile_id FROM events {_ROW} "
        f"WHERE {_ROW}.timestamp <= {timestamp_sql(cutoff)}"
    )
    members = _members_sql(con, instance, policy, cutoff)
    query = (
        history if members is None else f"SELECT profile_id FROM ({members}) INTERSECT {history}"
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE {POPULATION} AS {query}")
    return POPULATION


def _members_sql(
    con: Connection, instance: Instance, policy: MergePolicy, cutoff: datetime
) -> str | None:
    """The members of the eligibility segment at ``cutoff`` (None: no eligibility)."""
    if instance.eligibility is None:
        return None
    plan = segments.compile_pql(con, instance.eligibility)
    profile = catalog.schema(con, SchemaClass.PROFILE)
    sources.prepare(con, profile, policy, cutoff)
    members = Compiler(cutoff, profile, catalog.schema(con, SchemaClass.EVENT)).segment_query(plan)
    return str(members.sql("duckdb"))


def eligible(
    con: Connection, instance: Instance, policy: MergePolicy, cutoff: datetime, history: History
) -> np.ndarray:
    """Profile ids eligible at ``cutoff``, ascending: with an event up to it, and members of the
    eligibility segment then when there is one."""
    ids = history.ids[history.first <= np.datetime64(cutoff, "us")]
    members = _members_sql(con, instance, policy, cutoff)
    if members is None:
        return ids
    found = con.execute(f"SELECT DISTINCT profile_id FROM ({members})").fetchnumpy()
    return np.intersect1d(ids, np.asarray(found["profile_id"], dtype=np.int64))


@dataclass(frozen=True)
class History:
    """Per profile with an event up to the last cutoff's window end: when its first event was,
    and for each cutoff whether it reached the goal in the window after it."""

    ids: np.ndarray  # int64, ascending
    first: np.ndarray  # datetime64[us]
    reached: np.ndarray  # bool (profiles x cutoffs)

    def reached_at(self, cut: int) -> np.ndarray:
        """Profiles with a goal event in the window after the ``cut``-th cutoff."""
        found: np.ndarray = self.ids[self.reached[:, cut]]
        return found


def history(
    con: Connection, policy: MergePolicy, goal: str, cutoffs: list[datetime], window_days: int
) -> History:
    """Each profile's first event, and its goal events in each cutoff's window ``(cutoff,
    cutoff + window]`` and only there, for all cutoffs at once: first events grouped by
    identity before mapping the few rows per identity to profiles, and goal events alone."""
    ends = [cutoff + timedelta(days=window_days) for cutoff in cutoffs]
    con.complete()  # lookups before (schemas, segments) may leave a result open
    firsts = query_arrow(
        con,
        f"SELECT {profile_key_sql(policy, 'k')} AS profile_id, min(k.first) AS first "
        f"FROM (SELECT e.identity_key, min(e.timestamp) AS first FROM events e "
        f"WHERE e.timestamp <= {timestamp_sql(max(ends))} GROUP BY 1) k GROUP BY 1 ORDER BY 1",
    )
    ids = firsts.column("profile_id").to_numpy().astype(np.int64)
    windows = ", ".join(
        f"bool_or(ts > {timestamp_sql(start)} AND ts <= {timestamp_sql(end)}) AS w{index}"
        for index, (start, end) in enumerate(zip(cutoffs, ends, strict=True))
    )
    span = (
        f"e.timestamp > {timestamp_sql(min(cutoffs))} AND e.timestamp <= {timestamp_sql(max(ends))}"
    )
    goals = query_arrow(
        con,
        f"SELECT profile_id, {windows} FROM ({event_rows_sql(policy, goal, span, False)}) "
        f"WHERE {GOAL_FLAG} GROUP BY 1",
    )
    rows = np.searchsorted(ids, goals.column("profile_id").to_numpy())  # each had a first event
    reached = np.zeros((len(ids), len(cutoffs)), dtype=bool)
    for index in range(len(cutoffs)):
        reached[rows, index] = goals.column(f"w{index}").to_numpy(zero_copy_only=False)
    first = firsts.column("first").cast(pa.timestamp("us")).to_numpy(zero_copy_only=False)
    return History(ids, first, reached)


def timestamp_sql(moment: datetime) -> str:
    """A moment as a SQL timestamp literal, for queries built as text."""
    return f"TIMESTAMP '{moment.isoformat(sep=' ')}'"


def labels(instance: Instance, profile_ids: np.ndarray, reached: np.ndarray) -> np.ndarray:
    """1 where the instance's outcome happened: a goal event (conversion) or none (churn)."""
    converted = np.isin(profile_ids, reached)
    outcome = ~converted if instance.type is PropensityType.CHURN else converted
    return outcome.astype(np.int8)
