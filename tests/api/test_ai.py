"""``/ai/instances``: define, train and score (accepted, then polled), insights as JSON and as
the HTML report, deletion; roles, sandboxes and located PQL errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from segmint.ai import train
from segmint.api.app import create_app
from segmint.api.negotiation import prefers_html
from segmint.store.workspace import Workspace
from tests.ai.conftest import LIMITS, load_shop
from tests.api.conftest import Api, Keys, prepare_workspace

pytestmark = pytest.mark.anyio

CHURN = {"name": "churn", "type": "churn", "goal": 'eventType = "commerce.purchases"',
         "windowDays": 30}  # fmt: skip


@pytest.fixture
async def shop_api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Api]:
    """The API over a small shop (300 profiles) in prod; training accepts its size."""
    path = tmp_path / "ws"
    keys: Keys = prepare_workspace(path)
    with Workspace.open(path) as ws:
        ws.use("prod")
        load_shop(ws, tmp_path, 300)
    monkeypatch.setattr(train, "Limits", lambda: LIMITS)
    app = create_app(path)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://segmint.test") as client,
    ):
        yield Api(client, keys)


async def finished(api: Api, location: str) -> dict[str, Any]:
    """Poll a run until it is done."""
    for _ in range(600):
        run: dict[str, Any] = (await api.client.get(location, headers=api.auth("read"))).json()
        if run["status"] in ("SUCCEEDED", "FAILED"):
            return run
        await asyncio.sleep(0.05)
    raise AssertionError(f"{location} did not finish: {run}")


async def start(api: Api, name: str, kind: str, body: dict[str, Any] | None = None) -> str:
    started = await api.client.post(
        f"/ai/instances/{name}/{kind}", json=body, headers=api.auth("write")
    )
    assert started.status_code == 202, started.text
    assert started.json()["kind"] == kind and started.json()["instance"] == name
    location: str = started.headers["location"]
    assert location == f"/ai/instances/{name}/runs/{started.json()['id']}"
    return location


async def test_create_train_score_insights_and_delete(shop_api: Api) -> None:
    api = shop_api
    created = await api.client.post("/ai/instances", json=CHURN, headers=api.auth("write"))
    assert created.status_code == 201, created.text
    assert created.json() | {"models": []} == {
        **CHURN, "eligibility": None, "features": [], "modelVersion": None, "models": []
    }  # fmt: skip
    trained = await finished(api, await start(api, "churn", "train"))
    assert trained["status"] == "SUCCEEDED", trained
    assert trained["result"]["modelVersion"] == 1 and trained["result"]["metrics"]["auc"] > 0.5
    scored = await finished(api, await start(api, "churn", "score", {"asOf": None}))
    assert scored["status"] == "SUCCEEDED", scored
    assert sum(scored["result"]["buckets"].values()) == scored["result"]["profiles"] > 0

    shown = (await api.client.get("/ai/instances/churn", headers=api.auth("read"))).json()
    assert shown["modelVersion"] == 1 and [m["version"] for m in shown["models"]] == [1]
    runs = (await api.client.get("/ai/instances/churn/runs", headers=api.auth("read"))).json()
    assert [run["kind"] for run in runs] == ["score", "train"]
    insights = await api.client.get("/ai/instances/churn/insights", headers=api.auth("read"))
    assert insights.status_code == 200, insights.text
    data = insights.json()
    assert (
        len(data["deciles"]) == 10
        and data["metrics"]["auc"] == shown["models"][0]["metrics"]["auc"]
    )
    assert data["scoring"]["profiles"] == scored["result"]["profiles"]
    for response in (
        await api.client.get("/ai/instances/churn/insights",
                             headers=api.auth("read") | {"Accept": "text/html"}),
        await api.client.get("/ai/instances/churn/report", headers=api.auth("read")),
    ):  # fmt: skip
        assert response.headers["content-type"].startswith("text/html")
        assert response.text.count("<svg") == 5 and "<script" not in response.text

    segment = {"name": "At risk", "expression": {"value": "customerAI.churn.score >= 0"}}
    made = await api.client.post("/segment/definitions", json=segment, headers=api.auth("write"))
    assert made.status_code == 201, made.text

    deleted = await api.client.delete("/ai/instances/churn", headers=api.auth("admin"))
    assert deleted.status_code == 204
    gone = await api.client.get("/ai/instances/churn", headers=api.auth("read"))
    assert gone.status_code == 404 and "does not exist" in gone.json()["detail"]


async def test_list_pages(api: Api) -> None:
    for name in ("a", "b", "c"):
        body = CHURN | {"name": name}
        assert (
            await api.client.post("/ai/instances", json=body, headers=api.auth("write"))
        ).status_code == 201
    listed = await api.client.get("/ai/instances", params={"limit": 2}, headers=api.auth("read"))
    assert [i["name"] for i in listed.json()["instances"]] == ["a", "b"]
    assert listed.json()["page"]["totalCount"] == 3
    following = await api.client.get(listed.json()["link"]["next"], headers=api.auth("read"))
    assert [i["name"] for i in following.json()["instances"]] == ["c"]


@pytest.mark.parametrize(
    ("field", "value", "column", "message"),
    [("goal", "eventType = ", 13, "found end of input"),
     ("goal", 'eventTyp = "x"', 1, 'unknown field "eventTyp"'),
     ("eligibility", "person.birthYear >", 19, "found end of input")],
)  # fmt: skip
async def test_invalid_pql_is_400_located_in_its_field(
    api: Api, field: str, value: str, column: int, message: str
) -> None:
    response = await api.client.post(
        "/ai/instances", json=CHURN | {field: value}, headers=api.auth("write")
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["title"] == "Invalid PQL" and message in problem["detail"]
    assert problem["location"] == {"line": 1, "column": column, "field": field}


async def test_training_without_enough_data_fails_the_run_with_a_problem(api: Api) -> None:
    await api.client.post("/ai/instances", json=CHURN, headers=api.auth("write"))
    run = await finished(api, await start(api, "churn", "train"))
    assert run["status"] == "FAILED" and run["result"] is None
    assert run["error"]["status"] == 422 and run["error"]["title"] == "Not enough data"
    assert "no events" in run["error"]["detail"]


async def test_unknown_instances_and_runs_are_404(api: Api) -> None:
    for method, path in [("POST", "/ai/instances/nope/train"), ("GET", "/ai/instances/nope"),
                         ("DELETE", "/ai/instances/nope"), ("GET", "/ai/instances/nope/insights")]:  # fmt: skip
        response = await api.client.request(method, path, headers=api.auth("admin"))
        assert response.status_code == 404, (method, path)
    await api.client.post("/ai/instances", json=CHURN, headers=api.auth("write"))
    untrained = await api.client.get("/ai/instances/churn/insights", headers=api.auth("read"))
    assert untrained.status_code == 404 and "no trained model" in untrained.json()["detail"]
    run = await api.client.get("/ai/instances/churn/runs/nope", headers=api.auth("read"))
    assert run.status_code == 404


async def test_roles(api: Api) -> None:
    assert (await api.client.get("/ai/instances")).status_code == 401
    refused = await api.client.post("/ai/instances", json=CHURN, headers=api.auth("read"))
    assert refused.status_code == 403
    assert (
        await api.client.post("/ai/instances", json=CHURN, headers=api.auth("write"))
    ).status_code == 201
    assert (
        await api.client.get("/ai/instances/churn", headers=api.auth("read"))
    ).status_code == 200
    for kind in ("train", "score"):
        response = await api.client.post(f"/ai/instances/churn/{kind}", headers=api.auth("read"))
        assert response.status_code == 403
    assert (
        await api.client.delete("/ai/instances/churn", headers=api.auth("read"))
    ).status_code == 403
    assert (
        await api.client.delete("/ai/instances/churn", headers=api.auth("write"))
    ).status_code == 204


async def test_sandboxes_see_only_their_own_instances_and_runs(api: Api) -> None:
    await api.client.post("/ai/instances", json=CHURN, headers=api.auth("write"))
    location = await start(api, "churn", "train")
    dev = api.auth("dev", "dev")
    assert (await api.client.get("/ai/instances", headers=dev)).json()["instances"] == []
    assert (await api.client.get("/ai/instances/churn", headers=dev)).status_code == 404
    assert (await api.client.get(location, headers=dev)).status_code == 404
    other = await api.client.get("/ai/instances", headers=api.auth("dev", "prod"))
    assert other.status_code == 403
    assert (await api.client.post("/ai/instances", json=CHURN, headers=dev)).status_code == 201


@pytest.mark.parametrize(
    ("accept", "html"),
    [("text/html", True), ("application/json", False), ("*/*", False), ("", False),
     ("text/html,application/xhtml+xml,*/*;q=0.8", True),
     ("application/json, text/html;q=0.5", False), ("text/*;q=0.9, application/json;q=0.1", True),
     ("text/html;q=oops", False)],
)  # fmt: skip
def test_accept_header_chooses_html_only_when_preferred(accept: str, html: bool) -> None:
    assert prefers_html(accept) is html
