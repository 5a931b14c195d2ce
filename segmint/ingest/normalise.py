"""A schema compiled to closures that normalise a valid JSON record in one pass, reporting
nothing: most records are valid, and building each field's path on the way, in case it has a
problem to report, costs more than checking it. A record it refuses takes the precise path
(``RecordValidator``), which locates every problem; both accept exactly the same records and
give them the same shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from segmint.ingest.values import CONVERTERS
from segmint.schema.fields import FieldType, Node

#: What a normaliser gives for a value the precise path reports a problem in.
REFUSED: Any = object()

Normalise = Callable[[Any], Any]


def members(children: dict[str, Node]) -> Normalise:
    """The normaliser of an object's fields (a record's top level included): an unknown
    field refuses the object, a null one is left out."""
    inner = {name: _compiled(node) for name, node in children.items()}

    def run(value: dict[str, Any]) -> Any:
        result = {}
        for key, item in value.items():
            check = inner.get(key)
            if check is None:
                return REFUSED
            if item is not None:
                found = check(item)
                if found is REFUSED:
                    return REFUSED
                result[key] = found
        return result

    return run


def _compiled(node: Node) -> Normalise:
    if node.is_array:
        element = _compiled(Node(node.name, False, node.leaf, node.children))

        def array(value: Any) -> Any:
            if not isinstance(value, list):
                return REFUSED
            found = [element(item) for item in value]
            return REFUSED if REFUSED in found else found

        return array
    if node.leaf is not None:
        return _leaf(node.leaf)
    fields = members(node.children)
    return lambda value: fields(value) if isinstance(value, dict) else REFUSED


def _leaf(leaf: FieldType) -> Normalise:
    if leaf is FieldType.STRING:  # the commonest type, checked without a call
        return lambda value: value if isinstance(value, str) else REFUSED

    converter = CONVERTERS[leaf]

    def run(value: Any) -> Any:
        converted, problem = converter(value, False)
        return REFUSED if problem is not None else converted

    return run
