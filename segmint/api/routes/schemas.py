"""``/schemas``: the profile and event schemas of the sandbox, extended field by field."""

from __future__ import annotations

from fastapi import APIRouter

from segmint.api.models.catalog import SchemaApplied, SchemaExtension, SchemaOut
from segmint.api.models.common import PROBLEM_RESPONSES
from segmint.api.security import Reader, Writer
from segmint.schema.model import SchemaClass
from segmint.store import catalog

router = APIRouter(prefix="/schemas", tags=["schemas"], responses=PROBLEM_RESPONSES)


@router.get("")
def list_schemas(workspace: Reader) -> list[SchemaOut]:
    return [SchemaOut.of(catalog.schema(workspace.con, cls)) for cls in SchemaClass]


@router.post("")
def extend_schema(workspace: Writer, extension: SchemaExtension) -> SchemaApplied:
    """Add fields to a schema (and its data table); the types of existing fields never change."""
    with workspace.transaction():
        added = catalog.apply_schema(workspace.con, extension.to_schema())
        extended = catalog.schema(workspace.con, extension.class_)
    return SchemaApplied(class_=extended.schema_class, fields=dict(extended.fields), added=added)
