"""``/profiles``: merged profiles looked up by any of their identities."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from segmint.api.models.common import PROBLEM_RESPONSES
from segmint.api.models.profiles import ProfileOut
from segmint.api.security import Reader
from segmint.store import profiles

router = APIRouter(prefix="/profiles", tags=["profiles"], responses=PROBLEM_RESPONSES)


@router.get("")
def get_profile(
    workspace: Reader,
    identity: Annotated[str, Query(description="NAMESPACE:ID, e.g. email:ann@example.com")],
    merge_policy_id: Annotated[
        str | None, Query(alias="mergePolicyId", description="Default: the sandbox's default.")
    ] = None,
) -> ProfileOut:
    """The merged profile of an identity, with its identities and recent events."""
    view = profiles.profile_view(workspace.con, identity, merge_policy_id)
    return ProfileOut.model_validate(view)
