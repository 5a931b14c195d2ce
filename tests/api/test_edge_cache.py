"""Edge answers from memory: every write (a batch, an identity merge, a merge policy, a
definition) invalidates what was kept, so an answer is never stale; a kept answer equals a
fresh evaluation at any later instant; the one-query read of a profile equals the merge query."""

from __future__ import annotations

from datetime import datetime

import pytest
from fastapi import FastAPI

from segmint import realtime
from segmint.api.service import Service
from segmint.schema.model import SchemaClass
from segmint.store import catalog, profiles
from segmint.store.catalog import AttributeMerge, MergePolicy, Stitching
from tests.api.conftest import Api
from tests.api.test_batches import customers, jsonl, upload
from tests.api.test_segmentation import shop
from tests.conftest import event

pytestmark = pytest.mark.anyio

AS_OF = {"asOf": "2026-10-26T00:00:00Z"}


async def segments_of(api: Api, identity: str, params: dict[str, str] = AS_OF) -> list[str]:
    response = await api.client.get(
        f"/profiles/{identity}/segments", params=params, headers=api.auth("read")
    )
    assert response.status_code == 200, response.text
    return [row["segment"] for row in response.json()["segments"] if row["member"]]


async def test_a_new_batch_is_seen_by_the_next_lookup(api: Api, app: FastAPI) -> None:
    await shop(api)
    service: Service = app.state.service
    assert await segments_of(api, "email:cy@x.com") == []
    before = service.data_version("prod")
    search = event("c2", "2026-10-25T12:00:00Z", "search", email="cy@x.com")
    assert (await upload(api, "more.jsonl", jsonl(search), "web"))[0] == 201
    assert service.data_version("prod") > before
    assert await segments_of(api, "email:cy@x.com") == ["Searchers"]


async def test_an_identity_merge_is_seen_by_the_next_lookup(api: Api) -> None:
    await shop(api)
    assert await segments_of(api, "crmId:C8") == []  # unknown so far: an empty profile
    linked = customers(["C9", "cy@x.com", "Cy", "1990"], ["C8", "ann@x.com", "Ann", "1985"])
    assert (await upload(api, "crm.csv", linked, "crm"))[0] == 201
    assert await segments_of(api, "crmId:C8") == ["Searchers"]  # ann's events joined her
    assert await segments_of(api, "crmId:C9") == []  # cy has no search


async def test_a_merge_policy_change_is_seen_by_the_next_lookup(api: Api) -> None:
    await shop(api)
    linked = customers(["C8", "ann@x.com", "Ann", "1985"])
    assert (await upload(api, "crm.csv", linked, "crm"))[0] == 201
    assert await segments_of(api, "crmId:C8") == ["Searchers"]
    policy = {"name": "apart", "identityGraph": {"type": "none"}, "default": True}
    created = await api.client.post("/merge-policies", json=policy, headers=api.auth("admin"))
    assert created.status_code == 201, created.text
    assert await segments_of(api, "crmId:C8") == []  # without stitching, no events of ann's


async def test_a_definition_change_is_seen_by_the_next_lookup(api: Api) -> None:
    await shop(api)
    assert await segments_of(api, "email:cy@x.com") == []
    buyers = {"name": "Buyers", "expression": {"value": 'xEvent[eventType = "commerce.purchases"].count() > 0'}}  # fmt: skip
    made = await api.client.post("/segment/definitions", json=buyers, headers=api.auth("write"))
    assert made.status_code == 201, made.text
    assert await segments_of(api, "email:cy@x.com") == ["Buyers"]


async def test_a_kept_answer_equals_a_fresh_one_at_later_instants(api: Api, app: FastAPI) -> None:
    await shop(api)
    recent = {"name": "Recent searchers", "expression": {
        "value": 'xEvent[eventType = "search" and timestamp occurs <= 3 days before now].count() > 0'
    }}  # fmt: skip
    made = await api.client.post("/segment/definitions", json=recent, headers=api.auth("write"))
    assert made.status_code == 201, made.text
    service: Service = app.state.service
    for day in (10, 11, 12, 13, 14, 20, 25, 26, 27, 28, 29, 30):
        instant = datetime(2026, 10, day, 12)
        params = {"asOf": f"{instant.isoformat()}Z"}
        kept = await api.client.get(
            "/profiles/email:ann@x.com/segments", params=params, headers=api.auth("read")
        )
        with service.session("prod", write=False) as workspace:
            fresh = realtime.profile_segments(workspace.con, "email:ann@x.com", instant)
        assert kept.json()["segments"] == fresh["segments"], instant
        assert kept.json()["nextChange"] == (
            f"{fresh['nextChange'].isoformat()}Z" if fresh["nextChange"] else None
        )


@pytest.mark.parametrize("merge", list(AttributeMerge))
@pytest.mark.parametrize("stitching", list(Stitching))
async def test_one_query_read_equals_the_merge_query(
    api: Api, app: FastAPI, merge: AttributeMerge, stitching: Stitching
) -> None:
    rows = [["C1", "ann@x.com", "Ann", "1985"], ["C2", "bob@x.com", "", "1970"]]
    assert (await upload(api, "crm.csv", customers(*rows), "crm"))[0] == 201
    later = [["C1", "ann@y.com", "Annie", ""], ["C2", "", "Bob", "1971"]]
    assert (await upload(api, "loyalty.csv", customers(*later), "loyalty"))[0] == 201
    service: Service = app.state.service
    policy = MergePolicy("p", merge, ("loyalty", "crm"), stitching)
    with service.session("prod", write=False) as workspace:
        schema = catalog.schema(workspace.con, SchemaClass.PROFILE)
        for identity in ("crmId:C1", "crmId:C2", "email:ann@y.com", "email:bob@x.com"):
            namespace, value = identity.split(":")
            state = profiles.profile_state(workspace.con, schema, policy, namespace, value)
            expected = profiles.merged_profile(workspace.con, schema, policy, state.profile_id)
            assert state.attributes == expected, identity
