"""Who an instance is about at a cutoff, and what counts as its goal: the goal condition
compiled to SQL over one event row, and the eligible profiles (history before the cutoff, and
the eligibility segment's members when one is given)."""

from __future__ import annotations

from datetime import datetime

import numpy as np

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


def prepare(con: Connection, instance: Instance, policy: MergePolicy, cutoff: datetime) -> str:
    """Create the ``ai_population`` relation: eligible profile ids at ``cutoff``."""
    history = (
        f"SELECT DISTINCT {profile_key_sql(policy, _ROW)} AS profile_id FROM events {_ROW} "
        f"WHERE {_ROW}.timestamp <= TIMESTAMP '{cutoff.isoformat(sep=' ')}'"
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


def goal_reached(
    con: Connection, policy: MergePolicy, goal: str, start: datetime, end: datetime
) -> np.ndarray:
    """Profiles with a goal event in ``(start, end]``: the labels' window, and only it."""
    where = (
        f"e.timestamp > TIMESTAMP '{start.isoformat(sep=' ')}' "
        f"AND e.timestamp <= TIMESTAMP '{end.isoformat(sep=' ')}' AND ({goal})"
    )
    found = con.execute(
        f"SELECT DISTINCT {profile_key_sql(policy, _ROW)} AS profile_id FROM events {_ROW} "
        f"WHERE {where}"
    ).fetchnumpy()
    return np.asarray(found["profile_id"], dtype=np.int64)


def labels(instance: Instance, profile_ids: np.ndarray, reached: np.ndarray) -> np.ndarray:
    """1 where the instance's outcome happened: a goal event (conversion) or none (churn)."""
    converted = np.isin(profile_ids, reached)
    outcome = ~converted if instance.type is PropensityType.CHURN else converted
    return outcome.astype(np.int8)
