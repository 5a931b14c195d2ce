"""The catalog of a sandbox: schemas, datasets, identity namespaces and merge policies."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from segmint.engines.duckdb import Connection
from segmint.errors import ConflictError, NotFoundError, UsageError, did_you_mean
from segmint.identity.graph import Namespace
from segmint.schema.defaults import default_schemas
from segmint.schema.model import Schema, SchemaClass
from segmint.store import tables

DEFAULT_NAMESPACES = (
    Namespace("crmId", priority=10, unique=True, kind="person"),
    Namespace("email", priority=20, unique=True, kind="email"),
    Namespace("phone", priority=30, unique=True, kind="phone"),
    Namespace("ecid", priority=40, unique=False, kind="cookie"),
)
DEFAULT_MERGE_POLICY = "timestamp-ordered"


class AttributeMerge(StrEnum):
    TIMESTAMP = "timestamp"
    DATASET = "dataset"


class Stitching(StrEnum):
    GRAPH = "graph"
    NONE = "none"


@dataclass(frozen=True)
class Dataset:
    name: str
    schema_class: SchemaClass
    identity_fields: dict[str, str] = field(default_factory=dict)  # field path -> namespace


@dataclass(frozen=True)
class MergePolicy:
    name: str
    attribute_merge: AttributeMerge
    datasets: tuple[str, ...]  # precedence order, for dataset precedence
    stitching: Stitching
    is_default: bool = False


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def initialise(con: Connection) -> None:
    """Create a sandbox's tables and defaults; the connection already points at the sandbox."""
    for ddl in tables.SANDBOX_DDL:
        con.execute(ddl)
    schemas = default_schemas()
    for schema in schemas.values():
        _write_schema(con, schema)
    tables.create_data_tables(con, schemas[SchemaClass.PROFILE], schemas[SchemaClass.EVENT])
    for namespace in DEFAULT_NAMESPACES:
        add_namespace(con, namespace)
    create_merge_policy(
        con, MergePolicy(DEFAULT_MERGE_POLICY, AttributeMerge.TIMESTAMP, (), Stitching.GRAPH)
    )
    set_default_merge_policy(con, DEFAULT_MERGE_POLICY)


def _write_schema(con: Connection, schema: Schema) -> None:
    con.execute(
        "INSERT OR REPLACE INTO schemas VALUES (?, ?, ?)",
        [schema.schema_class.value, json.dumps(schema.to_json()), now()],
    )


def schema(con: Connection, schema_class: SchemaClass) -> Schema:
    # Every row fetched (there is one): a result left open blocks the connection's next query.
    rows = con.execute(
        "SELECT definition FROM schemas WHERE class = ?", [schema_class.value]
    ).fetchall()
    assert rows, "sandbox initialised without schemas"
    data: dict[str, Any] = json.loads(rows[0][0])
    return Schema.from_json(data)


def apply_schema(con: Connection, extension: Schema) -> list[str]:
    """Add fields to a schema and its data table; returns the paths that were new."""
    current = schema(con, extension.schema_class)
    extended = current.extend(extension.fields)
    added = [path for path in extended.fields if path not in current.fields]
    if added:
        table = tables.FRAGMENTS if extension.schema_class is SchemaClass.PROFILE else tables.EVENTS
        tables.add_columns(con, table, current, extended)
        _write_schema(con, extended)
    return added


def addressable(kind: str, name: str, separators: dict[str, str]) -> None:
    """Refuse (UsageError) a name that commands could not address: empty, padded with spaces,
    holding a control character, or holding one of the ``separators`` (character: where it
    separates) that it is written between."""
    if not name or name != name.strip() or not name.isprintable():
        raise UsageError(
            f'"{name}" cannot name {kind}',
            hint="give a non-empty name, with no spaces at either end and no control characters",
        )
    for character, where in separators.items():
        if character in name:
            raise UsageError(
                f'"{name}" cannot name {kind}: "{character}" separates {where}',
                hint=f'give a name without "{character}"',
            )


def create_dataset(con: Connection, dataset: Dataset) -> None:
    addressable("a dataset", dataset.name, {",": "the datasets a merge policy lists"})
    if _exists(con, "datasets", dataset.name):
        raise ConflictError(f'dataset "{dataset.name}" already exists')
    known = {ns.name for ns in namespaces(con)}
    target = schema(con, dataset.schema_class)
    for path, namespace in dataset.identity_fields.items():
        if namespace not in known:
            raise UsageError(
                f'unknown identity namespace "{namespace}" for field {path}',
                hint=did_you_mean(namespace, known)
                or f"known namespaces: {', '.join(sorted(known))}",
            )
        if target.leaf(path) is None:
            raise UsageError(
                f"identity field {path} is not in the {dataset.schema_class} schema",
                hint=did_you_mean(path, target.fields) or "add it with `segmint schema apply`",
            )
    con.execute(
        "INSERT INTO datasets VALUES (?, ?, ?, ?)",
        [dataset.name, dataset.schema_class.value, json.dumps(dataset.identity_fields), now()],
    )


def datasets(con: Connection) -> list[Dataset]:
    rows = con.execute("SELECT name, class, identity_fields FROM datasets ORDER BY name")
    return [Dataset(name, SchemaClass(cls), json.loads(ids)) for name, cls, ids in rows.fetchall()]


def dataset(con: Connection, name: str) -> Dataset:
    return named_dataset(datasets(con), name)


def named_dataset(known: Sequence[Dataset], name: str) -> Dataset:
    """The dataset of that name among ``known`` (a NotFoundError says which there are)."""
    found = {d.name: d for d in known}
    if name not in found:
        raise NotFoundError(
            f'dataset "{name}" does not exist',
            hint=did_you_mean(name, found)
            or f"create it with `segmint dataset create {name} --class event|profile`",
        )
    return found[name]


def add_namespace(con: Connection, namespace: Namespace) -> None:
    separators = {
        ":": "a namespace from an id (NAMESPACE:ID)",
        ".": "a CSV column's path (identityMap.NAMESPACE)",
    }
    addressable("an identity namespace", namespace.name, separators)
    if _exists(con, "namespaces", namespace.name):
        raise ConflictError(f'identity namespace "{namespace.name}" already exists')
    con.execute(
        "INSERT INTO namespaces VALUES (?, ?, ?, ?)",
        [namespace.name, namespace.priority, namespace.unique, namespace.kind],
    )


def namespaces(con: Connection) -> list[Namespace]:
    rows = con.execute("SELECT name, priority, is_unique, kind FROM namespaces ORDER BY priority")
    return [Namespace(n, priority=p, unique=u, kind=k) for n, p, u, k in rows.fetchall()]


def create_merge_policy(con: Connection, policy: MergePolicy) -> None:
    addressable("a merge policy", policy.name, {})
    if _exists(con, "merge_policies", policy.name):
        raise ConflictError(f'merge policy "{policy.name}" already exists')
    if policy.attribute_merge is AttributeMerge.DATASET:
        if not policy.datasets:
            raise UsageError(
                "dataset precedence needs an ordered list of datasets",
                hint="pass --datasets crm,web (first listed wins)",
            )
        for name in policy.datasets:
            dataset(con, name)
    con.execute(
        "INSERT INTO merge_policies VALUES (?, ?, ?, ?, false, ?)",
        [
            policy.name,
            policy.attribute_merge.value,
            json.dumps(list(policy.datasets)),
            policy.stitching.value,
            now(),
        ],
    )


def merge_policies(con: Connection) -> list[MergePolicy]:
    rows = con.execute(
        "SELECT name, attribute_merge, datasets, stitching, is_default FROM merge_policies "
        "ORDER BY created_at, name"
    )
    return [
        MergePolicy(n, AttributeMerge(a), tuple(json.loads(d)), Stitching(s), bool(default))
        for n, a, d, s, default in rows.fetchall()
    ]


def merge_policy(con: Connection, name: str | None = None) -> MergePolicy:
    """A merge policy by name, or the sandbox's default one."""
    policies = merge_policies(con)
    for policy in policies:
        if policy.name == name or (name is None and policy.is_default):
            return policy
    names = [policy.name for policy in policies]
    raise NotFoundError(
        f'merge policy "{name}" does not exist',
        hint=did_you_mean(str(name), names) or f"known policies: {', '.join(names)}",
    )


def set_default_merge_policy(con: Connection, name: str) -> None:
    merge_policy(con, name)
    con.execute("UPDATE merge_policies SET is_default = (name = ?)", [name])


def _exists(con: Connection, table: str, name: str) -> bool:
    return con.execute(f"SELECT 1 FROM {table} WHERE name = ?", [name]).fetchone() is not None
