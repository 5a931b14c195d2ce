"""Record-by-record validation against a schema: the precise path that locates every problem.

The vectorised path in ``conform`` is tried first; this one runs when it fails, so that each
problem is reported with its file, line and field, and valid records can be kept apart. A JSON
record's fields are first normalised by the schema's compiled ``normalise`` pass, and walked
again to locate problems only when that refuses them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from segmint.errors import Location, Problem, did_you_mean
from segmint.identity.graph import Namespace
from segmint.ingest.normalise import REFUSED, members
from segmint.ingest.values import convert
from segmint.schema.arrow import IDENTITY_MAP
from segmint.schema.fields import Node
from segmint.schema.model import EVENT_SYSTEM_FIELDS, Schema, SchemaClass

Record = dict[str, Any]


class RecordValidator:
    """Validates raw records of one dataset and returns them in the normalised shape."""

    def __init__(
        self,
        schema: Schema,
        identity_fields: Mapping[str, str],
        namespaces: Mapping[str, Namespace],
        source: str,
    ) -> None:
        self.schema = schema
        self.tree = schema.tree()
        self.identity_fields = identity_fields
        self.namespaces = namespaces
        self.source = source
        self._normalise = members(self.tree)

    def validate(
        self, raw: Record, line: int, *, from_text: bool
    ) -> tuple[Record | None, list[Problem]]:
        """Return the normalised record, or None with the problems found in it."""
        problems: list[Problem] = []

        def report(field: str | None, message: str) -> None:
            problems.append(Problem(Location(self.source, line, field=field), message))

        record = _unflatten(raw) if from_text else raw
        identities = self._identities(record.pop(IDENTITY_MAP, None), report)
        normalised = REFUSED if from_text else self._normalise(record)
        if normalised is REFUSED:
            normalised = self._members(self.tree, record, "", from_text, report)
        if self.schema.schema_class is SchemaClass.EVENT:
            for name in EVENT_SYSTEM_FIELDS:
                if record.get(name) in (None, ""):
                    report(name, "is required for every event")
        for path, namespace in self.identity_fields.items():
            value = _lookup(normalised, path)
            if isinstance(value, str) and value:
                identities.append({"namespace": namespace, "id": value, "primary": False})
        self._choose_primary(identities, report)
        if problems:
            return None, problems
        normalised[IDENTITY_MAP] = identities
        return normalised, []

    def _value(self, node: Node, value: Any, path: str, from_text: bool, report: Any) -> Any:
        if node.is_array:
            if from_text and isinstance(value, str):
                try:
                    value = orjson.loads(value)
                except orjson.JSONDecodeError:
                    report(path, 'expected a JSON array, e.g. ["a", "b"]')
                    return None
            if not isinstance(value, list):
                report(path, "expected an array")
                return None
            element = Node(node.name, False, node.leaf, node.children)
            return [
                self._value(element, item, f"{path}[{i}]", False, report)
                for i, item in enumerate(value)
            ]
        if node.leaf is not None:
            converted, problem = convert(value, node.leaf, from_text=from_text)
            if problem:
                report(path, problem)
            return converted
        if not isinstance(value, dict):
            report(path, "expected an object")
            return None
        return self._members(node.children, value, f"{path}.", from_text, report)

    def _members(
        self, children: dict[str, Node], value: Record, prefix: str, from_text: bool, report: Any
    ) -> Record:
        """An object's fields checked against the schema nodes of its level."""
        result: Record = {}
        for key, child_value in value.items():
            child = children.get(key)
            if child is None:
                hint = did_you_mean(key, children) or "add it with `segmint schema apply`"
                report(f"{prefix}{key}", f"not in the {self.schema.schema_class} schema; {hint}")
            elif child_value is not None:
                result[key] = self._value(child, child_value, f"{prefix}{key}", from_text, report)
        return result

    def _identities(self, raw: Any, report: Any) -> list[Record]:
        if raw is None:
            return []
        if not isinstance(raw, dict):
            report(IDENTITY_MAP, 'expected an object {namespace: [{"id": ..., "primary": ...}]}')
            return []
        found: list[Record] = []
        for namespace, entries in raw.items():
            field = f"{IDENTITY_MAP}.{namespace}"
            if namespace not in self.namespaces:
                hint = did_you_mean(namespace, self.namespaces)
                report(
                    field,
                    f'unknown identity namespace "{namespace}"'
                    + (f"; {hint}" if hint else "; create it with `segmint namespace create`"),
                )
                continue
            for entry in entries if isinstance(entries, list) else [entries]:
                if isinstance(entry, str):
                    entry = {"id": entry}
                identity = entry.get("id") if isinstance(entry, dict) else None
                if identity in (None, ""):
                    continue
                if not isinstance(identity, str):
                    report(field, f"identity id must be a string, got {identity!r}")
                    continue
                found.append(
                    {"namespace": namespace, "id": identity, "primary": bool(entry.get("primary"))}
                )
        return found

    def _choose_primary(self, identities: list[Record], report: Any) -> None:
        """Exactly one primary: the flagged one, else the strongest namespace present."""
        if not identities:
            report(
                IDENTITY_MAP,
                "the record has no identity; give it an identityMap entry or an identity column",
            )
            return
        flagged = [identity for identity in identities if identity["primary"]]
        if len(flagged) > 1:
            names = ", ".join(f"{i['namespace']}:{i['id']}" for i in flagged)
            report(IDENTITY_MAP, f"more than one primary identity ({names}); mark exactly one")
            return
        if not flagged:
            strongest = min(identities, key=lambda i: self.namespaces[i["namespace"]].priority)
            strongest["primary"] = True


def _unflatten(flat: Record) -> Record:
    """Dotted CSV columns to nested objects; empty cells are missing values."""
    nested: Record = {}
    identities: dict[str, list[dict[str, Any]]] = {}
    for column, value in flat.items():
        if value is None or value == "":
            continue
        if column.startswith(IDENTITY_MAP + "."):
            identities[column.split(".", 1)[1]] = [{"id": value}]
            continue
        level = nested
        *parents, leaf = column.split(".")
        for parent in parents:
            level = level.setdefault(parent, {})
        level[leaf] = value
    if identities:
        nested[IDENTITY_MAP] = identities
    return nested


def _lookup(record: Record, path: str) -> Any:
    value: Any = record
    for name in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(name)
    return value
