"""``/segment/definitions``: create, list, read, update (a new version) and delete segments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from segmint import segments
from segmint.api.models.common import PROBLEM_RESPONSES
from segmint.api.models.definitions import (
    DefinitionIn,
    DefinitionOut,
    DefinitionPage,
    DefinitionPatch,
    DefinitionVersion,
)
from segmint.api.paging import Limit, Start, page
from segmint.api.security import Reader, Writer
from segmint.store import definitions
from segmint.store.definitions import Lifecycle

router = APIRouter(
    prefix="/segment/definitions", tags=["segment definitions"], responses=PROBLEM_RESPONSES
)


@router.get("")
def list_definitions(
    workspace: Reader,
    request: Request,
    start: Start = 0,
    limit: Limit = 20,
    name: Annotated[str | None, Query(description="Names containing this (any case).")] = None,
    lifecycle_state: Annotated[Lifecycle | None, Query(alias="lifecycleState")] = None,
) -> DefinitionPage:
    """Segment definitions by name, a page at a time."""
    wanted = [
        segment
        for segment in definitions.all_segments(workspace.con)
        if (name is None or name.casefold() in segment.name.casefold())
        and (lifecycle_state is None or segment.spec.lifecycle is lifecycle_state)
    ]
    chosen, info, link = page(wanted, start, limit, request.url)
    return DefinitionPage(segments=[DefinitionOut.of(s) for s in chosen], page=info, link=link)


@router.post("", status_code=201)
def create_definition(workspace: Writer, body: DefinitionIn) -> DefinitionOut:
    """Create a definition; its PQL must bind to the schemas and its references exist."""
    with workspace.transaction():
        return DefinitionOut.of(segments.create(workspace.con, body.to_spec()))


@router.get("/{segment_id}")
def get_definition(workspace: Reader, segment_id: str) -> DefinitionOut:
    """A definition by id (or name)."""
    return DefinitionOut.of(definitions.find(workspace.con, segment_id))


@router.get("/{segment_id}/versions")
def list_versions(workspace: Reader, segment_id: str) -> list[DefinitionVersion]:
    segment = definitions.find(workspace.con, segment_id)
    return [
        DefinitionVersion.model_validate(v) for v in definitions.versions(workspace.con, segment)
    ]


@router.patch("/{segment_id}")
def update_definition(workspace: Writer, segment_id: str, body: DefinitionPatch) -> DefinitionOut:
    """Change the given fields; any change is a new version."""
    with workspace.transaction():
        current = definitions.find(workspace.con, segment_id)
        spec = body.apply_to(current.spec)
        return DefinitionOut.of(segments.update(workspace.con, current.id, spec))


@router.delete("/{segment_id}", status_code=204)
def delete_definition(workspace: Writer, segment_id: str) -> Response:
    """Delete a definition; 409 while another definition references it."""
    with workspace.transaction():
        definitions.delete(workspace.con, definitions.find(workspace.con, segment_id))
    return Response(status_code=204)
