"""The API describes itself: OpenAPI and interactive docs, served without a key."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api

pytestmark = pytest.mark.anyio


async def test_openapi_lists_every_resource_with_problem_details(api: Api) -> None:
    response = await api.client.get("/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert set(spec["paths"]) >= {
        "/profiles", "/identities/{identity}", "/batches", "/schemas", "/datasets",
        "/merge-policies", "/segment/definitions", "/segment/definitions/{segment_id}",
        "/api-keys", "/ai/instances", "/ai/instances/{name}", "/ai/instances/{name}/train",
        "/ai/instances/{name}/score", "/ai/instances/{name}/runs",
        "/ai/instances/{name}/runs/{run_id}", "/ai/instances/{name}/insights",
        "/ai/instances/{name}/report",
    }  # fmt: skip
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    create = spec["paths"]["/segment/definitions"]["post"]
    assert set(create["responses"]["default"]["content"]) == {"application/problem+json"}
    assert {"name", "expression"} <= set(
        spec["components"]["schemas"]["DefinitionIn"]["properties"]
    )
    insights = spec["paths"]["/ai/instances/{name}/insights"]["get"]["responses"]["200"]
    assert set(insights["content"]) == {"application/json", "text/html"}
    parameters = {p["name"] for p in spec["paths"]["/schemas"]["get"]["parameters"]}
    assert parameters == {"x-sandbox-name"}


async def test_docs_are_served(api: Api) -> None:
    response = await api.client.get("/docs")
    assert response.status_code == 200
    assert "swagger" in response.text.lower()
