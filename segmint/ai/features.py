"""Point-in-time features: one SQL pass over the events up to a cutoff gives each profile its
recency, frequency, monetary value, per-type counts, trend, tenure and rhythm, plus profile
attributes. Nothing after the cutoff is read, so training rows never see their own future."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from segmint.ai.population import GOAL_FLAG, event_rows_sql, keyed_rows_sql, timestamp_sql
from segmint.engines.duckdb import Connection, query_arrow, registered
from segmint.schema.fields import FieldType
from segmint.schema.model import Schema, SchemaClass
from segmint.store import catalog
from segmint.store.catalog import MergePolicy
from segmint.store.profiles import identity_keys_sql, merged_profiles_sql
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
) -> FeatureMatrix:
    """Features at ``cutoff`` for the profiles of the ``population`` relation (``profile_id``;
    None: every profile) with events up to it, from events with ``timestamp <= cutoff`` only.
    Category columns hold NaN until ``encode``.

    SQL groups the events once, into a row per profile, event type and goal flag (window
    counts, first and last time); NumPy folds those few rows per profile into every feature,
    instead of one filtered aggregate per feature over every event. Order totals come from
    the few events that have one, in a query of their own."""
    rows = event_rows_sql(
        policy, goal_sql, f"e.timestamp <= {timestamp_sql(cutoff)}", spec.has_amount
    )
    source = f"({rows}) r {_within(population)}"
    queries = _Queries(
        spec, source, "r.profile_id", "0", lambda days: timestamp_sql(cutoff - timedelta(days=days))
    )
    attributes = _attributes_sql(spec, policy, "0", timestamp_sql(cutoff), _within(population))
    return _matrices(con, spec, queries, attributes, [cutoff])[0]


def build_at(
    con: Connection,
    spec: FeatureSpec,
    policy: MergePolicy,
    goal_sql: str,
    cutoffs: list[datetime],
    rows: pa.Table,
) -> list[FeatureMatrix]:
    """Features of many (cutoff, profile) rows in one grouped pass over the events: ``rows``
    has ``cut`` (an index into ``cutoffs``) and ``profile_id``; each row sees only the events
    up to its own cutoff. One matrix per cutoff, as ``build`` would make it for those profiles
    (one pass instead of one per cutoff; events are matched to the rows by identity key, so
    only the sampled profiles' events are resolved to profiles)."""
    starts = {
        f"since_{days}": pa.array([c - timedelta(days=days) for c in cutoffs], pa.timestamp("us"))
        for days in _SPANS
    }
    bounds = pa.table({
        "cut": pa.array(range(len(cutoffs)), pa.int16()),
        "at": pa.array(cutoffs, pa.timestamp("us")),
        **starts,
    })  # fmt: skip
    with registered(con, _BOUNDS, bounds), registered(con, _ROWS, rows):
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {_SAMPLE} AS SELECT CAST(r.cut AS SMALLINT) AS cut, "
            f"CAST(r.profile_id AS BIGINT) AS profile_id, b.* EXCLUDE (cut) "
            f"FROM {_ROWS} r JOIN {_BOUNDS} b ON b.cut = r.cut"
        )
    try:
        keys = identity_keys_sql(policy, _SAMPLE)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {_KEYS} AS {keys}")
        until = timestamp_sql(max(cutoffs))
        events = keyed_rows_sql(goal_sql, f"e.timestamp <= {until}", spec.has_amount)
        source = f"({events}) r JOIN {_KEYS} s ON s.identity_key = r.identity_key AND r.ts <= s.at"
        queries = _Queries(spec, source, "s.profile_id", "s.cut", lambda days: f"s.since_{days}")
        join = f"JOIN {_SAMPLE} s ON s.profile_id = m.profile_id"
        attributes = _attributes_sql(spec, policy, "s.cut", "s.at", join)
        return _matrices(con, spec, queries, attributes, cutoffs)
    finally:
        con.execute(f"DROP TABLE IF EXISTS {_SAMPLE}")
        con.execute(f"DROP TABLE IF EXISTS {_KEYS}")


#: Kinds not folded from the grouped pass.
_PER_PROFILE_KINDS = (Kind.SPEND, Kind.ATTRIBUTE, Kind.CATEGORY)
#: Window lengths the grouped pass counts (and the trend's earlier window ends at).
_SPANS = (*WINDOWS, 2 * TREND_DAYS)
_BOUNDS = "ai_bounds"
_SAMPLE = "ai_cutoff_rows"
_KEYS = "ai_cutoff_keys"
_ROWS = "ai_rows"
_DAY_US = 86_400_000_000


def _matrices(
    con: Connection, spec: FeatureSpec, queries: _Queries, attributes_sql: str | None,
    cutoffs: list[datetime],
) -> list[FeatureMatrix]:  # fmt: skip
    """Run the grouped pass, the order totals and the attribute queries (each ordered by
    ``cut``, then profile) and fold them into one matrix per cutoff."""
    con.complete()  # lookups before (schemas, models) may leave a result open; Arrow needs none
    parts = query_arrow(con, queries.parts())
    spend_sql = queries.spend()
    spend = query_arrow(con, spend_sql) if spend_sql else None
    attributes = query_arrow(con, attributes_sql) if attributes_sql else None
    return [
        _fold(
            spec, _Parts(_slice(parts, cut), cutoff),
            None if spend is None else _slice(spend, cut),
            None if attributes is None else _slice(attributes, cut),
        )
        for cut, cutoff in enumerate(cutoffs)
    ]  # fmt: skip


def _slice(table: pa.Table, cut: int) -> pa.Table:
    """The rows of one cutoff of a table ordered by ``cut``."""
    cuts = table.column("cut").to_numpy()
    start, end = np.searchsorted(cuts, [cut, cut + 1])
    return table.slice(int(start), int(end - start))


def _fold(
    spec: FeatureSpec, parts: _Parts, spend: pa.Table | None, attributes: pa.Table | None
) -> FeatureMatrix:
    features = spec.features()
    values = np.full((parts.profiles, len(features)), np.nan)
    for index, feature in enumerate(features):
        if feature.kind not in _PER_PROFILE_KINDS:
            values[:, index] = parts.feature(feature, spec.event_types)
    if spend is not None:
        rows, found = parts.rows_of(spend.column("profile_id").to_numpy())
        for index, feature in enumerate(features):
            if feature.kind is Kind.SPEND:
                values[:, index] = 0.0
                name = f"s_{'all' if feature.days is None else feature.days}"
                values[rows, index] = _floats(spend.column(name))[found]
    raw: dict[str, np.ndarray] = {}
    if attributes is not None:
        rows, found = parts.rows_of(attributes.column("profile_id").to_numpy())
        table = attributes.filter(pa.array(found))
        for index, feature in enumerate(features):
            if feature.kind is Kind.CATEGORY:
                text = np.full(parts.profiles, None, dtype=object)
                text[rows] = table.column(feature.name).to_numpy(zero_copy_only=False)
                raw[feature.subject] = text
            elif feature.kind is Kind.ATTRIBUTE:
                values[rows, index] = _floats(table.column(feature.name))
    return FeatureMatrix(parts.ids, values, features, raw)


def _floats(column: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(column.to_numpy(zero_copy_only=False), np.float64)


@dataclass(frozen=True)
class _Queries:
    """The grouped queries over the event rows ``r`` of ``source``: ``profile`` and ``cut``
    (which cutoff) are the SQL for a row's profile and cutoff index, ``since`` gives the SQL
    for the start of a window of so many days before the row's cutoff."""

    spec: FeatureSpec
    source: str
    profile: str
    cut: str
    since: Callable[[int], str]

    def parts(self) -> str:
        """Rows grouped by cutoff, profile, event type (``code``: its position in the spec, 0
        for others) and goal flag, ordered by cutoff and profile. Columns: ``n_<days>`` events
        in the window (``all``: ever), ``p_<days>`` events in the window before, ``last_ts``
        and ``first_ts``."""
        types = ", ".join("'" + t.replace("'", "''") + "'" for t in self.spec.event_types)
        columns = ["count(*) AS n_all", "max(r.ts) AS last_ts", "min(r.ts) AS first_ts"]
        since = self.since
        columns += [f"count(*) FILTER (WHERE r.ts > {since(d)}) AS n_{d}" for d in WINDOWS]
        earlier = f"r.ts > {since(2 * TREND_DAYS)} AND r.ts <= {since(TREND_DAYS)}"
        columns.append(f"count(*) FILTER (WHERE {earlier}) AS p_{TREND_DAYS}")
        return f"""
            SELECT {self.cut} AS cut, {self.profile} AS profile_id,
                coalesce(list_position([{types}]::VARCHAR[], r.type), 0) AS code,
                r.{GOAL_FLAG}, {", ".join(columns)}
            FROM {self.source}
            GROUP BY 1, 2, 3, 4 ORDER BY 1, 2
        """

    def spend(self) -> str | None:
        """Order totals ``s_<days>`` per cutoff and profile, from the events with one (None:
        the events have no order totals)."""
        if not self.spec.has_amount:
            return None
        columns = ["sum(r.amount) AS s_all"]
        columns += [f"coalesce(sum(r.amount) FILTER (WHERE r.ts > {self.since(d)}), 0) AS s_{d}"
                    for d in WINDOWS]  # fmt: skip
        return (
            f"SELECT {self.cut} AS cut, {self.profile} AS profile_id, {', '.join(columns)} "
            f"FROM {self.source} WHERE r.amount IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2"
        )


class _Parts:
    """The grouped rows of ``_Queries.parts`` for one cutoff, folded per profile: sums and
    minima over a profile's rows of a subject by NumPy segment reductions and bincounts."""

    def __init__(self, table: pa.Table, cutoff: datetime) -> None:
        self.table = table
        self.cutoff = np.datetime64(cutoff, "us").astype(np.int64)
        every: np.ndarray = table.column("profile_id").to_numpy().astype(np.int64)
        change = every[1:] != every[:-1]
        self.starts = np.flatnonzero(np.r_[True, change]) if len(every) else every
        self.owner = np.r_[0, np.cumsum(change)] if len(every) else every  # row -> profile
        self.ids = every[self.starts]
        self.code: np.ndarray = table.column("code").to_numpy()
        self.goal: np.ndarray = table.column(GOAL_FLAG).to_numpy(zero_copy_only=False).astype(bool)
        self._columns: dict[str, np.ndarray] = {}
        self._subjects: dict[str, np.ndarray] = {}

    @property
    def profiles(self) -> int:
        return int(self.ids.shape[0])

    def rows_of(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row of each found id, which ids were found) for ascending ``ids``."""
        rows = np.minimum(np.searchsorted(self.ids, ids), max(self.profiles - 1, 0))
        found = (self.ids[rows] == ids) if self.profiles else np.zeros(len(ids), dtype=bool)
        return rows[found], found

    def column(self, name: str) -> np.ndarray:
        """A column as float64 (times as days before the cutoff), converted once."""
        if name not in self._columns:
            if name.endswith("_ts"):
                moments = self.table.column(name).cast(pa.timestamp("us")).cast(pa.int64())
                ages = (self.cutoff - moments.to_numpy()) / _DAY_US
                self._columns[name] = np.asarray(ages, np.float64)
            else:
                column = self.table.column(name).to_numpy(zero_copy_only=False)
                self._columns[name] = np.asarray(column, np.float64)
        return self._columns[name]

    def subject(self, subject: str, event_types: tuple[str, ...]) -> np.ndarray | None:
        """The grouped rows about ``subject`` (None: all of them), found once."""
        if subject == ANY_EVENT:
            return None
        if subject not in self._subjects:
            about = self.goal if subject == GOAL else self.code == event_types.index(subject) + 1
            self._subjects[subject] = np.flatnonzero(about)
        return self._subjects[subject]

    def total(self, name: str, rows: np.ndarray | None) -> np.ndarray:
        values = self.column(name)
        if rows is None:
            return self._reduce(np.add, values)
        return np.bincount(self.owner[rows], weights=values[rows], minlength=self.profiles)

    def least(self, name: str, rows: np.ndarray | None) -> np.ndarray:
        values = self.column(name)
        if rows is None:
            return self._reduce(np.minimum, values)
        found = np.full(self.profiles, np.inf)
        np.minimum.at(found, self.owner[rows], values[rows])
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
            return self.least("last_ts", rows)
        if feature.kind is Kind.COUNT:
            return self.total(f"n_{window}", rows)
        if feature.kind is Kind.TREND:
            change: np.ndarray = self.total(f"n_{window}", rows) - self.total(f"p_{window}", rows)
            return change
        tenure = self._reduce(np.maximum, self.column("first_ts"))
        if feature.kind is Kind.TENURE:
            return tenure
        events = self.total("n_all", None)
        with np.errstate(divide="ignore", invalid="ignore"):
            gap = (tenure - self.least("last_ts", None)) / (events - 1)
        return np.where(events > 1, gap, np.nan)


def _attributes_sql(
    spec: FeatureSpec, policy: MergePolicy, cut: str, at: str, join: str
) -> str | None:
    """Profile attributes of the merged profiles ``m`` that ``join`` keeps (None: no attribute
    features), dates as days before ``at``, ordered by ``cut`` and profile: the current values
    (profiles keep no history; a field derived from the goal would leak, so only name fields
    that precede it)."""
    if not spec.attributes:
        return None
    subset = Schema(SchemaClass.PROFILE, {p: FieldType(t) for p, t in spec.attributes.items()})
    selects = []
    for path, field_type in spec.attributes.items():
        value = "m." + ".".join(quote(part) for part in path.split("."))
        if field_type in (FieldType.DATE, FieldType.DATETIME):
            value = f"date_diff('day', {value}, {at})"
        elif field_type != FieldType.STRING:
            value = f"CAST({value} AS DOUBLE)"
        name = Feature(Kind.CATEGORY if field_type == FieldType.STRING else Kind.ATTRIBUTE, path)
        selects.append(f"{value} AS {quote(name.name)}")
    return (
        f"SELECT {cut} AS cut, m.profile_id, {', '.join(selects)} "
        f"FROM ({merged_profiles_sql(subset, policy)}) m {join} ORDER BY 1, 2"
    )


def _within(population: str | None) -> str:
    return f"SEMI JOIN {population} pop USING (profile_id)" if population else ""
