"""Segment jobs, previews and estimates (create, then poll), audiences and export jobs."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

import pytest

from tests.api.conftest import Api
from tests.api.test_batches import jsonl, upload
from tests.conftest import event

pytestmark = pytest.mark.anyio

SEARCHERS = {
    "name": "Searchers",
    "expression": {"type": "PQL", "format": "pql/text", "value": 'xEvent[eventType = "search"].count() > 0'},
}


async def shop(api: Api) -> None:
    events = jsonl(
        event("a1", "2026-10-10T10:00:00Z", "search", email="ann@x.com"),
        event("b1", "2026-10-25T10:00:00Z", "search", email="bob@x.com"),
        event("c1", "2026-10-25T11:00:00Z", "commerce.purchases", email="cy@x.com"),
    )
    assert (await upload(api, "web.jsonl", events, "web"))[0] == 201
    created = await api.client.post("/segment/definitions", json=SEARCHERS, headers=api.auth("write"))
    assert created.status_code == 201, created.text


async def test_jobs_update_audiences_and_exports(api: Api, workspace_path: Path) -> None:
    await shop(api)
    first = await api.client.post(
        "/segment/jobs", json={"segments": [{"segmentId": "*"}], "asOf": "2026-10-15T00:00:00Z"},
        headers=api.auth("write"),
    )
    assert first.status_code == 201, first.text
    assert first.json()["metrics"]["segments"][0]["qualified"] == 1
    second = await api.client.post(
        "/segment/jobs", json={"segments": [{"segmentId": "Searchers"}], "asOf": "2026-10-26T00:00:00Z"},
        headers=api.auth("write"),
    )
    job_id = second.json()["id"]
    fetched = await api.client.get(f"/segment/jobs/{job_id}", headers=api.auth("read"))
    assert fetched.json()["metrics"]["segments"][0]["entered"] == 1
    future = await api.client.post(
        "/segment/jobs", json={"segments": [{"segmentId": "*"}], "asOf": "2999-01-01T00:00:00Z"},
        headers=api.auth("write"),
    )
    assert future.status_code == 400 and "is in the future" in future.json()["detail"]
    listed = (await api.client.get("/segment/jobs", headers=api.auth("read"))).json()
    assert [job["id"] for job in listed] == [job_id, first.json()["id"]]
    assert {job["source"] for job in listed} == {"api"}
    paged = await api.client.get("/segment/jobs?start=1&limit=1", headers=api.auth("read"))
    assert [job["id"] for job in paged.json()] == [first.json()["id"]]
    assert (await api.client.get("/segment/jobs?limit=0", headers=api.auth("read"))).status_code == 422
    audience = (await api.client.get("/audiences/Searchers", headers=api.auth("read"))).json()
    assert audience["counts"] == {"realized": 1, "existing": 1, "exited": 0}
    assert [point["entered"] for point in audience["history"]] == [1, 1]
    exported = await api.client.post(
        "/export/jobs", json={"segmentId": "Searchers", "status": ["existing"], "format": "csv"},
        headers=api.auth("write"),
    )
    assert exported.status_code == 201, exported.text
    with Path(exported.json()["path"]).open() as handle:
        rows = list(csv.DictReader(handle))
    assert [row["identity"] for row in rows] == ["email:ann@x.com"]
    assert exported.json()["rows"] == 1
    assert (await api.client.get("/export/jobs", headers=api.auth("read"))).json()[0]["rows"] == 1


async def test_jobs_need_the_write_role(api: Api) -> None:
    refused = await api.client.post("/segment/jobs", json={"segments": [{"segmentId": "*"}]}, headers=api.auth("read"))
    assert refused.status_code == 403


async def test_preview_and_estimate_are_polled(api: Api) -> None:
    await shop(api)
    started = await api.client.post(
        "/preview", json={"predicateExpression": "Searchers", "asOf": "2026-10-26T00:00:00Z"},
        headers=api.auth("read"),
    )
    assert started.status_code == 201 and started.json()["state"] == "NEW"
    preview_id = started.json()["previewId"]
    for _ in range(100):
        estimate = (await api.client.get(f"/estimate/{preview_id}", headers=api.auth("read"))).json()
        if estimate["state"] in ("RESULT_READY", "FAILED"):
            break
        await asyncio.sleep(0.05)
    assert estimate["state"] == "RESULT_READY"
    assert (estimate["estimatedSize"], estimate["totalRows"]) == (2, 3)
    preview = (await api.client.get(f"/preview/{preview_id}", headers=api.auth("read"))).json()
    assert sorted(row["identity"] for row in preview["results"]) == ["email:ann@x.com", "email:bob@x.com"]
    other = await api.client.get(f"/preview/{preview_id}", headers=api.auth("dev", "dev"))
    assert other.status_code == 404


async def test_a_bad_definition_fails_the_preview(api: Api) -> None:
    started = await api.client.post("/preview", json={"predicateExpression": "person.birthYear > 1 and nosuch.field = 1"}, headers=api.auth("read"))
    preview_id = started.json()["previewId"]
    for _ in range(100):
        preview = (await api.client.get(f"/preview/{preview_id}", headers=api.auth("read"))).json()
        if preview["state"] in ("RESULT_READY", "FAILED"):
            break
        await asyncio.sleep(0.05)
    assert preview["state"] == "FAILED"
    assert "nosuch" in preview["error"]["description"]
    assert preview["error"]["location"] == {"line": 1, "column": 26}  # where the field is


async def test_profile_segments_answer_with_and_without_an_event(api: Api) -> None:
    await shop(api)
    params = {"asOf": "2026-10-26T00:00:00Z"}
    now = await api.client.get("/profiles/email:cy@x.com/segments", params=params, headers=api.auth("read"))
    assert now.status_code == 200, now.text
    assert now.json()["segments"] == []
    search = event("c2", "2026-10-25T12:00:00Z", "search", email="cy@x.com")
    with_event = await api.client.post(
        "/profiles/email:cy@x.com/segments", params=params, json=search, headers=api.auth("read")
    )
    assert with_event.json()["segments"] == [
        {"segment": "Searchers", "id": with_event.json()["segments"][0]["id"], "member": True, "change": "entered"}
    ]
    stranger = await api.client.get("/profiles/email:new@x.com/segments", params=params, headers=api.auth("read"))
    assert stranger.json()["segments"] == []
    bad = await api.client.post(
        "/profiles/email:cy@x.com/segments", json={"_id": "x", "eventType": "search"}, headers=api.auth("read")
    )
    assert bad.status_code == 400 and "timestamp" in bad.text


async def test_profile_segments_take_any_identity_and_refuse_unknown_namespaces(api: Api) -> None:
    """An identity holding "/" (a base64 cookie id) is addressable, sent as is or encoded; an
    unknown namespace is a mistake (400), where an unknown id of a known one is a new profile."""
    await shop(api)
    params = {"asOf": "2026-10-26T00:00:00Z"}
    search = event("k1", "2026-10-25T12:00:00Z", "search", ecid="ab/cd+ef==")
    assert (await upload(api, "cookies.jsonl", jsonl(search), "web"))[0] == 201
    for path in ("/profiles/ecid:ab/cd+ef==/segments", "/profiles/ecid:ab%2Fcd%2Bef%3D%3D/segments"):
        found = await api.client.get(path, params=params, headers=api.auth("read"))
        assert found.status_code == 200, found.text
        assert [row["segment"] for row in found.json()["segments"]] == ["Searchers"]
    unknown = await api.client.get("/profiles/cookie:x/segments", headers=api.auth("read"))
    assert unknown.status_code == 400
    assert unknown.json()["detail"] == '"cookie" is not an identity namespace'
