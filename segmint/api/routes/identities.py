"""``/identities``: the identity graph an identity belongs to."""

from __future__ import annotations

from fastapi import APIRouter

from segmint.api.models.common import PROBLEM_RESPONSES
from segmint.api.models.profiles import GraphOut
from segmint.api.security import Reader
from segmint.store import identities

router = APIRouter(prefix="/identities", tags=["identities"], responses=PROBLEM_RESPONSES)


@router.get("/{identity:path}")
def get_graph(workspace: Reader, identity: str) -> GraphOut:
    """Members, links and kept-out links of the graph of ``NAMESPACE:ID``."""
    graph = identities.graph_of(workspace.con, *identities.parse_identity(identity))
    return GraphOut.model_validate(graph)
