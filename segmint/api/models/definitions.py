"""Segment definitions in the shape of the commercial platform's ``/segment/definitions``."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import Field, model_validator

from segmint.api.models.common import ApiModel, UtcDateTime
from segmint.pql import from_json, to_pql
from segmint.store.definitions import Lifecycle, Segment, SegmentSpec


class Expression(ApiModel):
    """PQL as text (``pql/text``) or as its JSON tree (``pql/json``); stored as text."""

    type: Literal["PQL"] = "PQL"
    format: Literal["pql/text", "pql/json"] = "pql/text"
    value: str | dict[str, Any] = Field(examples=['homeAddress.countryCode = "US"'])

    @model_validator(mode="after")
    def _value_matches_format(self) -> Expression:
        if isinstance(self.value, str) != (self.format == "pql/text"):
            wanted = "a string" if self.format == "pql/text" else "a JSON object"
            raise ValueError(f"an expression in {self.format} needs {wanted} as its value")
        return self

    def pql(self) -> str:
        """The PQL text; a malformed ``pql/json`` tree raises a located PQLError."""
        if isinstance(self.value, str):
            return self.value.strip()
        return to_pql(from_json(self.value))


class DefinitionIn(ApiModel):
    name: str = Field(min_length=1)
    description: str = ""
    expression: Expression
    merge_policy_id: str | None = Field(None, description="Merge policy; the default when null.")
    tags: list[str] = Field(default_factory=list)
    lifecycle_state: Lifecycle = Lifecycle.PUBLISHED

    def to_spec(self) -> SegmentSpec:
        return SegmentSpec(
            self.name,
            self.expression.pql(),
            self.description,
            self.merge_policy_id,
            tuple(self.tags),
            self.lifecycle_state,
        )


class DefinitionPatch(ApiModel):
    """The fields to change; absent ones keep their value (``mergePolicyId: null`` resets it)."""

    name: str | None = Field(None, min_length=1)
    description: str | None = None
    expression: Expression | None = None
    merge_policy_id: str | None = None
    tags: list[str] | None = None
    lifecycle_state: Lifecycle | None = None

    def apply_to(self, spec: SegmentSpec) -> SegmentSpec:
        return replace(
            spec,
            name=self.name or spec.name,
            pql=self.expression.pql() if self.expression else spec.pql,
            description=spec.description if self.description is None else self.description,
            merge_policy=self.merge_policy_id
            if "merge_policy_id" in self.model_fields_set
            else spec.merge_policy,
            tags=spec.tags if self.tags is None else tuple(self.tags),
            lifecycle=self.lifecycle_state or spec.lifecycle,
        )


class DefinitionOut(ApiModel):
    id: str
    name: str
    description: str
    expression: Expression
    merge_policy_id: str | None
    tags: list[str]
    lifecycle_state: Lifecycle
    version: int = Field(description="Every change is a new version.")
    dependencies: list[str] = Field(description="Segments it references with inSegment.")
    creation_time: int = Field(description="Milliseconds since the epoch.")
    update_time: int = Field(description="Milliseconds since the epoch.")

    @classmethod
    def of(cls, segment: Segment) -> DefinitionOut:
        spec = segment.spec
        return cls(
            id=segment.id,
            name=spec.name,
            description=spec.description,
            expression=Expression(value=spec.pql),
            merge_policy_id=spec.merge_policy,
            tags=list(spec.tags),
            lifecycle_state=spec.lifecycle,
            version=segment.version,
            dependencies=sorted(segment.refs),
            creation_time=_millis(segment.created_at),
            update_time=_millis(segment.updated_at),
        )


def _millis(moment: datetime | None) -> int:
    """Stored times are naive UTC."""
    assert moment is not None, "stored segments have times"
    return int(moment.replace(tzinfo=UTC).timestamp() * 1000)


class DefinitionVersion(ApiModel):
    version: int
    name: str
    pql: str
    lifecycle: Lifecycle
    changed_at: UtcDateTime


class PageInfo(ApiModel):
    start: int
    limit: int
    page_size: int = Field(description="Items on this page.")
    total_count: int
    total_pages: int


class PageLink(ApiModel):
    next: str | None = Field(None, description="The next page, when there is one.")


class DefinitionPage(ApiModel):
    segments: list[DefinitionOut]
    page: PageInfo
    link: PageLink
