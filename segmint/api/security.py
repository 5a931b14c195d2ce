"""Who may do what: a bearer API key names one sandbox and a role.

A missing, malformed, unknown or revoked key is 401; a key of another sandbox than the
``x-sandbox-name`` header (default ``prod``), or with too small a role, is 403. Reading needs
``read``, ingestion and definitions need ``write``, keys and merge policies need ``admin``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from segmint.api.service import Service
from segmint.config import DEFAULT_SANDBOX
from segmint.errors import SegmintError
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


async def caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    x_sandbox_name: Annotated[
        str, Header(description="The sandbox to work in; the key must belong to it.")
    ] = DEFAULT_SANDBOX,
) -> ApiKey:
    """The key of the request, checked against the sandbox the request names; on the event
    loop, since a known key needs no query (an unknown one is looked up on a worker thread)."""
    if credentials is None:
        raise Unauthorized(
            "this request has no API key",
            hint="send `Authorization: Bearer KEY`; create a key with "
            "`segmint apikey create --sandbox SANDBOX`",
        )
    token = credentials.credentials
    known = service(request).known_key(token)
    key = known or await run_in_threadpool(service(request).authenticate, token)
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


def _authorized(role: Role) -> Callable[[ApiKey], Awaitable[ApiKey]]:
    async def authorized(key: Annotated[ApiKey, Depends(caller)]) -> ApiKey:
        if not key.role.allows(role):
            raise Forbidden(
                f"this needs a key with the {role} role; this key has {key.role}",
                hint=f"ask an admin of sandbox {key.sandbox} for a {role} key",
            )
        return key

    return authorized


_AUTHORIZED = {role: _authorized(role) for role in Role}


def _session(role: Role) -> Callable[[Request, ApiKey], Iterator[Workspace]]:
    # A default, not an annotation: annotations are strings resolved in the module's globals.
    def session(request: Request, key: ApiKey = Depends(_AUTHORIZED[role])) -> Iterator[Workspace]:
        with service(request).session(key.sandbox, write=role is not Role.READ) as workspace:
            yield workspace

    return session


Caller = Annotated[ApiKey, Depends(caller)]
#: A key that may read, for routes that answer from memory and open a session only if needed.
ReadKey = Annotated[ApiKey, Depends(_AUTHORIZED[Role.READ])]
#: A key that may write, for routes that manage their own sessions (streaming collection).
WriteKey = Annotated[ApiKey, Depends(_AUTHORIZED[Role.WRITE])]
Reader = Annotated[Workspace, Depends(_session(Role.READ))]
Writer = Annotated[Workspace, Depends(_session(Role.WRITE))]
Admin = Annotated[Workspace, Depends(_session(Role.ADMIN))]
