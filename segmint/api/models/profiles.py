"""Merged profiles and identity graphs."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from segmint.api.models.common import ApiModel, UtcDateTime


class IdentityOut(ApiModel):
    namespace: str
    id: str
    first_seen: UtcDateTime


class EventSummary(ApiModel):
    id: str = Field(alias="_id")
    timestamp: UtcDateTime
    event_type: str | None
    dataset: str


class MembershipOut(ApiModel):
    """A segment the profile is or was in: ``realized`` or ``exited``, and since when."""

    segment: str
    status: str
    last_qualification_time: UtcDateTime | None
    entered_at: UtcDateTime | None


class ProfileOut(ApiModel):
    """A profile merged under a merge policy, as ``segmint profile get`` shows it."""

    profile_id: int
    merge_policy: str
    attributes: dict[str, Any]
    identities: list[IdentityOut]
    event_count: int
    recent_events: list[EventSummary]
    segments: list[MembershipOut]


class LinkOut(ApiModel):
    from_: str = Field(alias="from")
    to: str
    seen_at: UtcDateTime


class IssueOut(ApiModel):
    """A link kept out of the graph (unique namespace) or an identity evicted (graph cap)."""

    kind: str
    identity: str
    other: str | None
    reason: str


class GraphOut(ApiModel):
    profile_id: int
    identities: list[IdentityOut]
    links: list[LinkOut]
    issues: list[IssueOut]
