"""The vectorised path: fit a whole Arrow table to the schema in one go.

Any doubt (an unknown field, a value that does not cast, a missing identity) raises
``Mismatch``; the pipeline then falls back to record-by-record validation, which says exactly
where the problem is. Valid files, the common case, never pay for per-record Python.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from segmint.identity.graph import Namespace
from segmint.schema.arrow import IDENTITY_MAP, IDENTITY_TYPE, arrow_type
from segmint.schema.fields import FieldType, Node
from segmint.schema.model import EVENT_SYSTEM_FIELDS, Schema, SchemaClass


class Mismatch(Exception):
    """The table does not fit as a whole; validate it record by record instead."""


#: What Arrow raises when data does not fit a type: the whole-table path then gives way to
#: the record-by-record one, which locates each problem.
ARROW_ERRORS = (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError)


def conform(
    raw: pa.Table,
    schema: Schema,
    identity_fields: Mapping[str, str],
    namespaces: Mapping[str, Namespace],
    *,
    from_text: bool,
) -> pa.Table:
    tree = schema.tree()
    columns = _flat_columns(raw, tree) if from_text else _nested_columns(raw, tree)
    identities = _identity_entries(raw, from_text)
    table = pa.table(columns) if columns else pa.table({"_": pa.nulls(raw.num_rows)}).drop(["_"])
    for path, namespace in identity_fields.items():
        identities.append(_column_part(namespace, _leaf_column(table, path)))
    if schema.schema_class is SchemaClass.EVENT:
        for name in EVENT_SYSTEM_FIELDS:
            if name not in table.column_names or table[name].null_count:
                raise Mismatch(f"{name} missing")
    return table.append_column(IDENTITY_MAP, _identity_lists(raw.num_rows, identities, namespaces))


def _nested_columns(raw: pa.Table, tree: dict[str, Node]) -> dict[str, pa.Array]:
    columns: dict[str, pa.Array] = {}
    for name in raw.column_names:
        if name == IDENTITY_MAP:
            continue
        node = tree.get(name)
        if node is None:
            raise Mismatch(f"unknown field {name}")
        columns[name] = _fit(raw[name].combine_chunks(), node)
    return columns


def _fit(array: pa.Array, node: Node) -> pa.Array:
    target = arrow_type(node)
    if pa.types.is_null(array.type):
        return pa.nulls(len(array), target)
    if node.is_array:
        if not (pa.types.is_list(array.type) or pa.types.is_large_list(array.type)):
            raise Mismatch(f"{node.name} is not a list")
        element = Node(node.name, False, node.leaf, node.children)
        values = _fit(array.flatten(), element)
        return pa.ListArray.from_arrays(_offsets(array), values, type=target, mask=array.is_null())
    if node.leaf is not None:
        return _cast_leaf(array, node.leaf, target)
    if not pa.types.is_struct(array.type):
        raise Mismatch(f"{node.name} is not an object")
    present = {array.type.field(i).name for i in range(array.type.num_fields)}
    if present - set(node.children):
        raise Mismatch(f"unknown fields under {node.name}")
    children = [
        _fit(pc.struct_field(array, [name]), child)
        if name in present
        else pa.nulls(len(array), arrow_type(child))
        for name, child in node.children.items()
    ]
    return pa.StructArray.from_arrays(children, fields=list(target), mask=array.is_null())


def _offsets(array: pa.Array) -> pa.Array:
    offsets = array.offsets
    return pc.subtract(offsets, offsets[0]) if len(offsets) and offsets[0].as_py() else offsets


def _cast_leaf(array: pa.Array, leaf: FieldType, target: pa.DataType) -> pa.Array:
    try:
        if leaf is FieldType.DATETIME and not pa.types.is_timestamp(array.type):
            array = pc.cast(array, pa.timestamp("us", tz="UTC"))
        elif leaf is FieldType.STRING and not pa.types.is_string(array.type):
            raise Mismatch("not a string")
        elif leaf is FieldType.MAP and not pa.types.is_map(array.type):
            raise Mismatch("not a map")
        elif leaf is FieldType.BOOLEAN and pa.types.is_string(array.type):
            raise Mismatch("booleans must not be text")
        if pa.types.is_timestamp(array.type) and array.type.tz is not None:
            array = pc.cast(array, pa.timestamp("us", tz="UTC"))
        return pc.cast(array, target)
    except ARROW_ERRORS as error:
        raise Mismatch(str(error)) from None


def _flat_columns(raw: pa.Table, tree: dict[str, Node]) -> dict[str, pa.Array]:
    """CSV: dotted text columns nested into the schema's shape, cells cast to their types."""
    known = {name for name in raw.column_names if name.startswith(IDENTITY_MAP + ".")}
    columns: dict[str, pa.Array] = {}
    for name, node in tree.items():
        array = _text_node(raw, node, name, known)
        if array is not None:
            columns[name] = array
    if set(raw.column_names) - known:
        raise Mismatch("unknown columns")
    return columns


def _text_node(raw: pa.Table, node: Node, path: str, used: set[str]) -> pa.Array | None:
    if node.is_array or node.leaf is FieldType.MAP:
        if path not in raw.column_names:
            return None
        used.add(path)
        cells = raw[path].combine_chunks().to_pylist()
        try:
            parsed = [None if c is None else orjson.loads(c) for c in cells]
            if node.leaf is FieldType.MAP:
                parsed = [None if p is None else list(p.items()) for p in parsed]
            return pa.array(parsed, type=arrow_type(node))
        except (orjson.JSONDecodeError, AttributeError, *ARROW_ERRORS) as error:
            raise Mismatch(str(error)) from None
    if node.leaf is not None:
        if path not in raw.column_names:
            return None
        used.add(path)
        array = raw[path].combine_chunks()
        if node.leaf is FieldType.BOOLEAN:
            array = pc.utf8_lower(pc.utf8_trim_whitespace(array))
            known = pc.or_kleene(pc.is_in(array, pa.array(["true", "false"])), pc.is_null(array))
            if not pc.all(known).as_py():
                raise Mismatch("not a boolean")
            return pc.equal(array, "true")
        return _cast_leaf(
            pc.utf8_trim_whitespace(array) if node.leaf is not FieldType.STRING else array,
            node.leaf,
            arrow_type(node),
        )
    children = {
        name: _text_node(raw, child, f"{path}.{name}", used)
        for name, child in node.children.items()
    }
    if all(child is None for child in children.values()):
        return None
    arrays = [
        child if child is not None else pa.nulls(raw.num_rows, arrow_type(node.children[name]))
        for name, child in children.items()
    ]
    return pa.StructArray.from_arrays(arrays, fields=list(arrow_type(node)))


def _leaf_column(table: pa.Table, path: str) -> pa.Array:
    top, *rest = path.split(".")
    if top not in table.column_names:
        return pa.nulls(table.num_rows, pa.string())
    array = table[top].combine_chunks()
    for name in rest:
        array = pc.struct_field(array, [name])
    return array


class IdentityPart(NamedTuple):
    """Identities in long form: the record each belongs to, its namespace, id and primary flag."""

    rows: npt.NDArray[np.int64]
    namespaces: pa.Array
    ids: pa.Array
    flags: pa.Array


def _column_part(namespace: str, ids: pa.Array) -> IdentityPart:
    """One identity column (a CSV column, an identity field): one id per record, not flagged."""
    rows = len(ids)
    return IdentityPart(
        np.arange(rows), pa.array([namespace] * rows, pa.string()), ids, pa.nulls(rows, pa.bool_())
    )


def _identity_entries(raw: pa.Table, from_text: bool) -> list[IdentityPart]:
    """Every identity of every record, from CSV columns or an identityMap struct or map."""
    if from_text:
        return [
            _column_part(name.split(".", 1)[1], raw[name].combine_chunks())
            for name in raw.column_names
            if name.startswith(IDENTITY_MAP + ".")
        ]
    if IDENTITY_MAP not in raw.column_names:
        return []
    column = raw[IDENTITY_MAP].combine_chunks()
    if pa.types.is_map(column.type):
        sizes = np.diff(column.offsets.to_numpy())
        entry_rows = np.repeat(np.arange(len(column)), sizes)
        return [_list_part(column.items, entry_rows, column.keys)]
    if not pa.types.is_struct(column.type):
        raise Mismatch("identityMap shape")
    parts = []
    for index in range(column.type.num_fields):
        name = column.type.field(index).name
        lists = pc.struct_field(column, [index])
        parts.append(_list_part(lists, np.arange(len(lists)), pa.array([name] * len(lists))))
    return parts


def _list_part(lists: pa.Array, owner: npt.NDArray[np.int64], names: pa.Array) -> IdentityPart:
    """Lists of {id, primary} entries; ``owner`` and ``names`` give each list's record and
    namespace."""
    if not pa.types.is_list(lists.type) or not pa.types.is_struct(lists.type.value_type):
        raise Mismatch("identity entries shape")
    items = lists.flatten()
    parent = pc.list_parent_indices(lists)
    ids = pc.struct_field(items, ["id"])
    if not pa.types.is_string(ids.type):
        raise Mismatch("identity id type")
    has_primary = items.type.get_field_index("primary") >= 0
    flags = pc.struct_field(items, ["primary"]) if has_primary else pa.nulls(len(items), pa.bool_())
    return IdentityPart(
        owner[parent.to_numpy()], names.take(parent), ids, pc.cast(flags, pa.bool_())
    )


def _identity_lists(
    rows: int, parts: list[IdentityPart], namespaces: Mapping[str, Namespace]
) -> pa.Array:
    """Long-form identity lists per row with exactly one primary (flagged, else the strongest)."""
    if not parts:
        raise Mismatch("no identities")
    ids = pa.concat_arrays([part.ids for part in parts])
    names = pa.concat_arrays([part.namespaces for part in parts]).dictionary_encode()
    if any(name not in namespaces for name in names.dictionary.to_pylist()):
        raise Mismatch("unknown namespace")
    valid = pc.and_(pc.is_valid(ids), pc.not_equal(ids, "")).fill_null(False)
    keep = np.flatnonzero(valid.to_numpy(zero_copy_only=False))
    row = np.concatenate([part.rows for part in parts])[keep]
    flags = pa.concat_arrays([part.flags for part in parts]).fill_null(False)
    flag = flags.to_numpy(zero_copy_only=False)[keep].astype(bool)
    priorities = np.array([namespaces[n].priority for n in names.dictionary.to_pylist()])
    codes = names.indices.to_numpy(zero_copy_only=False)[keep]
    per_row_flags = np.bincount(row, weights=flag, minlength=rows)
    if (np.bincount(row, minlength=rows) == 0).any() or (per_row_flags > 1).any():
        raise Mismatch("identity count")
    order = np.lexsort((priorities[codes], row))  # by record, strongest namespace first
    row, flag = row[order], flag[order]
    first = np.r_[True, row[1:] != row[:-1]]
    flag |= first & (per_row_flags[row] == 0)
    chosen = keep[order]
    values = pa.StructArray.from_arrays(
        [names.dictionary.take(pa.array(codes[order])), ids.take(chosen), pa.array(flag)],
        fields=list(IDENTITY_TYPE.value_type),
    )
    offsets = np.r_[0, np.cumsum(np.bincount(row, minlength=rows))].astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), values, type=IDENTITY_TYPE)
