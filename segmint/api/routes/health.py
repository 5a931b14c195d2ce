"""``/health``: whether the server is up, without a key or a database read (for load
balancers and orchestrators, and the baseline of benchmarks/api.py)."""

from __future__ import annotations

from fastapi import APIRouter

from segmint.api.models.common import PROBLEM_RESPONSES, ApiModel

router = APIRouter(tags=["health"], responses=PROBLEM_RESPONSES)


class Health(ApiModel):
    status: str


@router.get("/health")
async def health() -> Health:
    return Health(status="ok")
