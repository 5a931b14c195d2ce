"""The FastAPI app of ``segmint serve``: one open workspace, one router per resource."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from segmint.api import problems
from segmint.api.ai_runs import Runs
from segmint.api.collection import Collectors
from segmint.api.edge_cache import EdgeCache
from segmint.api.previews import Previews
from segmint.api.routes import (
    ai,
    apikeys,
    audiences,
    batches,
    collection,
    datasets,
    definitions,
    exports,
    health,
    identities,
    jobs,
    merge_policies,
    previews,
    profile_segments,
    profiles,
    schemas,
)
from segmint.api.service import Service
from segmint.stream.residency import DEFAULT_MAX_PROFILES

ROUTERS = (
    profiles.router,
    profile_segments.router,
    identities.router,
    batches.router,
    collection.router,
    schemas.router,
    datasets.router,
    merge_policies.router,
    definitions.router,
    jobs.router,
    previews.router,
    audiences.router,
    exports.router,
    ai.router,
    apikeys.router,
    health.router,
)


def create_app(workspace_path: Path, *, max_profiles: int = DEFAULT_MAX_PROFILES) -> FastAPI:
    """Open the workspace now, so that "in use by PID" is reported before serving; the app
    closes it when it shuts down. ``max_profiles``: what each collection stream holds in
    memory."""
    service = Service.open(workspace_path)
    runs = Runs(service)
    collectors = Collectors(service, max_profiles)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            runs.close()
            collectors.close()
            service.close()

    app = FastAPI(
        title="Segmint",
        summary="Customer segmentation: profiles, identities, ingestion, segment definitions "
        "and Customer AI propensity models.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.service = service
    app.state.previews = Previews()
    app.state.ai_runs = runs
    app.state.collectors = collectors
    app.state.edge = EdgeCache(service)
    problems.install(app)
    for router in ROUTERS:
        app.include_router(router)
    return app
