"""Field types and dotted paths: the vocabulary of every schema.

A schema is a flat mapping from a dotted path to a scalar type. ``[]`` after a segment marks an
array: ``productListItems[].SKU`` is the SKU of each item, ``interests[]`` an array of strings.
The flat form is what users write and what PQL paths resolve against; the nested form (the tree)
is what storage needs (DuckDB STRUCT / LIST / MAP columns, Arrow types).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from segmint.errors import Location, SchemaError


class FieldType(StrEnum):
    """The scalar types a leaf field can have."""

    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    MAP = "map"  # string keys to string values

    @property
    def duckdb_type(self) -> str:
        return _DUCKDB_TYPES[self]


_DUCKDB_TYPES = {
    FieldType.STRING: "VARCHAR",
    FieldType.INTEGER: "BIGINT",
    FieldType.NUMBER: "DOUBLE",
    FieldType.BOOLEAN: "BOOLEAN",
    FieldType.DATE: "DATE",
    FieldType.DATETIME: "TIMESTAMP",
    FieldType.MAP: "MAP(VARCHAR, VARCHAR)",
}

_SEGMENT = r"[A-Za-z_][A-Za-z0-9_]*(\[\])?"
_PATH = re.compile(rf"^{_SEGMENT}(\.{_SEGMENT})*$")


def parse_type(text: str, path: str) -> FieldType:
    try:
        return FieldType(text.strip().lower())
    except ValueError:
        names = ", ".join(t.value for t in FieldType)
        raise SchemaError(
            f'unknown type "{text}"',
            location=Location(field=path),
            hint=f"use one of: {names}",
        ) from None


def check_path(path: str) -> str:
    """Validate a dotted path such as ``productListItems[].SKU``; return it unchanged."""
    if not _PATH.match(path):
        raise SchemaError(
            f'"{path}" is not a valid field path',
            location=Location(field=path),
            hint="write dotted names of letters, digits and _, with [] after an array: "
            "productListItems[].SKU",
        )
    return path


@dataclass
class Node:
    """One node of the nested form: a leaf (``leaf`` set) or an object (``children`` set)."""

    name: str
    is_array: bool = False
    leaf: FieldType | None = None
    children: dict[str, Node] = field(default_factory=dict)

    def duckdb_type(self) -> str:
        if self.leaf is not None:
            base = self.leaf.duckdb_type
        else:
            members = ", ".join(
                f"{_quote(child.name)} {child.duckdb_type()}" for child in self.children.values()
            )
            base = f"STRUCT({members})"
        return f"{base}[]" if self.is_array else base


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def build_tree(fields: dict[str, FieldType]) -> dict[str, Node]:
    """Nest flat paths into top-level nodes; conflicting shapes are a schema error."""
    roots: dict[str, Node] = {}
    for path, leaf_type in fields.items():
        level = roots
        segments = path.split(".")
        for depth, segment in enumerate(segments):
            name = segment.removesuffix("[]")
            is_array = segment.endswith("[]")
            is_leaf = depth == len(segments) - 1
            node = level.get(name)
            if node is None:
                node = Node(name, is_array, leaf_type if is_leaf else None)
                level[name] = node
            elif node.is_array != is_array or (node.leaf is not None) != is_leaf:
                raise SchemaError(
                    f'"{path}" conflicts with the shape of another field under "{name}"',
                    location=Location(field=path),
                    hint="a name is either an object or a value, and either an array or not",
                )
            level = node.children
    return roots
