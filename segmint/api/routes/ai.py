"""``/ai/instances``: Customer AI propensity models: define, train and score (accepted at
once, then polled as runs), read their insights as JSON or as the self-contained HTML report."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Request, Response
from fastapi.responses import HTMLResponse

from segmint.ai import instances, report
from segmint.ai import service as ai
from segmint.api.ai_runs import Run, Runs
from segmint.api.models.ai import (
    InsightsOut,
    InstanceIn,
    InstanceOut,
    InstancePage,
    RunIn,
    RunKind,
    RunOut,
)
from segmint.api.models.common import PROBLEM_RESPONSES
from segmint.api.negotiation import prefers_html
from segmint.api.paging import Limit, Start, page
from segmint.api.security import Caller, Reader, Writer

router = APIRouter(prefix="/ai/instances", tags=["customer ai"], responses=PROBLEM_RESPONSES)

_HTML: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {"schema": {"type": "string"}}}}
}


def _runs(request: Request) -> Runs:
    found: Runs = request.app.state.ai_runs
    return found


@router.post("", status_code=201)
def create_instance(workspace: Writer, body: InstanceIn) -> InstanceOut:
    """Define an instance; its goal and eligibility must be valid PQL on the sandbox's schemas."""
    with workspace.transaction():
        instances.create(workspace.con, body.to_instance())
    return InstanceOut.model_validate(ai.describe(workspace.con, body.name))


@router.get("")
def list_instances(
    workspace: Reader, request: Request, start: Start = 0, limit: Limit = 20
) -> InstancePage:
    """Instances by name with their latest model version, a page at a time."""
    chosen, info, link = page(ai.summaries(workspace.con), start, limit, request.url)
    return InstancePage(
        instances=[InstanceOut.model_validate(found) for found in chosen], page=info, link=link
    )


@router.get("/{name}")
def get_instance(workspace: Reader, name: str) -> InstanceOut:
    """An instance with every model version and its evaluation metrics."""
    return InstanceOut.model_validate(ai.describe(workspace.con, name))


@router.delete("/{name}", status_code=204)
def delete_instance(workspace: Writer, name: str) -> Response:
    """Delete an instance, its models, score history and the scores on profiles."""
    ai.delete(workspace, name)
    return Response(status_code=204)


def _start(
    request: Request, key: Caller, workspace: Writer, response: Response,
    name: str, kind: RunKind, body: RunIn | None,
) -> RunOut:  # fmt: skip
    instances.find(workspace.con, name)  # an unknown instance is 404 now, not a failed run
    run = _runs(request).start(key.sandbox, name, kind, body.as_of if body else None)
    response.headers["Location"] = f"{request.url.path.rsplit('/', 1)[0]}/runs/{run.id}"
    return _out(run)


def _out(run: Run) -> RunOut:
    return RunOut.model_validate(run, from_attributes=True)


OptionalRun = Annotated[RunIn | None, Body()]


@router.post("/{name}/train", status_code=202)
def train(
    request: Request, key: Caller, workspace: Writer, response: Response, name: str,
    body: OptionalRun = None,
) -> RunOut:  # fmt: skip
    """Start training a new model version; poll the run at the ``Location`` it answers with."""
    return _start(request, key, workspace, response, name, "train", body)


@router.post("/{name}/score", status_code=202)
def score(
    request: Request, key: Caller, workspace: Writer, response: Response, name: str,
    body: OptionalRun = None,
) -> RunOut:  # fmt: skip
    """Start scoring the eligible profiles with the latest model; scores land on profiles
    as ``customerAI.<name>.*``."""
    return _start(request, key, workspace, response, name, "score", body)


@router.get("/{name}/runs")
def list_runs(request: Request, key: Caller, workspace: Reader, name: str) -> list[RunOut]:
    """The instance's training and scoring runs since the server started, newest first."""
    instances.find(workspace.con, name)
    return [_out(run) for run in _runs(request).of_instance(key.sandbox, name)]


@router.get("/{name}/runs/{run_id}")
def get_run(request: Request, key: Caller, workspace: Reader, name: str, run_id: str) -> RunOut:
    """A run's status, its stage while it runs, and its result or problem once done."""
    return _out(_runs(request).of_instance_by_id(key.sandbox, name, run_id))


@router.get("/{name}/insights", response_model=InsightsOut, responses=_HTML)
def get_insights(
    workspace: Reader, name: str, accept: Annotated[str, Header()] = "application/json"
) -> InsightsOut | HTMLResponse:
    """AUC, log loss, lift and gains by decile, calibration, feature importance, score
    distribution and bucket sizes; ``Accept: text/html`` answers the HTML report."""
    data = ai.insights(workspace.con, name)
    if prefers_html(accept):
        return HTMLResponse(report.html(data))
    return InsightsOut.model_validate(data)


@router.get("/{name}/report", response_class=HTMLResponse, responses=_HTML)
def get_report(workspace: Reader, name: str) -> HTMLResponse:
    """The insights as one self-contained HTML page (inline SVG charts, no scripts)."""
    return HTMLResponse(report.html(ai.insights(workspace.con, name)))
