"""The real app over a real workspace: sandboxes prod and dev, and a key for each role."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from segmint.api.app import create_app
from segmint.cli.workspace import create_sandbox
from segmint.schema.model import SchemaClass
from segmint.store import apikeys, catalog
from segmint.store.apikeys import Role
from tests.conftest import make_workspace

CRM_HEADER = ["identityMap.crmId", "identityMap.email", "person.name.firstName", "person.birthYear"]


@dataclass(frozen=True)
class Keys:
    """Tokens by name: ``read``, ``write``, ``admin`` of prod; ``dev`` (admin of dev)."""

    read: str
    write: str
    admin: str
    dev: str


@dataclass
class Api:
    client: httpx.AsyncClient
    keys: Keys

    def auth(self, role: str = "admin", sandbox: str | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {getattr(self.keys, role)}"}
        return headers | ({"x-sandbox-name": sandbox} if sandbox else {})


def prepare_workspace(path: Path) -> Keys:
    """Datasets crm, loyalty, web, app in prod; web in dev; keys of every role."""
    with make_workspace(path) as ws:
        create_sandbox(ws, "dev")
        ws.use("dev")
        catalog.create_dataset(ws.con, catalog.Dataset("web", SchemaClass.EVENT))
        tokens = {role.value: apikeys.create(ws.con, "prod", role)[1] for role in Role}
        return Keys(**tokens, dev=apikeys.create(ws.con, "dev", Role.ADMIN)[1])


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def workspace_path(tmp_path: Path) -> Path:
    return tmp_path / "ws"


@pytest.fixture
def keys(workspace_path: Path) -> Keys:
    return prepare_workspace(workspace_path)


@pytest.fixture
def app(workspace_path: Path, keys: Keys) -> FastAPI:
    return create_app(workspace_path)


@pytest.fixture
async def api(app: FastAPI, keys: Keys) -> AsyncIterator[Api]:
    """A client through httpx's ASGI transport; the app's lifespan closes the workspace."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://segmint.test") as client,
    ):
        yield Api(client, keys)
