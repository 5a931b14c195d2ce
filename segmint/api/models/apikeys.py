"""API keys of the caller's sandbox, managed by its admins."""

from __future__ import annotations

from pydantic import Field

from segmint.api.models.common import ApiModel, UtcDateTime
from segmint.store.apikeys import ApiKey, Role


class KeyIn(ApiModel):
    role: Role = Role.READ
    label: str = ""


class KeyOut(ApiModel):
    id: str
    sandbox: str
    role: Role
    label: str
    created_at: UtcDateTime
    revoked_at: UtcDateTime | None

    @classmethod
    def of(cls, key: ApiKey) -> KeyOut:
        return cls(
            id=key.id,
            sandbox=key.sandbox,
            role=key.role,
            label=key.label,
            created_at=key.created_at,
            revoked_at=key.revoked_at,
        )


class CreatedKey(KeyOut):
    token: str = Field(description="The bearer token; shown once, only its digest is stored.")
