"""Audience size estimates and previews: the compiled definition run on a repeatable random
sample of profiles, so the answer comes in well under a second even for millions of profiles.

The interval is Wilson's score interval for a proportion with the finite-population correction:
it stays inside [0, N], is honest for rare audiences, and collapses to the exact count when the
sample is the whole population.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from segmint.engines.duckdb import Connection
from segmint.evaluate.batch import sources
from segmint.evaluate.batch.compiler import Compiler
from segmint.evaluate.batch.context import PROFILES
from segmint.plan.nodes import Plan
from segmint.schema.model import Schema
from segmint.store.catalog import MergePolicy
from segmint.store.identities import display_identity_sql

DEFAULT_SAMPLE = 20_000
_Z95 = 1.959963984540054


@dataclass(frozen=True)
class Estimate:
    estimated: int
    low: int
    high: int
    matched: int
    sampled: int
    population: int
    seconds: float

    @property
    def exact(self) -> bool:
        return self.sampled == self.population


def interval(matched: int, sampled: int, population: int) -> tuple[int, int, int]:
    """(estimate, low, high) of the audience size at 95% confidence."""
    if sampled == 0:
        return 0, 0, 0
    share = matched / sampled
    if sampled >= population:
        return matched, matched, matched
    correction = (population - sampled) / (population - 1)
    z2 = _Z95 * _Z95 * correction
    centre = (share + z2 / (2 * sampled)) / (1 + z2 / sampled)
    spread = math.sqrt(share * (1 - share) / sampled + z2 / (4 * sampled * sampled))
    half = _Z95 * math.sqrt(correction) * spread / (1 + z2 / sampled)
    low = max(matched, math.floor((centre - half) * population))
    high = min(population - (sampled - matched), math.ceil((centre + half) * population))
    return round(share * population), low, high


def _sampled(
    con: Connection, schema: Schema, policy: MergePolicy, as_of: datetime, sample: int
) -> tuple[int, int]:
    """Prepare sampled job relations; returns (profiles sampled, profiles in total)."""
    sources.prepare(con, schema, policy, as_of, sample=sample)
    row = con.execute(
        f"SELECT count(*), coalesce(max(population), 0) FROM {sources.SAMPLE}"
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def estimate(
    con: Connection,
    compiler: Compiler,
    plan: Plan,
    schema: Schema,
    policy: MergePolicy,
    sample: int = DEFAULT_SAMPLE,
) -> Estimate:
    started = time.perf_counter()
    sampled, population = _sampled(con, schema, policy, compiler.as_of, sample)
    query = compiler.segment_query(plan).sql("duckdb")
    row = con.execute(f"SELECT count(*) FROM ({query})").fetchone()
    matched = int(row[0]) if row else 0
    estimated, low, high = interval(matched, sampled, population)
    seconds = time.perf_counter() - started
    return Estimate(estimated, low, high, matched, sampled, population, seconds)


def preview(
    con: Connection,
    compiler: Compiler,
    plan: Plan,
    schema: Schema,
    policy: MergePolicy,
    limit: int = 20,
    sample: int = DEFAULT_SAMPLE,
) -> list[dict[str, Any]]:
    """Qualifying profiles from the sample, with the attributes a marketer looks at first."""
    _sampled(con, schema, policy, compiler.as_of, sample)
    query = compiler.segment_query(plan).sql("duckdb")
    rows = con.execute(
        f"""
        SELECT q.profile_id,
               {display_identity_sql("q.profile_id")},
               p.person.name.firstName, p.person.name.lastName, p.homeAddress.countryCode,
               p.loyalty.tier,
               (SELECT count(*) FROM seg_events e WHERE e.profile_id = q.profile_id)
        FROM ({query}) q JOIN {PROFILES} p USING (profile_id)
        ORDER BY q.profile_id LIMIT ?
        """,
        [limit],
    ).fetchall()
    keys = ("profileId", "identity", "firstName", "lastName", "country", "loyaltyTier", "events")
    return [dict(zip(keys, row, strict=True)) for row in rows]
