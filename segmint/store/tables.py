"""Table layout of a sandbox: catalog tables, identity tables, and the data tables whose
columns follow the profile and event schemas (nested fields as STRUCT / LIST / MAP)."""

from __future__ import annotations

from segmint.engines.duckdb import Connection
from segmint.schema.fields import Node
from segmint.schema.model import Schema

SANDBOX_DDL = (
    """CREATE TABLE IF NOT EXISTS schemas (
        class VARCHAR PRIMARY KEY, definition JSON NOT NULL, updated_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS datasets (
        name VARCHAR PRIMARY KEY, class VARCHAR NOT NULL, identity_fields JSON NOT NULL,
        created_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS namespaces (
        name VARCHAR PRIMARY KEY, priority INTEGER NOT NULL, is_unique BOOLEAN NOT NULL,
        kind VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS merge_policies (
        name VARCHAR PRIMARY KEY, attribute_merge VARCHAR NOT NULL, datasets JSON NOT NULL,
        stitching VARCHAR NOT NULL, is_default BOOLEAN NOT NULL, created_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS batches (
        batch_id VARCHAR PRIMARY KEY, dataset VARCHAR NOT NULL, source VARCHAR NOT NULL,
        content_hash VARCHAR NOT NULL, records BIGINT NOT NULL, added BIGINT NOT NULL,
        duplicates BIGINT NOT NULL, rejected BIGINT NOT NULL, ingested_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS identities (
        identity_key BIGINT PRIMARY KEY, namespace VARCHAR NOT NULL, id VARCHAR NOT NULL,
        first_seen TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS identity_links (
        a BIGINT NOT NULL, b BIGINT NOT NULL, seen_at TIMESTAMP NOT NULL, batch_id VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS identity_profiles (
        identity_key BIGINT PRIMARY KEY, profile_id BIGINT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS identity_issues (
        kind VARCHAR NOT NULL, a BIGINT NOT NULL, b BIGINT, namespace VARCHAR,
        seen_at TIMESTAMP NOT NULL, reason VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS segments (
        id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL UNIQUE, description VARCHAR NOT NULL,
        pql VARCHAR NOT NULL, merge_policy VARCHAR, tags JSON NOT NULL, lifecycle VARCHAR NOT NULL,
        refs JSON NOT NULL, version INTEGER NOT NULL, created_at TIMESTAMP NOT NULL,
        updated_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS segment_versions (
        id VARCHAR NOT NULL, version INTEGER NOT NULL, name VARCHAR NOT NULL,
        description VARCHAR NOT NULL, pql VARCHAR NOT NULL, merge_policy VARCHAR,
        tags JSON NOT NULL, lifecycle VARCHAR NOT NULL, changed_at TIMESTAMP NOT NULL,
        PRIMARY KEY (id, version))""",
    """CREATE TABLE IF NOT EXISTS memberships (
        profile_id BIGINT NOT NULL, segment_id VARCHAR NOT NULL, status VARCHAR NOT NULL,
        last_qualification_time TIMESTAMP NOT NULL, entered_at TIMESTAMP NOT NULL,
        version INTEGER NOT NULL, job_id VARCHAR NOT NULL, PRIMARY KEY (profile_id, segment_id))""",
    """CREATE TABLE IF NOT EXISTS membership_history (
        profile_id BIGINT NOT NULL, segment_id VARCHAR NOT NULL, status VARCHAR NOT NULL,
        changed_at TIMESTAMP NOT NULL, version INTEGER NOT NULL, job_id VARCHAR NOT NULL,
        cause VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS jobs (
        id VARCHAR PRIMARY KEY, status VARCHAR NOT NULL, source VARCHAR NOT NULL,
        as_of TIMESTAMP NOT NULL, segments JSON NOT NULL, metrics JSON NOT NULL, error VARCHAR,
        created_at TIMESTAMP NOT NULL, finished_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS export_jobs (
        id VARCHAR PRIMARY KEY, segment_id VARCHAR NOT NULL, statuses JSON NOT NULL,
        format VARCHAR NOT NULL, path VARCHAR NOT NULL, rows BIGINT NOT NULL,
        status VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS ai_instances (
        name VARCHAR PRIMARY KEY, type VARCHAR NOT NULL, goal VARCHAR NOT NULL,
        window_days INTEGER NOT NULL, eligibility VARCHAR, features JSON NOT NULL,
        created_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS ai_models (
        instance VARCHAR NOT NULL, version INTEGER NOT NULL, as_of TIMESTAMP NOT NULL,
        path VARCHAR NOT NULL, metrics JSON NOT NULL, trained_at TIMESTAMP NOT NULL,
        PRIMARY KEY (instance, version))""",
    """CREATE TABLE IF NOT EXISTS ai_scores (
        instance VARCHAR NOT NULL, model_version INTEGER NOT NULL, scored_at TIMESTAMP NOT NULL,
        profile_id BIGINT NOT NULL, probability DOUBLE NOT NULL, score INTEGER NOT NULL,
        percentile INTEGER NOT NULL, bucket VARCHAR NOT NULL, factors JSON NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS stream_checkpoints (
        stream VARCHAR PRIMARY KEY, dataset VARCHAR NOT NULL, input_offset BIGINT NOT NULL,
        clock TIMESTAMP, latest_event TIMESTAMP, events BIGINT NOT NULL,
        updated_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS stream_inputs (
        stream VARCHAR PRIMARY KEY, last_line VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS stream_profiles (
        stream VARCHAR NOT NULL, identity_key BIGINT NOT NULL,
        PRIMARY KEY (stream, identity_key))""",
    """CREATE TABLE IF NOT EXISTS stream_timers (
        stream VARCHAR NOT NULL, profile_id BIGINT NOT NULL, due TIMESTAMP NOT NULL,
        PRIMARY KEY (stream, profile_id))""",
)

#: Columns every event row has besides the schema's own fields.
EVENT_KEY_COLUMNS = {
    "identity_key": "BIGINT NOT NULL",
    "dataset": "VARCHAR NOT NULL",
    "batch_id": "VARCHAR NOT NULL",
}
#: Columns every profile fragment row has: one fragment per (dataset, primary identity).
FRAGMENT_KEY_COLUMNS = {
    "identity_key": "BIGINT NOT NULL",
    "dataset": "VARCHAR NOT NULL",
    "batch_id": "VARCHAR NOT NULL",
    "updated_at": "TIMESTAMP NOT NULL",
}

EVENTS = "events"
FRAGMENTS = "profile_fragments"


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _columns_ddl(keys: dict[str, str], tree: dict[str, Node]) -> str:
    columns = [f"{quote(name)} {sql_type}" for name, sql_type in keys.items()]
    columns += [f"{quote(node.name)} {node.duckdb_type()}" for node in tree.values()]
    return ", ".join(columns)


def create_data_tables(con: Connection, profile: Schema, event: Schema) -> None:
    con.execute(f"CREATE TABLE {FRAGMENTS} ({_columns_ddl(FRAGMENT_KEY_COLUMNS, profile.tree())})")
    con.execute(f"CREATE TABLE {EVENTS} ({_columns_ddl(EVENT_KEY_COLUMNS, event.tree())})")


def add_columns(con: Connection, table: str, old: Schema, new: Schema) -> None:
    """Add what the new schema has beyond the old one to a data table, keeping all rows.
    DuckDB cannot alter a nested column of an indexed table: its indexes are dropped first
    and created again after."""
    indexes = con.execute(
        "SELECT index_name, sql FROM duckdb_indexes() "
        "WHERE table_name = ? AND schema_name = current_schema()",
        [table],
    ).fetchall()
    for name, _ in indexes:
        con.execute(f"DROP INDEX {quote(name)}")
    for column_path, sql_type in _new_nodes(old.tree(), new.tree(), []):
        con.execute(f"ALTER TABLE {table} ADD COLUMN {column_path} {sql_type}")
    for _, sql in indexes:
        con.execute(sql)


def _new_nodes(
    old: dict[str, Node], new: dict[str, Node], prefix: list[str]
) -> list[tuple[str, str]]:
    """The shallowest nodes of ``new`` missing from ``old``, as (DuckDB column path, type)."""
    found: list[tuple[str, str]] = []
    for name, node in new.items():
        path = [*prefix, quote(name)]
        existing = old.get(name)
        if existing is None:
            found.append((".".join(path), node.duckdb_type()))
        elif node.leaf is None:
            element = [*path, "element"] if node.is_array else path
            found += _new_nodes(existing.children, node.children, element)
    return found
