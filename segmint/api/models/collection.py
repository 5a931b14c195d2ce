"""``/collection``: what a call committed."""

from __future__ import annotations

from segmint.api.models.common import ApiModel, UtcDateTime


class TransitionOut(ApiModel):
    """A membership change the events caused, as recorded in the ledger."""

    profile_id: int
    segment_id: str
    segment: str
    status: str  # entered or exited
    time: UtcDateTime
    cause: str
    trigger: str  # event, or clock: the clock reached a change (a window lapsing)


class CollectionReceipt(ApiModel):
    """Sent once the events and their transitions are durable (committed to the workspace)."""

    accepted: int
    duplicates: int
    offset: int
    transitions: list[TransitionOut]
