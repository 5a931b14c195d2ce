"""Every error is problem details (RFC 9457) with Segmint's location and hint; never a trace."""

from __future__ import annotations

import pytest

from segmint.store import catalog
from tests.api.conftest import Api

pytestmark = pytest.mark.anyio


async def test_a_segmint_error_keeps_its_status_words_location_and_hint(api: Api) -> None:
    body = {"name": "X", "expression": {"value": 'homeAddres.city = "Leeds"'}}
    response = await api.client.post("/segment/definitions", json=body, headers=api.auth())
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "urn:segmint:problem:invalid-pql",
        "title": "Invalid PQL",
        "status": 400,
        "detail": 'unknown field "homeAddres" in the profile schema',
        "location": {"line": 1, "column": 1},
        "hint": 'did you mean "homeAddress"?',
    }


async def test_pql_json_errors_are_located_by_json_pointer(api: Api) -> None:
    tree = {"nodeType": "fnApply", "fnName": "=", "params": [{"nodeType": "nonsense"}]}
    body = {"name": "X", "expression": {"format": "pql/json", "value": tree}}
    response = await api.client.post("/segment/definitions", json=body, headers=api.auth())
    assert response.status_code == 400
    assert response.json()["location"] == {"field": "/params/0/nodeType"}


async def test_request_validation_is_422_with_one_problem_per_field(api: Api) -> None:
    body = {"name": "", "expression": {"format": "pql/json", "value": "a = 1"}}
    response = await api.client.post("/segment/definitions", json=body, headers=api.auth())
    assert response.status_code == 422
    problem = response.json()
    assert (problem["type"], problem["title"], problem["status"]) == (
        "urn:segmint:problem:request-validation", "Invalid request", 422,
    )  # fmt: skip
    assert [p["location"]["field"] for p in problem["problems"]] == ["body.name", "body.expression"]
    assert "needs a JSON object as its value" in problem["problems"][1]["message"]


async def test_a_body_that_is_not_json_is_400_at_its_line_and_column(api: Api) -> None:
    body = b'{"name": "X",\n "expression": }'
    headers = api.auth() | {"content-type": "application/json"}
    response = await api.client.post("/segment/definitions", content=body, headers=headers)
    assert response.status_code == 400
    problem = response.json()
    assert (problem["type"], problem["status"]) == ("urn:segmint:problem:invalid-request", 400)
    assert problem["detail"] == "the request body is not JSON: Expecting value"
    assert problem["location"] == {"line": 2, "column": 16}


async def test_not_found_resources_and_routes(api: Api) -> None:
    missing = await api.client.get("/segment/definitions/nope", headers=api.auth())
    assert missing.status_code == 404
    assert missing.json()["type"] == "urn:segmint:problem:not-found"
    assert missing.json()["detail"] == 'segment "nope" does not exist'
    route = await api.client.get("/no/such/route", headers=api.auth())
    assert route.status_code == 404
    assert route.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "Not Found",
    }
    method = await api.client.put("/schemas", headers=api.auth())
    assert method.status_code == 405
    assert method.json()["title"] == "Method Not Allowed"
    assert method.headers["allow"] == "GET, POST"


async def test_conflicts_are_409(api: Api) -> None:
    body = {"name": "crm", "class": "profile"}
    response = await api.client.post("/datasets", json=body, headers=api.auth())
    assert response.status_code == 409
    assert response.json()["detail"] == 'dataset "crm" already exists'


async def test_unexpected_errors_are_500_without_internals(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("secret at /srv/internal/path.py")

    monkeypatch.setattr(catalog, "datasets", broken)
    response = await api.client.get("/datasets", headers=api.auth())
    assert response.status_code == 500
    assert response.json() == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "an unexpected error occurred; it has been logged on the server",
    }
