"""``/merge-policies``: how fragments become one profile; changing them is for admins."""

from __future__ import annotations

from fastapi import APIRouter

from segmint.api.models.catalog import MergePolicyIn, MergePolicyOut
from segmint.api.models.common import PROBLEM_RESPONSES
from segmint.api.security import Admin, Reader
from segmint.store import catalog

router = APIRouter(prefix="/merge-policies", tags=["merge policies"], responses=PROBLEM_RESPONSES)


@router.get("")
def list_policies(workspace: Reader) -> list[MergePolicyOut]:
    return [MergePolicyOut.of(policy) for policy in catalog.merge_policies(workspace.con)]


@router.get("/{policy_id}")
def get_policy(workspace: Reader, policy_id: str) -> MergePolicyOut:
    return MergePolicyOut.of(catalog.merge_policy(workspace.con, policy_id))


@router.post("", status_code=201)
def create_policy(workspace: Admin, body: MergePolicyIn) -> MergePolicyOut:
    """Create a merge policy; ``default: true`` makes it the sandbox's default."""
    with workspace.transaction():
        catalog.create_merge_policy(workspace.con, body.to_policy())
        if body.default:
            catalog.set_default_merge_policy(workspace.con, body.name)
        return MergePolicyOut.of(catalog.merge_policy(workspace.con, body.name))
