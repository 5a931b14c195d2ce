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

#: Days of the event windows; per-type windows and the trend use some of them (the first
#: grouped pass counts these only).
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
    population: str | None,
    events: str | None = None,
) -> FeatureMatrix:
    """Features at ``cutoff`` for the profiles of the ``population`` relation (``profile_id``;
    None: every profile) with events up to it, from events with ``timestamp <= cutoff`` only.
    Category columns hold NaN until ``encode``. ``events``: a relation staged by
    ``population.stage_events`` (any later end) to read instead of resolving the events again.

    SQL groups the events once, into a row per profile, event type and goal flag (window
    counts, order totals, first and last time); NumPy folds those few rows per profile into
    every feature, instead of one filtered aggregate per feature over every event."""
    features = spec.features()
    con.complete()  # lookups before (schemas, models) may leave a result open; Arrow needs none
    parts = _Parts(query_arrow(con, _parts_sql(spec, policy, goal_sql, cutoff, population, events)))
    values = np.full((parts.profiles, len(features)), np.nan)
    for index, feature in enumerate(features):
        if feature.kind not in _PROFILE_KINDS:
            values[:, index] = parts.feature(feature, spec.event_types)
    raw: dict[str, np.ndarray] = {}
    if spec.attributes:
        table = query_arrow(con, _attributes_sql(spec, policy, cutoff, population))
        rows, found = parts.rows_of(table.column("profile_id").to_numpy())
        table = table.filter(pa.array(found))
        for index, feature in enumerate(features):
            if feature.kind is Kind.CATEGORY:
                text = np.full(parts.profiles, None, dtype=object)
                text[rows] = table.column(feature.name).to_numpy(zero_copy_only=False)
                raw[feature.subject] = text
            elif feature.kind is Kind.ATTRIBUTE:
                column = table.column(feature.name).to_numpy(zero_copy_only=False)
                values[rows, index] = column.astype(np.float64)
    return FeatureMatrix(parts.ids, values, features, raw)


_PROFILE_KINDS = (Kind.ATTRIBUTE, Kind.CATEGORY)


def _ts(moment: datetime) -> str:
    return f"TIMESTAMP '{moment.isoformat(sep=' ')}'"


def _since(days: int, cutoff: datetime) -> str:
    return f"ts > {_ts(cutoff - timedelta(days=days))}"


def _parts_sql(
    spec: FeatureSpec,
    policy: MergePolicy,
    goal_sql: str,
    cutoff: datetime,
    population: str | None,
    events: str | None,
) -> str:
    """Events up to ``cutoff`` of the population, grouped by profile, event type (``code``: its
    position in the spec, 0 for others) and goal flag, ordered by profile. Columns: ``n_<days>``
    events in the window (``all``: ever), ``s_<days>`` order totals, ``p_<days>`` events in the
    window before, ``last_age`` and ``first_age`` in days before the cutoff."""
    rows = (
        f"SELECT * FROM {events} WHERE ts <= {_ts(cutoff)}"
        if events
        else event_rows_sql(policy, goal_sql, f"e.timestamp <= {_ts(cutoff)}", spec.has_amount)
    )
    types = ", ".join("'" + t.replace("'", "''") + "'" for t in spec.event_types)
    columns = [
        "count(*) AS n_all",
        f"date_diff('second', max(ts), {_ts(cutoff)}) / 86400.0 AS last_age",
        f"date_diff('second', min(ts), {_ts(cutoff)}) / 86400.0 AS first_age",
        "coalesce(sum(amount), 0) AS s_all",
    ]
    for days in WINDOWS:
        columns.append(f"count(*) FILTER (WHERE {_since(days, cutoff)}) AS n_{days}")
        columns.append(
            f"coalesce(sum(amount) FILTER (WHERE {_since(days, cutoff)}), 0) AS s_{days}"
        )
    earlier = f"ts > {_ts(cutoff - timedelta(days=2 * TREND_DAYS))}"
    columns.append(
        f"count(*) FILTER (WHERE {earlier} AND NOT {_since(TREND_DAYS, cutoff)}) AS p_{TREND_DAYS}"
    )
    return f"""
        SELECT profile_id, coalesce(list_position([{types}]::VARCHAR[], type), 0) AS code,
            {GOAL_FLAG}, {", ".join(columns)}
        FROM ({rows}) {_within(population)}
        GROUP BY ALL ORDER BY profile_id
    """


class _Parts:
    """The grouped rows of ``_parts_sql``, folded per profile with NumPy segment reductions."""

    def __init__(self, table: pa.Table) -> None:
        self.table = table
        every: np.ndarray = table.column("profile_id").to_numpy().astype(np.int64)
        self.starts = np.flatnonzero(np.r_[True, every[1:] != every[:-1]]) if len(every) else every
        self.ids = every[self.starts]
        self.code: np.ndarray = table.column("code").to_numpy()
        self.goal: np.ndarray = table.column(GOAL_FLAG).to_numpy(zero_copy_only=False).astype(bool)

    @property
    def profiles(self) -> int:
        return int(self.ids.shape[0])

    def rows_of(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row of each found id, which ids were found) for ascending ``ids``."""
        rows = np.minimum(np.searchsorted(self.ids, ids), max(self.profiles - 1, 0))
        found = (self.ids[rows] == ids) if self.profiles else np.zeros(len(ids), dtype=bool)
        return rows[found], found

    def column(self, name: str) -> np.ndarray:
        return np.asarray(self.table.column(name).to_numpy(zero_copy_only=False), np.float64)

    def subject(self, subject: str, event_types: tuple[str, ...]) -> np.ndarray | None:
        """Which grouped rows are about ``subject`` (None: all of them)."""
        if subject == ANY_EVENT:
            return None
        if subject == GOAL:
            return self.goal
        return np.asarray(self.code == event_types.index(subject) + 1, dtype=bool)

    def total(self, name: str, rows: np.ndarray | None) -> np.ndarray:
        values = self.column(name) if rows is None else np.where(rows, self.column(name), 0.0)
        return self._reduce(np.add, values)

    def least(self, name: str, rows: np.ndarray | None) -> np.ndarray:
        values = self.column(name) if rows is None else np.where(rows, self.column(name), np.inf)
        found = self._reduce(np.minimum, values)
        return np.where(np.isinf(found), np.nan, found)

    def _reduce(self, ufunc: np.ufunc, values: np.ndarray) -> np.ndarray:
        if not self.profiles:
            return np.zeros(0)
        reduced: np.ndarray = np.asarray(ufunc.reduceat(values, self.starts), dtype=np.float64)
        return reduced

    def feature(self, feature: Feature, event_types: tuple[str, ...]) -> np.ndarray:
        rows = self.subject(feature.subject, event_types)
        window = "all" if feature.days is None else str(feature.days)
        if feature.kind is Kind.RECENCY:
            return self.least("last_age", rows)
        if feature.kind is Kind.COUNT:
            return self.total(f"n_{window}", rows)
        if feature.kind is Kind.SPEND:
            return self.total(f"s_{window}", rows)
        if feature.kind is Kind.TREND:
            change: np.ndarray = self.total(f"n_{window}", rows) - self.total(f"p_{window}", rows)
            return change
        tenure = self._reduce(np.maximum, self.column("first_age"))
        if feature.kind is Kind.TENURE:
            return tenure
        events = self.total("n_all", None)
        with np.errstate(divide="ignore", invalid="ignore"):
            gap = (tenure - self.least("last_age", None)) / (events - 1)
        return np.where(events > 1, gap, np.nan)


def _attributes_sql(
    spec: FeatureSpec, policy: MergePolicy, cutoff: datetime, population: str | None
) -> str:
    """Profile attributes of the population's merged profiles: the current values (profiles
    keep no history; a field derived from the goal would leak, so only name fields that
    precede it)."""
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
    return (
        f"SELECT profile_id, {', '.join(selects)} FROM ({merged_profiles_sql(subset, policy)}) m "
        f"{_within(population)} ORDER BY profile_id"
    )


def _within(population: str | None) -> str:
    return f"SEMI JOIN {population} pop USING (profile_id)" if population else ""
