"""Arrow types for schema nodes: the in-memory shape of validated records before storage."""

from __future__ import annotations

import pyarrow as pa

from segmint.schema.fields import FieldType, Node

_LEAF_TYPES: dict[FieldType, pa.DataType] = {
    FieldType.STRING: pa.string(),
    FieldType.INTEGER: pa.int64(),
    FieldType.NUMBER: pa.float64(),
    FieldType.BOOLEAN: pa.bool_(),
    FieldType.DATE: pa.date32(),
    FieldType.DATETIME: pa.timestamp("us"),
    FieldType.MAP: pa.map_(pa.string(), pa.string()),
}

#: The field of an input record that holds its identities.
IDENTITY_MAP = "identityMap"

#: Identities of a record in long form, whatever shape the input file used.
IDENTITY_TYPE = pa.list_(
    pa.struct([("namespace", pa.string()), ("id", pa.string()), ("primary", pa.bool_())])
)


def arrow_type(node: Node) -> pa.DataType:
    if node.leaf is not None:
        base = _LEAF_TYPES[node.leaf]
    else:
        base = pa.struct([(child.name, arrow_type(child)) for child in node.children.values()])
    return pa.list_(base) if node.is_array else base


def arrow_schema(tree: dict[str, Node]) -> pa.Schema:
    return pa.schema([(node.name, arrow_type(node)) for node in tree.values()])
