"""A schema: the typed fields of one class of data (profile records or time-series events)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from segmint.errors import Location, SchemaError
from segmint.schema.fields import FieldType, Node, build_tree, check_path, parse_type


class SchemaClass(StrEnum):
    PROFILE = "profile"
    EVENT = "event"


#: Fields every event carries; they map to dedicated columns, not user fields.
EVENT_SYSTEM_FIELDS: dict[str, FieldType] = {
    "_id": FieldType.STRING,
    "timestamp": FieldType.DATETIME,
    "eventType": FieldType.STRING,
}


@dataclass(frozen=True)
class Schema:
    """Flat ``path -> type`` fields of one schema class; immutable, changed only by ``extend``."""

    schema_class: SchemaClass
    fields: dict[str, FieldType]

    def __post_init__(self) -> None:
        for path in self.fields:
            check_path(path)
        build_tree(self.fields)  # rejects conflicting shapes early

    def tree(self) -> dict[str, Node]:
        return build_tree(self.fields)

    def leaf(self, path: str) -> FieldType | None:
        return self.fields.get(path)

    def extend(self, added: dict[str, FieldType]) -> Schema:
        """Add fields; changing the type of an existing field is refused (it would lose data)."""
        for path, new_type in added.items():
            old_type = self.fields.get(path)
            if old_type is not None and old_type != new_type:
                raise SchemaError(
                    f"cannot change the type of {path} from {old_type} to {new_type}",
                    location=Location(field=path),
                    hint="types of stored fields never change; add a new field under another "
                    "name instead",
                )
        return Schema(self.schema_class, {**self.fields, **added})

    def to_json(self) -> dict[str, Any]:
        return {
            "class": self.schema_class.value,
            "fields": {p: t.value for p, t in self.fields.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Schema:
        schema_class = SchemaClass(data["class"])
        return cls(schema_class, {p: parse_type(t, p) for p, t in data["fields"].items()})
