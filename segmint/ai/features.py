"""Point-in-time features: one SQL pass over the events up to a cutoff gives each profile its
recency, frequency, monetary value, per-type counts, trend, tenure and rhythm, plus profile
attributes. Nothing after the cutoff is read, so training rows never see their own future."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from segmint.ai.population import GOAL_FLAG, event_rows_sql
from segmint.engines.duckdb import Connection, query_arrow
from segmint.schema.fields import FieldType
from segmint.schema.model import Schema, SchemaClass
from segmint.store import catalog
from segmint.store.catalog import MergePolicy
from segmint.store.profiles import merged_profiles_sql
from segmint.store.tables import quote

WINDOWS = (7, 30, 90, 180)
TYPE_WINDOWS = (30, 90)
TREND_DAYS = 30
MAX_EVENT_TYPES = 20
MAX_CATEGORIES = 50
DEFAULT_ATTRIBUTES = ("homeAddress.countryCode", "loyalty.tier")
AMOUNT_FIELD = "commerce.order.priceTotal"


class Kind(StrEnum):
    """What a feature measures; explanations word each kind for a marketer."""

    RECENCY = "recency"  # days since the last event of a subject (None: ever)
    COUNT = "count"  # events of a subject in the last ``days`` (None: ever)
    SPEND = "spend"  # sum of order totals in the last ``days`` (None: ever)
    TREND = "trend"  # events in the last ``days`` minus the ``days`` before
    TENURE = "tenure"  # days since the first event
    GAP = "gap"  # mean days between events
    ATTRIBUTE = "attribute"  # a numeric profile attribute (dates as days before the cutoff)
    CATEGORY = "category"  # a string profile attribute


#: Subjects of event features besides event types.
ANY_EVENT = "*"
GOAL = "goal"


@dataclass(frozen=True)
class Feature:
    kind: Kind
    subject: str  # ANY_EVENT, GOAL, an event type, or a profile attribute path
    days: int | None = None

    @property
    def name(self) -> str:
        suffix = f":{self.days}d" if self.days is not None else ""
        return f"{self.kind}:{self.subject}{suffix}"


@dataclass(frozen=True)
class FeatureSpec:
    """Which features a model uses: fixed at training, reused unchanged when scoring."""

    event_types: tuple[str, ...]
    has_amount: bool
    attributes: dict[str, str]  # profile path -> field type
    categories: dict[str, list[str]] = field(default_factory=dict)  # path -> vocabulary

    def features(self) -> list[Feature]:
        found = [Feature(Kind.RECENCY, ANY_EVENT), Feature(Kind.RECENCY, GOAL)]
        found += [Feature(Kind.COUNT, ANY_EVENT, days) for days in WINDOWS]
        found += [Feature(Kind.COUNT, GOAL, days) for days in (*WINDOWS, None)]
        if self.has_amount:
            found += [Feature(Kind.SPEND, ANY_EVENT, days) for days in (*WINDOWS, None)]
        for event_type in self.event_types:
            found.append(Feature(Kind.RECENCY, event_type))
            found += [Feature(Kind.COUNT, event_type, days) for days in TYPE_WINDOWS]
        found += [
            Feature(Kind.TREND, ANY_EVENT, TREND_DAYS),
            Feature(Kind.TENURE, ANY_EVENT),
            Feature(Kind.GAP, ANY_EVENT),
        ]
        for path, field_type in self.attributes.items():
            kind = Kind.CATEGORY if field_type == FieldType.STRING else Kind.ATTRIBUTE
            found.append(Feature(kind, path))
        return found

    def to_json(self) -> dict[str, Any]:
        return {
            "eventTypes": list(self.event_types),
            "hasAmount": self.has_amount,
            "attributes": self.attributes,
            "categories": self.categories,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FeatureSpec:
        return cls(
            tuple(data["eventTypes"]), bool(data["hasAmount"]), dict(data["attributes"]),
            {k: list(v) for k, v in data["categories"].items()},
        )  # fmt: skip


@dataclass(frozen=True)
class FeatureMatrix:
    profile_ids: np.ndarray  # int64, one per row
    values: np.ndarray  # float64 (rows x features); NaN where missing
    features: list[Feature]
    raw: dict[str, np.ndarray]  # category columns as text, for explanations

    @property
    def rows(self) -> int:
        return int(self.profile_ids.shape[0])


def plan_spec(
    con: Connection, cutoff: datetime, goal_type: str | None, extra: tuple[str, ...]
) -> FeatureSpec:
    """The feature set for a sandbox: its frequent event types (but the goal's own, which the
    goal features already cover), order totals if the event schema has them, and the default
    plus user-named profile attributes."""
    events = catalog.schema(con, SchemaClass.EVENT)
    profile = catalog.schema(con, SchemaClass.PROFILE)
    types = con.execute(
        "SELECT eventType FROM events WHERE timestamp <= ? AND eventType IS NOT NULL "
        "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT ?",
        [cutoff, MAX_EVENT_TYPES],
    ).fetchall()
    paths = [p for p in DEFAULT_ATTRIBUTES if profile.leaf(p) is not None] + list(extra)
    attributes = {path: str(profile.fields[path]) for path in dict.fromkeys(paths)}
    return FeatureSpec(
        tuple(str(row[0]) for row in types if row[0] != goal_type),
        events.leaf(AMOUNT_FIELD) is not None,
        attributes,
    )


def with_vocabularies(spec: FeatureSpec, matrix: FeatureMatrix) -> FeatureSpec:
    """The spec with each category's most frequent values, learned from training rows."""
    categories: dict[str, list[str]] = {}
    for path, values in matrix.raw.items():
        counts = pc.value_counts(pa.array(values, pa.string()).drop_null())
        ranked = sorted(
            zip(
                counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True
            ),
            key=lambda pair: (-pair[1], pair[0]),
        )
        categories[path] = [str(value) for value, _ in ranked[:MAX_CATEGORIES]]
    return FeatureSpec(spec.event_types, spec.has_amount, spec.attributes, categories)


def encode(spec: FeatureSpec, matrix: FeatureMatrix) -> FeatureMatrix:
    """Category columns as vocabulary codes (unknown or missing: NaN), as LightGBM takes them."""
    values = matrix.values.copy()
    for index, feature in enumerate(matrix.features):
        if feature.kind is Kind.CATEGORY:
            vocabulary = pa.array(spec.categories.get(feature.subject, []), pa.string())
            codes = pc.index_in(pa.array(matrix.raw[feature.subject], pa.string()), vocabulary)
            values[:, index] = codes.to_numpy(zero_copy_only=False).astype(np.float64)
    return FeatureMatrix(matrix.profile_ids, values, matrix.features, matrix.raw)


def build(
    con: Connection,
    spec: FeatureSpec,
    policy: MergePolicy,
    goal_sql: str,
    cutoff: datetime,
    population: str,
) -> FeatureMatrix:
    """Features at ``cutoff`` for the profiles of the ``population`` relation (``profile_id``),
    from events with ``timestamp <= cutoff`` only. Category columns hold NaN until ``encode``."""
    features = spec.features()
    expressions = [_event_expression(f, cutoff) for f in features if f.kind not in _PROFILE_KINDS]
    names = [f.name for f in features if f.kind not in _PROFILE_KINDS]
    columns = ", ".join(
        f"CAST({sql} AS DOUBLE) AS {quote(n)}" for sql, n in zip(expressions, names, strict=True)
    )
    attributes = _attributes_sql(spec, policy, cutoff)
    rows = event_rows_sql(policy, goal_sql, f"e.timestamp <= {_ts(cutoff)}", spec.has_amount)
    query = f"""
        WITH ev AS ({rows}),
        agg AS (SELECT profile_id, {columns} FROM ev GROUP BY profile_id)
        SELECT agg.*, {attributes.select} FROM {population} pop
        JOIN agg USING (profile_id) {attributes.join}
        ORDER BY profile_id
    """
    table = query_arrow(con, query)
    values = np.full((table.num_rows, len(features)), np.nan)
    raw: dict[str, np.ndarray] = {}
    for index, feature in enumerate(features):
        column = table.column(feature.name)
        if feature.kind is Kind.CATEGORY:
            raw[feature.subject] = np.asarray(column.to_pylist(), dtype=object)
        else:
            values[:, index] = column.to_numpy(zero_copy_only=False).astype(np.float64)
    ids = table.column("profile_id").to_numpy(zero_copy_only=False).astype(np.int64)
    return FeatureMatrix(ids, values, features, raw)


_PROFILE_KINDS = (Kind.ATTRIBUTE, Kind.CATEGORY)


def _ts(moment: datetime) -> str:
    return f"TIMESTAMP '{moment.isoformat(sep=' ')}'"


def _since(days: int, cutoff: datetime) -> str:
    return f"ts > {_ts(cutoff - timedelta(days=days))}"


def _event_expression(feature: Feature, cutoff: datetime) -> str:
    """The aggregate over ``ev`` (ts, type, amount, goal) computing one event feature."""
    subject = {
        ANY_EVENT: "TRUE",
        GOAL: GOAL_FLAG,
    }.get(feature.subject, f"type = '{feature.subject.replace(chr(39), chr(39) * 2)}'")
    days = feature.days
    window = f"{subject} AND {_since(days, cutoff)}" if days is not None else subject
    if feature.kind is Kind.RECENCY:
        return f"date_diff('second', max(ts) FILTER (WHERE {subject}), {_ts(cutoff)}) / 86400.0"
    if feature.kind is Kind.COUNT:
        return f"count(*) FILTER (WHERE {window})"
    if feature.kind is Kind.SPEND:
        return f"coalesce(sum(amount) FILTER (WHERE {window}), 0)"
    if feature.kind is Kind.TREND:
        assert days is not None, "a trend compares two windows"
        earlier = f"ts > {_ts(cutoff - timedelta(days=2 * days))} AND NOT {_since(days, cutoff)}"
        return f"count(*) FILTER (WHERE {window}) - count(*) FILTER (WHERE {earlier})"
    if feature.kind is Kind.TENURE:
        return f"date_diff('second', min(ts), {_ts(cutoff)}) / 86400.0"
    return (
        "CASE WHEN count(*) > 1 THEN date_diff('second', min(ts), max(ts)) "
        "/ 86400.0 / (count(*) - 1) END"
    )


@dataclass(frozen=True)
class _AttributeSql:
    select: str
    join: str


def _attributes_sql(spec: FeatureSpec, policy: MergePolicy, cutoff: datetime) -> _AttributeSql:
    """Profile attributes of the merged profile: the current values (profiles keep no history;
    a field derived from the goal would leak, so only name fields that precede it)."""
    if not spec.attributes:
        return _AttributeSql("NULL AS _none", "")
    subset = Schema(SchemaClass.PROFILE, {p: FieldType(t) for p, t in spec.attributes.items()})
    selects = []
    for path, field_type in spec.attributes.items():
        value = "m." + ".".join(quote(part) for part in path.split("."))
        if field_type in (FieldType.DATE, FieldType.DATETIME):
            value = f"date_diff('day', {value}, {_ts(cutoff)})"
        elif field_type != FieldType.STRING:
            value = f"CAST({value} AS DOUBLE)"
        name = Feature(Kind.CATEGORY if field_type == FieldType.STRING else Kind.ATTRIBUTE, path)
        selects.append(f"{value} AS {quote(name.name)}")
    join = f"LEFT JOIN ({merged_profiles_sql(subset, policy)}) m USING (profile_id)"
    return _AttributeSql(", ".join(selects), join)
