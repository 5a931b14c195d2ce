"""Segment definitions in the commercial platform's shape: CRUD, paging, filters, versions."""

from __future__ import annotations

from typing import Any

import pytest

from segmint.pql import parse, to_json
from tests.api.conftest import Api

pytestmark = pytest.mark.anyio

LEEDS = 'homeAddress.city = "Leeds"'


def definition(name: str, pql: str = LEEDS, **extra: Any) -> dict[str, Any]:
    return {"name": name, "expression": {"type": "PQL", "format": "pql/text", "value": pql}} | extra


async def create(api: Api, body: dict[str, Any]) -> dict[str, Any]:
    response = await api.client.post("/segment/definitions", json=body, headers=api.auth("write"))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_create_and_read_in_the_original_shape(api: Api) -> None:
    body = definition("Leeds", description="lives in Leeds", tags=["uk"], lifecycleState="draft",
                      mergePolicyId="timestamp-ordered")  # fmt: skip
    created = await create(api, body)
    assert {k: created[k] for k in body} == body
    assert (created["version"], created["dependencies"]) == (1, [])
    assert created["creationTime"] == created["updateTime"] > 1_700_000_000_000
    read = await api.client.get(f"/segment/definitions/{created['id']}", headers=api.auth("read"))
    assert read.json() == created
    by_name = await api.client.get("/segment/definitions/Leeds", headers=api.auth("read"))
    assert by_name.json()["id"] == created["id"]


async def test_pql_json_is_stored_as_text(api: Api) -> None:
    tree = to_json(parse(LEEDS))
    created = await create(api, {"name": "J", "expression": {"format": "pql/json", "value": tree}})
    assert created["expression"] == {"type": "PQL", "format": "pql/text", "value": LEEDS}


async def test_pages_and_filters(api: Api) -> None:
    for name in ["a1", "a2", "a3", "b1", "b2"]:
        await create(api, definition(name, lifecycleState="draft" if name == "a2" else "published"))
    first = (
        await api.client.get("/segment/definitions", params={"limit": 2}, headers=api.auth("read"))
    ).json()
    assert [s["name"] for s in first["segments"]] == ["a1", "a2"]
    assert first["page"] == {
        "start": 0,
        "limit": 2,
        "pageSize": 2,
        "totalCount": 5,
        "totalPages": 3,
    }
    last = (
        await api.client.get(
            first["link"]["next"].replace("start=2", "start=4"), headers=api.auth("read")
        )
    ).json()
    assert ([s["name"] for s in last["segments"]], last["link"]["next"]) == (["b2"], None)
    second = (await api.client.get(first["link"]["next"], headers=api.auth("read"))).json()
    assert [s["name"] for s in second["segments"]] == ["a3", "b1"]
    named = await api.client.get(
        "/segment/definitions", params={"name": "A"}, headers=api.auth("read")
    )
    assert named.json()["page"]["totalCount"] == 3
    drafts = await api.client.get("/segment/definitions", params={"name": "a", "lifecycleState": "draft"},
                                  headers=api.auth("read"))  # fmt: skip
    assert [s["name"] for s in drafts.json()["segments"]] == ["a2"]
    bad = await api.client.get(
        "/segment/definitions", params={"limit": 0}, headers=api.auth("read")
    )
    assert bad.status_code == 422


async def test_patch_makes_a_new_version_keeping_absent_fields(api: Api) -> None:
    created = await create(api, definition("Leeds", tags=["uk"], mergePolicyId="timestamp-ordered"))
    path = f"/segment/definitions/{created['id']}"
    york = {"expression": {"value": 'homeAddress.city = "York"'}, "mergePolicyId": None}
    patched = (await api.client.patch(path, json=york, headers=api.auth("write"))).json()
    assert (patched["version"], patched["name"], patched["tags"]) == (2, "Leeds", ["uk"])
    assert (patched["expression"]["value"], patched["mergePolicyId"]) == (
        'homeAddress.city = "York"',
        None,
    )
    assert patched["updateTime"] >= created["updateTime"]
    same = await api.client.patch(path, json={"tags": ["uk"]}, headers=api.auth("write"))
    assert same.json()["version"] == 2
    renamed = await api.client.patch(path, json={"name": "York"}, headers=api.auth("write"))
    assert (renamed.json()["name"], renamed.json()["version"]) == ("York", 3)
    versions = (await api.client.get(f"{path}/versions", headers=api.auth("read"))).json()
    assert [(v["version"], v["name"], v["pql"]) for v in versions] == [
        (1, "Leeds", LEEDS), (2, "Leeds", 'homeAddress.city = "York"'), (3, "York", 'homeAddress.city = "York"'),
    ]  # fmt: skip


async def test_references_are_checked_and_protect_deletion(api: Api) -> None:
    leeds = await create(api, definition("Leeds"))
    not_leeds = await create(api, definition("Not Leeds", 'not inSegment("Leeds")'))
    assert not_leeds["dependencies"] == ["Leeds"]
    dangling = await api.client.post("/segment/definitions", json=definition("X", 'inSegment("Leds")'),
                                     headers=api.auth("write"))  # fmt: skip
    assert (dangling.status_code, dangling.json()["detail"]) == (
        400,
        'inSegment("Leds") names no segment',
    )
    cycle = await api.client.patch(f"/segment/definitions/{leeds['id']}",
                                   json={"expression": {"value": 'inSegment("Not Leeds")'}},
                                   headers=api.auth("write"))  # fmt: skip
    assert cycle.status_code == 400
    refused = await api.client.delete(
        f"/segment/definitions/{leeds['id']}", headers=api.auth("write")
    )
    assert refused.status_code == 409
    assert refused.json()["detail"] == 'segment "Leeds" is referenced by "Not Leeds"'
    for segment in (not_leeds, leeds):
        gone = await api.client.delete(
            f"/segment/definitions/{segment['id']}", headers=api.auth("write")
        )
        assert (gone.status_code, gone.content) == (204, b"")
    after = await api.client.get(f"/segment/definitions/{leeds['id']}", headers=api.auth("read"))
    assert after.status_code == 404


async def test_names_are_unique(api: Api) -> None:
    await create(api, definition("Leeds"))
    again = await api.client.post(
        "/segment/definitions", json=definition("Leeds"), headers=api.auth("write")
    )
    assert again.status_code == 409
