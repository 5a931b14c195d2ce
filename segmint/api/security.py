"""Who may do what: a bearer API key names one sandbox and a role.

A missing, malformed, unknown or revoked key is 401; a key of another sandbox than the
``x-sandbox-name`` header (default ``prod``), or with too small a role, is 403. Reading needs
``read``, ingestion and definitions need ``write``, keys and merge policies need ``admin``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from segmint.api.service import Service
from segmint.config import DEFAULT_SANDBOX
from segmint.errors import SegmintError
from segmint.store import apikeys
from segmint.store.apikeys import ApiKey, Role
from segmint.store.workspace import Workspace

_bearer = HTTPBearer(auto_error=False, description="An API key from `segmint apikey create`.")


class Unauthorized(SegmintError):
    http_status = 401
    title = "Unauthorized"


class Forbidden(SegmintError):
    http_status = 403
    title = "Forbidden"


def service(request: Request) -> Service:
    found: Service = request.app.state.service
    return found


def caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    x_sandbox_name: Annotated[
        str, Header(description="The sandbox to work in; the key must belong to it.")
    ] = DEFAULT_SANDBOX,
) -> ApiKey:
    """The key of the request, checked against the sandbox the request names."""
    if credentials is None:
        raise Unauthorized(
            "this request has no API key",
            hint="send `Authorization: Bearer KEY`; create a key with "
            "`segmint apikey create --sandbox SANDBOX`",
        )
    with service(request).cursor() as con:
        key = apikeys.authenticate(con, credentials.credentials)
    if key is None:
        raise Unauthorized(
            "the API key is not valid (unknown, malformed or revoked)",
            hint="check the key, or create a new one with `segmint apikey create`",
        )
    if key.sandbox != x_sandbox_name:
        raise Forbidden(
            f'this API key belongs to sandbox "{key.sandbox}", not "{x_sandbox_name}"',
            hint=f"send `x-sandbox-name: {key.sandbox}`, or use a key of {x_sandbox_name}",
        )
    return key


def _session(role: Role) -> Callable[[Request, ApiKey], Iterator[Workspace]]:
    def session(request: Request, key: Annotated[ApiKey, Depends(caller)]) -> Iterator[Workspace]:
        if not key.role.allows(role):
            raise Forbidden(
                f"this needs a key with the {role} role; this key has {key.role}",
                hint=f"ask an admin of sandbox {key.sandbox} for a {role} key",
            )
        with service(request).session(key.sandbox, write=role is not Role.READ) as workspace:
            yield workspace

    return session


Caller = Annotated[ApiKey, Depends(caller)]
Reader = Annotated[Workspace, Depends(_session(Role.READ))]
Writer = Annotated[Workspace, Depends(_session(Role.WRITE))]
Admin = Annotated[Workspace, Depends(_session(Role.ADMIN))]
