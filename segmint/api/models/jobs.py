"""Segment jobs, previews, estimates, audiences and export jobs, in the original's shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from segmint.activation.export import ExportFormat
from segmint.api.models.common import ApiModel, UtcDateTime
from segmint.membership.members import Status


class SegmentRef(ApiModel):
    segment_id: str = Field(description='A segment id or name; "*" for every published one.')


class JobIn(ApiModel):
    segments: list[SegmentRef] = Field(min_length=1)
    as_of: UtcDateTime | None = Field(None, description="Evaluation time; default now.")


class SegmentMetricsOut(ApiModel):
    segment_id: str
    name: str
    qualified: int
    entered: int
    exited: int
    seconds: float


class JobOut(ApiModel):
    id: str
    status: str
    source: str
    as_of: UtcDateTime
    segments: list[str]
    metrics: dict[str, Any]
    created_at: UtcDateTime
    finished_at: UtcDateTime | None


class PreviewIn(ApiModel):
    predicate_expression: str = Field(description="PQL text, or the name/id of a segment.")
    predicate_type: Literal["pql/text"] = "pql/text"
    as_of: UtcDateTime | None = None


class PreviewState(ApiModel):
    preview_id: str
    state: Literal["NEW", "RUNNING", "RESULT_READY", "FAILED"]


class PreviewOut(PreviewState):
    results: list[dict[str, Any]] = Field(default_factory=list)
    error: dict[str, Any] | None = None


class EstimateOut(PreviewState):
    estimated_size: int | None = None
    confidence_interval: str = "95%"
    low: int | None = None
    high: int | None = None
    profiles_read_so_far: int | None = None
    profiles_matched_so_far: int | None = None
    total_rows: int | None = None
    error: dict[str, Any] | None = None


class StatusCounts(ApiModel):
    realized: int
    existing: int
    exited: int


class HistoryPoint(ApiModel):
    at: UtcDateTime
    entered: int
    exited: int


class AudienceOut(ApiModel):
    id: str
    name: str
    lifecycle_state: str
    counts: StatusCounts
    history: list[HistoryPoint]


class ExportIn(ApiModel):
    segment_id: str
    status: list[Status] = Field(default_factory=lambda: [Status.REALIZED, Status.EXISTING])
    format: ExportFormat = ExportFormat.CSV


class ExportOut(ApiModel):
    id: str
    segment_id: str
    statuses: list[Status]
    format: ExportFormat
    path: str
    rows: int
    status: str
    created_at: datetime
