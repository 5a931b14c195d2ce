"""The segment service: what the CLI and the REST API call to define, check and evaluate
segments. Definitions are validated against the sandbox's schemas and reference graph before
they are stored; jobs evaluate definitions in dependency order and write the membership ledger.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlglot.expressions as sge

from segmint.engines.duckdb import Connection
from segmint.errors import NotFoundError, PQLError, did_you_mean
from segmint.evaluate.batch import sources
from segmint.evaluate.batch.compiler import Compiler
from segmint.evaluate.batch.context import AGGREGATES
from segmint.evaluate.explain import Explanation, explain
from segmint.evaluate.reference import ProfileData
from segmint.membership import estimate as estimates
from segmint.membership import ledger
from segmint.plan.bind import bind
from segmint.plan.dependencies import evaluation_order, reference_order
from segmint.plan.nodes import Plan
from segmint.pql import parse
from segmint.schema.model import SchemaClass
from segmint.store import catalog, definitions, profiles
from segmint.store.catalog import MergePolicy, now
from segmint.store.definitions import Segment, SegmentSpec
from segmint.store.identities import parse_identity

#: Reports progress of a job: (segment name, segments done, segments in the job).
Progress = Callable[[str, int, int], None]
#: A job's results: (segment_id, profile_id) of every qualifying profile.
_RESULTS = "seg_job_results"


def compile_pql(con: Connection, pql: str) -> Plan:
    """Parse and bind a definition against the sandbox's schemas (errors quote the text)."""
    profile = catalog.schema(con, SchemaClass.PROFILE)
    event = catalog.schema(con, SchemaClass.EVENT)
    return bind(parse(pql), profile, event, source=pql)


def checker(con: Connection, replacing: Segment | None = None) -> definitions.Check:
    """The check every stored definition passes: it binds, its references exist, no cycle."""

    def check(spec: SegmentSpec) -> frozenset[str]:
        plan = compile_pql(con, spec.pql)
        others = [
            s for s in definitions.all_segments(con) if replacing is None or s.id != replacing.id
        ]
        known = {s.id for s in others} | {s.name for s in others}
        for ref in sorted(plan.segments):
            if ref not in known and ref != spec.name:
                raise PQLError(
                    f'inSegment("{ref}") names no segment',
                    hint=did_you_mean(ref, [s.name for s in others]) or "create that segment first",
                )
        if spec.merge_policy is not None:
            catalog.merge_policy(con, spec.merge_policy)
        key = replacing.id if replacing is not None else "(new)"
        references = {s.id: s.refs for s in others} | {key: plan.segments}
        reference_order(references, _aliases(others, key, spec.name))
        return plan.segments

    return check


def _aliases(segments: Iterable[Segment], new_key: str, new_name: str) -> dict[str, str]:
    aliases = {segment.name: segment.id for segment in segments}
    aliases[new_name] = new_key
    return aliases


def create(con: Connection, spec: SegmentSpec) -> Segment:
    return definitions.create(con, spec, checker(con))


def update(con: Connection, name_or_id: str, spec: SegmentSpec) -> Segment:
    current = definitions.find(con, name_or_id)
    return definitions.update(con, current, spec, checker(con, current))


def apply(con: Connection, specs: list[SegmentSpec]) -> list[tuple[str, str]]:
    """Create or update many definitions at once (definitions as code)."""
    outcome: list[tuple[str, str]] = []
    for spec in specs:
        current = next((s for s in definitions.all_segments(con) if s.name == spec.name), None)
        if current is None:
            create(con, spec)
            outcome.append((spec.name, "created"))
        elif current.spec == spec:
            outcome.append((spec.name, "unchanged"))
        else:
            definitions.update(con, current, spec, checker(con, current))
            outcome.append((spec.name, "updated"))
    return outcome


@dataclass
class SegmentMetrics:
    segment_id: str
    name: str
    qualified: int
    entered: int
    exited: int
    seconds: float


@dataclass
class JobReport:
    id: str
    as_of: datetime
    segments: list[SegmentMetrics] = field(default_factory=list)
    seconds: float = 0.0


def segment_sql(con: Connection, segment: Segment, as_of: datetime) -> sge.Select:
    """The query that selects a segment's members, as the job runs it."""
    compiler = _compiler(con, as_of)
    return compiler.segment_query(compile_pql(con, segment.spec.pql))


def _compiler(con: Connection, as_of: datetime) -> Compiler:
    return Compiler(
        as_of, catalog.schema(con, SchemaClass.PROFILE), catalog.schema(con, SchemaClass.EVENT)
    )


def evaluate(
    con: Connection,
    names: list[str] | None,
    as_of: datetime | None = None,
    progress: Progress | None = None,
    *,
    source: str = "cli",
) -> JobReport:
    """Run a segment job: the named segments (all published ones when None), in dependency
    order, each segment's members collected in one job result relation, then the ledger
    written from it in one set-based pass; the caller wraps it in a transaction. ``source``:
    what asked for the job (``cli`` or ``api``), as its record says."""
    as_of = as_of or datetime.now(UTC).replace(tzinfo=None)
    ledger.refuse_future(
        as_of,
        "the segment job's as-of",
        "evaluate at an instant up to now; `segmint estimate` and `segmint preview` (POST "
        "/preview) show who would qualify later, without recording it",
    )
    everything = definitions.all_segments(con)
    known = {key: s for s in everything for key in (s.id, s.name)}
    chosen = (
        [s for s in everything if s.spec.lifecycle == definitions.Lifecycle.PUBLISHED]
        if names is None
        else [known.get(name) or definitions.find(con, name) for name in names]
    )
    if not chosen:
        raise NotFoundError(
            "no segments to evaluate", hint="create one with `segmint segment create`"
        )
    profile = catalog.schema(con, SchemaClass.PROFILE)
    event = catalog.schema(con, SchemaClass.EVENT)
    plans = {s.id: bind(parse(s.spec.pql), profile, event, source=s.spec.pql) for s in chosen}
    by_id = {segment.id: segment for segment in chosen}
    order = evaluation_order(plans, {segment.name: segment.id for segment in chosen})
    report = JobReport(str(uuid.uuid4()), as_of)
    started = time.perf_counter()
    compiler = Compiler(as_of, profile, event)
    profile_schema = sources.needed_schema(profile, list(plans.values()))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {_RESULTS} (segment_id VARCHAR, profile_id BIGINT)")
    referenced = frozenset().union(*(plan.segments for plan in plans.values()))
    # Segments of this job are published as they are evaluated: only others' stored members.
    stored = referenced - {key for segment in chosen for key in (segment.id, segment.name)}
    policies: dict[str | None, MergePolicy] = {}  # looked up once per name in a job
    shared = compiler.grouped.share(list(plans.values()))
    prepared: str | None = None
    done: list[Segment] = []
    for segment_id in order:
        segment = by_id[segment_id]
        if progress:
            progress(segment.name, len(done), len(order))
        name = segment.spec.merge_policy
        if name not in policies:
            policies[name] = catalog.merge_policy(con, name)
        policy = policies[name]
        if policy.name != prepared:
            sources.prepare(con, profile_schema, policy, as_of, members=stored)
            if shared is not None:
                con.execute(f"CREATE OR REPLACE TEMP TABLE {AGGREGATES} AS {shared.sql('duckdb')}")
            for earlier in done:  # this job's results, not the stored ledger, for inSegment
                _publish(con, earlier, referenced)
            prepared = policy.name
        report.segments.append(_run_one(con, compiler, segment, plans[segment_id]))
        _publish(con, segment, referenced)
        done.append(segment)
    versions = {segment.id: segment.version for segment in done}
    moved = ledger.record_job(con, versions, _RESULTS, as_of, report.id)
    for metrics in report.segments:
        transitions = moved[metrics.segment_id]
        metrics.qualified, metrics.entered = transitions.qualified, transitions.entered
        metrics.exited = transitions.exited
    con.execute(f"DROP TABLE {_RESULTS}")
    con.execute(f"DROP TABLE IF EXISTS {AGGREGATES}")
    report.seconds = time.perf_counter() - started
    _record_job(con, report, source)
    return report


def _run_one(con: Connection, compiler: Compiler, segment: Segment, plan: Plan) -> SegmentMetrics:
    """Evaluate one segment into the job's results; the ledger counts come later, from the
    job's one ledger write."""
    started = time.perf_counter()
    query = compiler.segment_query(plan).sql("duckdb")
    con.execute(f"INSERT INTO {_RESULTS} SELECT ?, profile_id FROM ({query})", [segment.id])
    return SegmentMetrics(segment.id, segment.name, 0, 0, 0, time.perf_counter() - started)


def _publish(con: Connection, segment: Segment, referenced: frozenset[str]) -> None:
    """This job's members of a segment for the job's later ``inSegment``, if one refers to it."""
    if segment.id in referenced or segment.name in referenced:
        sources.publish(con, segment.id, segment.name, _RESULTS)


def _record_job(con: Connection, report: JobReport, source: str) -> None:
    metrics = [
        {"segmentId": m.segment_id, "name": m.name, "qualified": m.qualified,
         "entered": m.entered, "exited": m.exited, "seconds": round(m.seconds, 4)}
        for m in report.segments
    ]  # fmt: skip
    con.execute(
        "INSERT INTO jobs VALUES (?, 'SUCCEEDED', ?, ?, ?, ?, NULL, ?, ?)",
        [
            report.id,
            source,
            report.as_of,
            json.dumps([m.segment_id for m in report.segments]),
            json.dumps({"segments": metrics, "totalSeconds": round(report.seconds, 4)}),
            now(),
            now(),
        ],
    )


def profile_data(con: Connection, identity: str, merge_policy: str | None = None) -> ProfileData:
    """The merged profile, events and realized segments of an identity, as evaluators see them."""
    policy = catalog.merge_policy(con, merge_policy)
    schema = catalog.schema(con, SchemaClass.PROFILE)
    state = profiles.profile_state(con, schema, policy, *parse_identity(identity))
    return ProfileData(state.attributes, state.events, state.realized)


def _definition(con: Connection, segment_or_pql: str) -> tuple[Plan, MergePolicy]:
    """A stored segment by name or id, or else PQL text, with the merge policy to use."""
    try:
        segment = definitions.find(con, segment_or_pql)
    except NotFoundError:
        return compile_pql(con, segment_or_pql), catalog.merge_policy(con, None)
    plan = compile_pql(con, segment.spec.pql)
    return plan, catalog.merge_policy(con, segment.spec.merge_policy)


def estimate_size(
    con: Connection, segment_or_pql: str, as_of: datetime, sample: int = estimates.DEFAULT_SAMPLE
) -> estimates.Estimate:
    """How many profiles qualify, estimated from a sample with a 95% interval."""
    plan, policy = _definition(con, segment_or_pql)
    schema = sources.needed_schema(catalog.schema(con, SchemaClass.PROFILE), [plan])
    return estimates.estimate(con, _compiler(con, as_of), plan, schema, policy, sample)


def preview(
    con: Connection, segment_or_pql: str, as_of: datetime, limit: int = 20
) -> list[dict[str, object]]:
    """Some qualifying profiles, from the estimate's sample."""
    plan, policy = _definition(con, segment_or_pql)
    schema = catalog.schema(con, SchemaClass.PROFILE)
    return estimates.preview(con, _compiler(con, as_of), plan, schema, policy, limit)


def explain_profile(
    con: Connection, segment_name: str, identity: str, as_of: datetime
) -> Explanation:
    """Why a profile is in or out of a segment at as_of, clause by clause."""
    segment = definitions.find(con, segment_name)
    plan = compile_pql(con, segment.spec.pql)
    return explain(plan, profile_data(con, identity, segment.spec.merge_policy), as_of)


def jobs(con: Connection, start: int = 0, limit: int | None = None) -> list[dict[str, Any]]:
    """The sandbox's segment jobs, newest first, with their metrics: ``limit`` of them (None:
    all) from the ``start``-th."""
    rows = con.execute(
        "SELECT id, status, source, as_of, segments, metrics, created_at, finished_at FROM jobs "
        "ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
        [limit, start],
    ).fetchall()
    return [_job(row) for row in rows]


def job(con: Connection, job_id: str) -> dict[str, Any]:
    row = con.execute(
        "SELECT id, status, source, as_of, segments, metrics, created_at, finished_at FROM jobs "
        "WHERE id = ?",
        [job_id],
    ).fetchone()
    if row is None:
        raise NotFoundError(f'no segment job "{job_id}"', hint="list jobs with `segmint jobs list`")
    return _job(row)


def _job(row: tuple[Any, ...]) -> dict[str, Any]:
    keys = ("id", "status", "source", "asOf", "segments", "metrics", "createdAt", "finishedAt")
    record = dict(zip(keys, row, strict=True))
    record["segments"], record["metrics"] = json.loads(row[4]), json.loads(row[5])
    return record


def audiences(con: Connection) -> list[dict[str, Any]]:
    """Per segment: members by status now, and entries and exits per evaluation time."""
    counts = {
        segment_id: {"realized": realized, "existing": existing, "exited": exited}
        for segment_id, realized, existing, exited in con.execute(
            "SELECT segment_id,"
            " count(*) FILTER (WHERE status = 'realized' AND entered_at = last_qualification_time),"
            " count(*) FILTER (WHERE status = 'realized' AND entered_at < last_qualification_time),"
            " count(*) FILTER (WHERE status = 'exited') FROM memberships GROUP BY segment_id"
        ).fetchall()
    }
    history: dict[str, list[dict[str, Any]]] = {}
    for segment_id, at, entered, exited in con.execute(
        "SELECT segment_id, changed_at, count(*) FILTER (WHERE status = 'realized'),"
        " count(*) FILTER (WHERE status = 'exited') FROM membership_history"
        " GROUP BY segment_id, changed_at ORDER BY changed_at"
    ).fetchall():
        history.setdefault(segment_id, []).append({"at": at, "entered": entered, "exited": exited})
    empty = {"realized": 0, "existing": 0, "exited": 0}
    return [
        {
            "id": segment.id,
            "name": segment.name,
            "lifecycleState": str(segment.spec.lifecycle),
            "counts": counts.get(segment.id, empty),
            "history": history.get(segment.id, []),
        }
        for segment in definitions.all_segments(con)
    ]
