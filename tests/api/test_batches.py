"""File uploads: validated with located problems, atomic, idempotent; then profiles and graphs
are read back."""

from __future__ import annotations

import csv
import io

import orjson
import pytest

from tests.api.conftest import CRM_HEADER, Api
from tests.conftest import event

pytestmark = pytest.mark.anyio


def customers(*rows: list[str]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerows([CRM_HEADER, *rows])
    return text.getvalue().encode()


def jsonl(*records: dict[str, object]) -> bytes:
    return b"".join(orjson.dumps(record) + b"\n" for record in records)


async def upload(
    api: Api, name: str, content: bytes, dataset: str, **form: str
) -> tuple[int, dict[str, object]]:
    response = await api.client.post(
        "/batches",
        files={"file": (name, content)},
        data={"dataset": dataset, **form},
        headers=api.auth("write"),
    )
    return response.status_code, response.json()


async def totals(api: Api) -> dict[str, tuple[int, int]]:
    response = await api.client.get("/datasets", headers=api.auth("read"))
    return {d["name"]: (d["records"], d["batches"]) for d in response.json()}


async def test_a_valid_file_is_ingested_once(api: Api) -> None:
    content = customers(["c1", "ann@x.com", "Ann", "1984"], ["c2", "bob@x.com", "Bob", "1990"])
    status, report = await upload(api, "customers.csv", content, "crm")
    assert status == 201
    assert {k: report[k] for k in ("file", "dataset", "records", "added", "rejected", "alreadyIngested")} == {
        "file": "customers.csv", "dataset": "crm", "records": 2, "added": 2, "rejected": 0,
        "alreadyIngested": False,
    }  # fmt: skip
    assert report["graph"] == {"identities": 4, "profiles": 2, "keptOut": 0, "evicted": 0}
    again_status, again = await upload(api, "renamed.csv", content, "crm")
    assert (again_status, again["alreadyIngested"], again["added"]) == (200, True, 0)
    assert again["batchId"] == report["batchId"]
    assert (await totals(api))["crm"] == (2, 1)


async def test_invalid_records_reject_the_file_with_located_problems(api: Api) -> None:
    content = customers(["c1", "ann@x.com", "Ann", "1984"], ["c2", "bob@x.com", "Bob", "19x4"])
    status, problem = await upload(api, "customers.csv", content, "crm")
    assert status == 400
    assert problem["title"] == "Invalid records"
    assert problem["problems"] == [
        {"location": {"file": "customers.csv", "line": 3, "field": "person.birthYear"},
         "message": 'expected integer, got "19x4"'}
    ]  # fmt: skip
    assert "--on-error skip" in str(problem["hint"])
    assert (await totals(api))["crm"] == (0, 0)


async def test_skip_loads_the_valid_records_and_quarantines_the_rest(api: Api) -> None:
    content = customers(["c1", "ann@x.com", "Ann", "1984"], ["c2", "bob@x.com", "Bob", "19x4"])
    status, report = await upload(api, "customers.csv", content, "crm", onError="skip")
    assert status == 201
    assert (report["added"], report["rejected"]) == (1, 1)
    assert report["problems"] == [
        {"location": {"file": "customers.csv", "line": 3, "field": "person.birthYear"},
         "message": 'expected integer, got "19x4"'}
    ]  # fmt: skip
    assert report["quarantine"] == f"quarantine/{report['batchId']}.jsonl"


async def test_format_and_dataset_are_checked(api: Api) -> None:
    content = jsonl(event("e1", "2026-10-01T10:00:00Z", email="ann@x.com"))
    status, problem = await upload(api, "events.txt", content, "web")
    assert status == 400
    assert "format" in str(problem["detail"]) + str(problem.get("hint"))
    assert (await upload(api, "events.txt", content, "web", format="jsonl"))[0] == 201
    status, problem = await upload(api, "events.jsonl", content, "webb")
    assert (status, problem["hint"]) == (404, 'did you mean "web"?')


async def test_profiles_and_identity_graphs_are_read_back(api: Api) -> None:
    await upload(api, "customers.csv", customers(["c1", "ann@x.com", "Ann", "1984"]), "crm")
    web = jsonl(
        event("e1", "2026-10-01T10:00:00Z", "search", ecid="d1", email="ann@x.com"),
        event("e2", "2026-10-02T10:00:00Z", "search", ecid="d1"),
    )
    await upload(api, "web.jsonl", web, "web")
    response = await api.client.get(
        "/profiles", params={"identity": "ecid:d1"}, headers=api.auth("read")
    )
    assert response.status_code == 200
    profile = response.json()
    assert profile["mergePolicy"] == "timestamp-ordered"
    assert profile["attributes"]["person"] == {"name": {"firstName": "Ann"}, "birthYear": 1984}
    assert {(i["namespace"], i["id"]) for i in profile["identities"]} == {
        ("crmId", "c1"), ("email", "ann@x.com"), ("ecid", "d1"),
    }  # fmt: skip
    assert profile["eventCount"] == 2
    assert [(e["_id"], e["eventType"], e["dataset"]) for e in profile["recentEvents"]] == [
        ("e2", "search", "web"), ("e1", "search", "web"),
    ]  # fmt: skip
    graph = await api.client.get("/identities/email:ann@x.com", headers=api.auth("read"))
    assert graph.json()["profileId"] == profile["profileId"]
    assert len(graph.json()["links"]) == 2
    apart = await api.client.get(
        "/profiles",
        params={"identity": "ecid:d1", "mergePolicyId": "nope"},
        headers=api.auth("read"),
    )
    assert apart.status_code == 404
    assert apart.json()["detail"] == 'merge policy "nope" does not exist'
