"""``/api-keys``: the keys of the caller's sandbox, for its admins (the first comes from the
CLI, since the server holds the workspace while it runs)."""

from __future__ import annotations

from fastapi import APIRouter

from segmint.api.models.apikeys import CreatedKey, KeyIn, KeyOut
from segmint.api.models.common import PROBLEM_RESPONSES
from segmint.api.security import Admin, Caller
from segmint.store import apikeys

router = APIRouter(prefix="/api-keys", tags=["api keys"], responses=PROBLEM_RESPONSES)


@router.get("")
def list_keys(workspace: Admin, key: Caller) -> list[KeyOut]:
    return [KeyOut.of(found) for found in apikeys.keys(workspace.con, key.sandbox)]


@router.post("", status_code=201)
def create_key(workspace: Admin, key: Caller, body: KeyIn) -> CreatedKey:
    """A new key of this sandbox; its token is in this answer only."""
    created, token = apikeys.create(workspace.con, key.sandbox, body.role, body.label)
    return CreatedKey(**KeyOut.of(created).model_dump(), token=token)


@router.delete("/{key_id}")
def revoke_key(workspace: Admin, key: Caller, key_id: str) -> KeyOut:
    return KeyOut.of(apikeys.revoke(workspace.con, key_id, key.sandbox))
