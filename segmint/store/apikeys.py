"""API keys for the REST API: each key names one sandbox and a role; only a digest is stored.

A key is ``sgm_<id>_<secret>`` with a 32-byte random secret. The table lives in the workspace's
``main`` schema, outside every sandbox, so that a key can name the sandbox it belongs to.

The digest is a plain SHA-256 of the secret, not a salted slow hash: salts and scrypt exist to
protect low-entropy passwords against dictionary and precomputed attacks, which do not apply to
256 random bits, while a slow hash would cost tens of milliseconds on every request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from segmint.engines.duckdb import Connection
from segmint.errors import NotFoundError
from segmint.store.catalog import now

_TABLE = "main.api_keys"
_PREFIX = "sgm"


class Role(StrEnum):
    """What a key may do; each role includes the ones before it."""

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"

    def allows(self, needed: Role) -> bool:
        order = list(Role)
        return order.index(self) >= order.index(needed)


@dataclass(frozen=True)
class ApiKey:
    id: str
    sandbox: str
    role: Role
    label: str
    created_at: datetime
    revoked_at: datetime | None = None


def ensure_table(con: Connection) -> None:
    """Create the key table when missing; done by writers, so lookups never write."""
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {_TABLE} (
            id VARCHAR PRIMARY KEY, sandbox VARCHAR NOT NULL, role VARCHAR NOT NULL,
            label VARCHAR NOT NULL, digest VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL,
            revoked_at TIMESTAMP)"""
    )


def create(con: Connection, sandbox: str, role: Role, label: str = "") -> tuple[ApiKey, str]:
    """A new key and its token; the token is shown once and cannot be recovered."""
    ensure_table(con)
    key = ApiKey(secrets.token_hex(6), sandbox, role, label, now())
    secret = secrets.token_urlsafe(32)
    con.execute(
        f"INSERT INTO {_TABLE} VALUES (?, ?, ?, ?, ?, ?, NULL)",
        [key.id, key.sandbox, key.role.value, key.label, _digest(secret), key.created_at],
    )
    return key, f"{_PREFIX}_{key.id}_{secret}"


def keys(con: Connection, sandbox: str | None = None) -> list[ApiKey]:
    """Every key (revoked ones too, for the record), or those of one sandbox."""
    ensure_table(con)
    rows = con.execute(
        f"SELECT id, sandbox, role, label, created_at, revoked_at FROM {_TABLE} "
        "WHERE ? IS NULL OR sandbox = ? ORDER BY created_at, id",
        [sandbox, sandbox],
    ).fetchall()
    return [ApiKey(i, s, Role(r), label, c, rv) for i, s, r, label, c, rv in rows]


def revoke(con: Connection, key_id: str, sandbox: str | None = None) -> ApiKey:
    """Revoke a key (of one sandbox, when given); revoking twice keeps the first time."""
    if key_id not in {key.id for key in keys(con, sandbox)}:
        raise NotFoundError(
            f'API key "{key_id}" does not exist' + (f" in sandbox {sandbox}" if sandbox else ""),
            hint="list keys with `segmint apikey list`",
        )
    con.execute(
        f"UPDATE {_TABLE} SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?", [now(), key_id]
    )
    return next(key for key in keys(con, sandbox) if key.id == key_id)


def authenticate(con: Connection, token: str) -> ApiKey | None:
    """The live key a token belongs to, or None for a malformed, unknown or revoked token."""
    prefix, _, rest = token.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != _PREFIX or not key_id or not secret:
        return None
    row = con.execute(
        f"SELECT sandbox, role, label, digest, created_at FROM {_TABLE} "
        "WHERE id = ? AND revoked_at IS NULL",
        [key_id],
    ).fetchone()
    if row is None or not hmac.compare_digest(row[3], _digest(secret)):
        return None
    return ApiKey(key_id, row[0], Role(row[1]), row[2], row[4])


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
