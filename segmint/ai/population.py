"""Who an instance is about at a cutoff, and what counts as its goal: the goal condition
compiled to SQL over one event row, and the eligible profiles (history before the cutoff, and
the eligibility segment's members when one is given)."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pyarrow as pa

from segmint import segments
from segmint.ai.instances import Instance, PropensityType, goal_condition
from segmint.engines.duckdb import Connection
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
SAMPLE = "ai_sample"
EVENTS = "ai_events"
_SAMPLE_IDS = "ai_sample_ids"
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
    amount = 'e.commerce."order".priceTotal' if has_amount else "NULL"
    return (
        f"SELECT {profile_key_sql(policy, _ROW)} AS profile_id, e.timestamp AS ts, "
        f"e.eventType AS type, CAST({amount} AS DOUBLE) AS amount, ({goal}) AS {GOAL_FLAG} "
        f"FROM events {_ROW} WHERE {where}"
    )


def stage_events(
    con: Connection, policy: MergePolicy, goal: str, until: datetime, has_amount: bool
) -> str:
    """Create the ``ai_events`` relation: the rows of ``event_rows_sql`` up to ``until``, each
    event's profile resolved once for the several cutoffs of a training run to share."""
    rows = event_rows_sql(policy, goal, f"e.timestamp <= {_ts(until)}", has_amount)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {EVENTS} AS {rows}")
    return EVENTS


def prepare(
    con: Connection,
    instance: Instance,
    policy: MergePolicy,
    cutoff: datetime,
    events: str | None = None,
) -> str:
    """Create the ``ai_population`` relation: eligible profile ids at ``cutoff`` (read from the
    staged ``events`` when given)."""
    history = (
        f"SELECT DISTINCT profile_id FROM {events} WHERE ts <= {_ts(cutoff)}"
        if events
        else f"SELECT DISTINCT {profile_key_sql(policy, _ROW)} AS profile_id FROM events {_ROW} "
        f"WHERE {_ROW}.timestamp <= {_ts(cutoff)}"
    )
    if instance.eligibility is None:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {POPULATION} AS {history}")
        return POPULATION
    plan = segments.compile_pql(con, instance.eligibility)
    profile = catalog.schema(con, SchemaClass.PROFILE)
    sources.prepare(con, profile, policy, cutoff)
    members = Compiler(cutoff, profile, catalog.schema(con, SchemaClass.EVENT)).segment_query(plan)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {POPULATION} AS "
        f"SELECT profile_id FROM ({members.sql('duckdb')}) INTERSECT {history}"
    )
    return POPULATION


def profile_ids(con: Connection, relation: str) -> np.ndarray:
    """The profile ids of a relation, ascending."""
    found = con.execute(f"SELECT profile_id FROM {relation} ORDER BY profile_id").fetchnumpy()
    return np.asarray(found["profile_id"], dtype=np.int64)


def restrict(con: Connection, ids: np.ndarray) -> str:
    """Create the ``ai_sample`` relation holding exactly ``ids``."""
    con.register(_SAMPLE_IDS, pa.table({"profile_id": pa.array(ids, pa.int64())}))
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {SAMPLE} AS SELECT * FROM {_SAMPLE_IDS}")
    finally:
        con.unregister(_SAMPLE_IDS)
    return SAMPLE


def goal_reached(
    con: Connection,
    policy: MergePolicy,
    goal: str,
    start: datetime,
    end: datetime,
    events: str | None = None,
) -> np.ndarray:
    """Profiles with a goal event in ``(start, end]``: the labels' window, and only it (read
    from the staged ``events`` when given, whose goal flag is ``goal``)."""
    query = (
        f"SELECT DISTINCT profile_id FROM {events} "
        f"WHERE ts > {_ts(start)} AND ts <= {_ts(end)} AND {GOAL_FLAG}"
        if events
        else f"SELECT DISTINCT {profile_key_sql(policy, _ROW)} AS profile_id FROM events {_ROW} "
        f"WHERE {_ROW}.timestamp > {_ts(start)} AND {_ROW}.timestamp <= {_ts(end)} AND ({goal})"
    )
    found = con.execute(query).fetchnumpy()
    return np.asarray(found["profile_id"], dtype=np.int64)


def _ts(moment: datetime) -> str:
    return f"TIMESTAMP '{moment.isoformat(sep=' ')}'"


def labels(instance: Instance, profile_ids: np.ndarray, reached: np.ndarray) -> np.ndarray:
    """1 where the instance's outcome happened: a goal event (conversion) or none (churn)."""
    converted = np.isin(profile_ids, reached)
    outcome = ~converted if instance.type is PropensityType.CHURN else converted
    return outcome.astype(np.int8)
