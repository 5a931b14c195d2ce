"""API keys: 401 without a valid key, 403 for another sandbox or too small a role, and no
data crossing sandboxes."""

from __future__ import annotations

from typing import Any

import pytest

from segmint.store.apikeys import Role
from tests.api.conftest import Api

pytestmark = pytest.mark.anyio

POLICY = {"name": "no-stitching", "identityGraph": {"type": "none"}}
DATASET = {"name": "pos", "class": "event"}


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer sgm_000000000000_nope"}, {"Authorization": "Bearer junk"},
     {"Authorization": "Basic dXNlcjpwYXNz"}],
    ids=["missing", "unknown", "malformed", "not-bearer"],
)  # fmt: skip
async def test_requests_without_a_valid_key_are_401(api: Api, headers: dict[str, str]) -> None:
    response = await api.client.get("/schemas", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Unauthorized"


#: (method, path, body, the role it needs)
ROUTES = [
    ("GET", "/schemas", None, Role.READ),
    ("GET", "/merge-policies", None, Role.READ),
    ("GET", "/segment/definitions", None, Role.READ),
    ("POST", "/datasets", DATASET, Role.WRITE),
    ("POST", "/schemas", {"class": "event", "fields": {"pos.till": "string"}}, Role.WRITE),
    ("POST", "/segment/definitions", {"name": "All", "expression": {"value": "true"}}, Role.WRITE),
    ("POST", "/merge-policies", POLICY, Role.ADMIN),
    ("GET", "/api-keys", None, Role.ADMIN),
]


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(("method", "path", "body", "needed"), ROUTES)
async def test_each_role_may_do_what_it_covers(
    api: Api, role: Role, method: str, path: str, body: dict[str, Any] | None, needed: Role
) -> None:
    response = await api.client.request(method, path, json=body, headers=api.auth(role.value))
    if role.allows(needed):
        assert response.status_code in (200, 201), response.text
    else:
        assert response.status_code == 403
        assert (
            response.json()["detail"]
            == f"this needs a key with the {needed} role; this key has {role}"
        )


async def test_a_key_works_only_in_its_own_sandbox(api: Api) -> None:
    wrong = await api.client.get("/schemas", headers=api.auth("dev"))
    assert wrong.status_code == 403
    assert wrong.json()["detail"] == 'this API key belongs to sandbox "dev", not "prod"'
    assert wrong.json()["hint"].startswith("send `x-sandbox-name: dev`")
    assert (await api.client.get("/schemas", headers=api.auth("dev", "dev"))).status_code == 200
    other = await api.client.get("/schemas", headers=api.auth("admin", "dev"))
    assert other.status_code == 403


async def test_no_data_crosses_sandboxes(api: Api) -> None:
    definition = {"name": "US", "expression": {"value": 'homeAddress.countryCode = "US"'}}
    created = await api.client.post(
        "/segment/definitions", json=definition, headers=api.auth("dev", "dev")
    )
    assert created.status_code == 201
    prod = await api.client.get("/segment/definitions", headers=api.auth())
    assert prod.json()["segments"] == []
    missing = await api.client.get(
        f"/segment/definitions/{created.json()['id']}", headers=api.auth()
    )
    assert missing.status_code == 404
    dev_datasets = await api.client.get("/datasets", headers=api.auth("dev", "dev"))
    prod_datasets = await api.client.get("/datasets", headers=api.auth())
    assert [d["name"] for d in dev_datasets.json()] == ["web"]
    assert [d["name"] for d in prod_datasets.json()] == ["app", "crm", "loyalty", "web"]
    dev_keys = await api.client.get("/api-keys", headers=api.auth("dev", "dev"))
    assert {key["sandbox"] for key in dev_keys.json()} == {"dev"}


async def test_admins_manage_their_sandbox_keys(api: Api) -> None:
    created = await api.client.post(
        "/api-keys", json={"role": "write", "label": "etl"}, headers=api.auth()
    )
    assert created.status_code == 201
    key = created.json()
    assert (key["sandbox"], key["role"], key["label"], key["revokedAt"]) == (
        "prod",
        "write",
        "etl",
        None,
    )
    fresh = {"Authorization": f"Bearer {key['token']}"}
    assert (await api.client.post("/datasets", json=DATASET, headers=fresh)).status_code == 201
    listed = await api.client.get("/api-keys", headers=api.auth())
    assert "token" not in listed.json()[0]
    assert len(listed.json()) == 4
    foreign = await api.client.delete(f"/api-keys/{key['id']}", headers=api.auth("dev", "dev"))
    assert foreign.status_code == 404
    revoked = await api.client.delete(f"/api-keys/{key['id']}", headers=api.auth())
    assert revoked.json()["revokedAt"] is not None
    assert (await api.client.get("/schemas", headers=fresh)).status_code == 401
