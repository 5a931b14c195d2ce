"""The static types the binder infers: enough to check a definition and to compile it to SQL."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from segmint.schema.fields import FieldType


class Kind(StrEnum):
    """What a value is. OBJECT is a record of named fields; ANY is an unconstrained value."""

    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    MAP = "map"
    OBJECT = "object"
    NULL = "null"
    ANY = "any"


NUMERIC = frozenset({Kind.INTEGER, Kind.NUMBER})
TEMPORAL = frozenset({Kind.DATE, Kind.DATETIME})


@dataclass(frozen=True, slots=True)
class Type:
    """A value's kind, whether it is a list (an array or a projection through one) and, for
    objects, where their fields come from: ``scope`` names the schema (profile or event) and
    ``path`` the object's schema path (``""`` for the root, ``productListItems[]`` for items)."""

    kind: Kind
    many: bool = False
    scope: str = ""
    path: str = ""

    def item(self) -> Type:
        return replace(self, many=False)

    def listed(self) -> Type:
        return replace(self, many=True)

    def describe(self) -> str:
        """The type as an error message names it, with its article: "an integer"."""
        if self.many:
            return f"a list of {self.kind} values"
        return f"an {self.kind}" if self.kind[0] in "aeiou" else f"a {self.kind}"


BOOLEAN = Type(Kind.BOOLEAN)
INTEGER = Type(Kind.INTEGER)
NUMBER = Type(Kind.NUMBER)
STRING = Type(Kind.STRING)
DATE = Type(Kind.DATE)
DATETIME = Type(Kind.DATETIME)
NULL = Type(Kind.NULL)
ANY = Type(Kind.ANY)
PROFILE = Type(Kind.OBJECT, scope="profile")
EVENT = Type(Kind.OBJECT, scope="event")


def from_field(field_type: FieldType, many: bool) -> Type:
    """The type of a schema leaf."""
    return Type(Kind(field_type.value), many)


def unify(left: Type, right: Type) -> Type | None:
    """The common type of two values that may stand in the same place, or None if none."""
    if left.kind in (Kind.NULL, Kind.ANY):
        return right if left.kind is Kind.NULL or right.kind is not Kind.NULL else left
    if right.kind in (Kind.NULL, Kind.ANY):
        return left
    if left.many != right.many:
        return None
    if left.kind in NUMERIC and right.kind in NUMERIC:
        return Type(Kind.INTEGER if left.kind == right.kind == Kind.INTEGER else Kind.NUMBER,
                    left.many)  # fmt: skip
    return left if left == right else None
