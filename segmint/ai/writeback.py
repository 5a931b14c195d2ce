"""Scores onto profiles: the profile schema gains ``customerAI.<instance>.{score, probability,
percentile, bucket, factors[], scoredAt, modelVersion}``, and each scored profile gets one
fragment in the instance's reserved dataset, which every merge policy includes. A run replaces
the instance's previous fragments whole; the ``ai_scores`` table keeps every run."""

from __future__ import annotations

import pyarrow as pa

from segmint.ai.instances import score_dataset
from segmint.ai.score import Scores
from segmint.engines.duckdb import Connection
from segmint.errors import NotFoundError
from segmint.schema.fields import FieldType, Node
from segmint.schema.model import Schema, SchemaClass
from segmint.store import catalog
from segmint.store.catalog import Dataset, now
from segmint.store.tables import FRAGMENTS, quote

NAMESPACE = "customerAI"
_INCOMING = "ai_incoming_scores"
_FACTOR = pa.struct(
    [("code", pa.string()), ("description", pa.string()), ("impact", pa.float64()),
     ("importance", pa.string())]
)  # fmt: skip


def score_fields(instance: str) -> dict[str, FieldType]:
    base = f"{NAMESPACE}.{instance}"
    return {
        f"{base}.score": FieldType.INTEGER,
        f"{base}.probability": FieldType.NUMBER,
        f"{base}.percentile": FieldType.INTEGER,
        f"{base}.bucket": FieldType.STRING,
        f"{base}.factors[].code": FieldType.STRING,
        f"{base}.factors[].description": FieldType.STRING,
        f"{base}.factors[].impact": FieldType.NUMBER,
        f"{base}.factors[].importance": FieldType.STRING,
        f"{base}.scoredAt": FieldType.DATETIME,
        f"{base}.modelVersion": FieldType.INTEGER,
    }


def write(con: Connection, scores: Scores) -> None:
    """Replace the instance's scores on profiles and append them to the history; the caller
    wraps it in a transaction."""
    dataset = score_dataset(scores.instance)
    try:
        catalog.dataset(con, dataset)
    except NotFoundError:
        catalog.create_dataset(con, Dataset(dataset, SchemaClass.PROFILE))
    catalog.apply_schema(con, Schema(SchemaClass.PROFILE, score_fields(scores.instance)))
    namespace = catalog.schema(con, SchemaClass.PROFILE).tree()[NAMESPACE]
    # DuckDB refuses ``register`` while a query's rows are unread; the DELETE completes them.
    con.execute(f"DELETE FROM {FRAGMENTS} WHERE dataset = ?", [dataset])
    con.register(_INCOMING, _incoming(scores))
    try:
        con.execute(
            f"INSERT INTO {FRAGMENTS} BY NAME SELECT profile_id AS identity_key, "
            f"? AS dataset, ? AS batch_id, ? AS updated_at, "
            f"{_struct(namespace, scores.instance)} AS {quote(NAMESPACE)} FROM {_INCOMING}",
            [dataset, f"{dataset}-v{scores.model_version}-{scores.as_of:%Y%m%dT%H%M%S}", now()],
        )
        con.execute(
            f"INSERT INTO ai_scores SELECT ?, ?, ?, profile_id, probability, score, percentile, "
            f"bucket, to_json(factors) FROM {_INCOMING}",
            [scores.instance, scores.model_version, scores.as_of],
        )
    finally:
        con.unregister(_INCOMING)


def _incoming(scores: Scores) -> pa.Table:
    """The scores as one Arrow table, built from the arrays without per-profile objects."""
    return pa.table(
        {
            "profile_id": pa.array(scores.profile_ids, pa.int64()),
            "score": pa.array(scores.score, pa.int64()),
            "probability": pa.array(scores.probability, pa.float64()),
            "percentile": pa.array(scores.percentile, pa.int64()),
            "bucket": pa.array(scores.bucket, pa.string()),
            "factors": scores.top.to_arrow(_FACTOR),
            "scored_at": pa.repeat(pa.scalar(scores.as_of, pa.timestamp("us")), scores.rows),
            "model_version": pa.repeat(pa.scalar(scores.model_version, pa.int64()), scores.rows),
        }
    )


def _struct(namespace: Node, instance: str) -> str:
    """The whole ``customerAI`` struct, in the column's field order: this instance's values,
    NULL for every other instance (their own fragments carry theirs)."""
    values = {
        "score": "score", "probability": "probability", "percentile": "percentile",
        "bucket": "bucket", "factors": "factors", "scoredAt": "scored_at",
        "modelVersion": "model_version",
    }  # fmt: skip
    members = []
    for name, child in namespace.children.items():
        if name == instance:
            inner = ", ".join(
                f"{quote(key)} := CAST({values[key]} AS {node.duckdb_type()})"
                for key, node in child.children.items()
            )
            members.append(f"{quote(name)} := struct_pack({inner})")
        else:
            members.append(f"{quote(name)} := CAST(NULL AS {child.duckdb_type()})")
    return f"struct_pack({', '.join(members)})"
