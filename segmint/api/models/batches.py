"""The answer to a file upload: the same report ``segmint ingest`` prints (fields without a
value are left out, as in problem details)."""

from __future__ import annotations

from pydantic import Field

from segmint.api.models.common import ApiModel, ProblemItem


class GraphSummaryOut(ApiModel):
    identities: int
    profiles: int
    kept_out: int = Field(description="Links kept out because a namespace is unique.")
    evicted: int = Field(description="Identities evicted by the graph cap.")


class BatchOut(ApiModel):
    batch_id: str
    dataset: str
    file: str
    records: int
    added: int
    duplicates: int
    rejected: int
    already_ingested: bool = Field(description="The same file was ingested before: nothing added.")
    quarantine: str | None = Field(
        None, description="Rejected records and reasons, relative to the workspace folder."
    )
    graph: GraphSummaryOut | None = Field(None, description="Absent when nothing was added.")
    problems: list[ProblemItem] = Field(description="Why records were rejected (onError=skip).")
