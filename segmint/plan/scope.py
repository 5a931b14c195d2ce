"""What a name means where it is written: bound variables, implicit subjects, chain labels, and
the schema fields of an object."""

from __future__ import annotations

from dataclasses import dataclass

from segmint.plan.nodes import Node, Profile
from segmint.plan.types import Kind, Type, from_field
from segmint.schema.model import Schema


@dataclass(frozen=True, slots=True)
class Scope:
    """The binding environment of one position in a definition.

    ``names`` maps variables (and aliases such as a lambda's profile parameter) to the node they
    stand for, innermost last; ``subjects`` are the objects bare field names refer to (the
    profile, then the item of each enclosing filter or chain step), innermost last; ``labels``
    are the chain steps a ``WHEN`` may refer to, whose events carry time in ``time_field``."""

    names: tuple[tuple[str, Node], ...] = ()
    subjects: tuple[Node, ...] = (Profile(),)
    labels: frozenset[str] = frozenset()
    time_field: str = ""

    def lookup(self, name: str) -> Node | None:
        for bound, node in reversed(self.names):
            if bound == name:
                return node
        return None

    def with_name(self, name: str, node: Node) -> Scope:
        return Scope((*self.names, (name, node)), self.subjects, self.labels, self.time_field)

    def with_subject(self, subject: Node) -> Scope:
        return Scope(self.names, (*self.subjects, subject), self.labels, self.time_field)

    def with_label(self, label: str, time_field: str) -> Scope:
        return Scope(self.names, self.subjects, self.labels | {label}, time_field)

    def fresh(self) -> str:
        """A variable name for an item the text leaves implicit (``xEvent[...]``): the first of
        ``_1``, ``_2``, ... not in scope, so binding the printed form gives the same name."""
        taken = {name for name, _ in self.names}
        number = 1
        while f"_{number}" in taken:
            number += 1
        return f"_{number}"


def lookup_field(schema: Schema, parent: Type, name: str) -> tuple[Type, str] | None:
    """The type and schema path of ``name`` in the object type ``parent``, or None if the schema
    has no such field. Through a list (``parent.many``) the result is a list too."""
    prefix = parent.path
    full = f"{prefix}.{name}" if prefix else name
    fields = schema.fields
    for path, many in ((full, False), (full + "[]", True)):
        leaf = fields.get(path)
        if leaf is not None:
            return from_field(leaf, many or parent.many), path
        if any(candidate.startswith(path + ".") for candidate in fields):
            found = Type(Kind.OBJECT, many or parent.many, parent.scope, path)
            return found, path
    return None


def field_names(schema: Schema, parent: Type) -> list[str]:
    """The names directly under ``parent``, for "did you mean" hints."""
    prefix = parent.path + "." if parent.path else ""
    names = {
        path[len(prefix) :].split(".")[0].removesuffix("[]")
        for path in schema.fields
        if path.startswith(prefix)
    }
    return sorted(names)
