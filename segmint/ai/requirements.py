"""Data requirements of training: enough history for a cutoff and its window, and enough
profiles of each outcome. Each failure says what is missing and how much there is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from segmint.errors import SegmintError

#: Features need some history before a cutoff, as in the commercial platform (30 days).
MIN_HISTORY_DAYS = 30


class InsufficientDataError(SegmintError):
    http_status = 422
    title = "Not enough data"


@dataclass(frozen=True)
class Limits:
    """Minimum sizes; the defaults suit real use, tests and small demos pass smaller ones."""

    min_profiles: int = 500
    min_positives: int = 100
    min_negatives: int = 100
    min_history_days: int = MIN_HISTORY_DAYS


def check_history(
    first: datetime | None, last: datetime | None, as_of: datetime | None, window_days: int,
    limits: Limits,
) -> None:  # fmt: skip
    """The events must cover ``min_history_days`` before a cutoff plus the window after it."""
    needed = limits.min_history_days + window_days
    if first is None or last is None or as_of is None:
        raise InsufficientDataError(
            "there are no events to learn from", hint="ingest event data first (segmint ingest)"
        )
    if as_of > last:
        raise InsufficientDataError(
            f"the outcome window would end at {as_of:%Y-%m-%d %H:%M}, after the last event "
            f"({last:%Y-%m-%d %H:%M}): its outcomes are not known yet",
            hint="train with an earlier --as-of, or leave it out to use the last event's time",
        )
    span = (as_of - first).total_seconds() / 86400
    if span < needed:
        raise InsufficientDataError(
            f"training needs {needed} days of events ({limits.min_history_days} days of history "
            f"plus the {window_days}-day window) before {as_of:%Y-%m-%d}; there are {span:.1f} "
            f"days (from {first:%Y-%m-%d})",
            hint="ingest more history, shorten the window, or pass a later --as-of",
        )


def check_outcomes(profiles: int, positives: int, outcome: str, limits: Limits) -> None:
    """Enough training rows, and of both outcomes (``outcome`` names the positive class)."""
    negatives = profiles - positives
    if profiles < limits.min_profiles:
        raise InsufficientDataError(
            f"training needs at least {limits.min_profiles} eligible profile rows; "
            f"there are {profiles}",
            hint="ingest more profiles, or widen the eligibility condition",
        )
    for what, count, minimum in (
        (outcome, positives, limits.min_positives),
        (f"not {outcome}", negatives, limits.min_negatives),
    ):
        if count < minimum:
            raise InsufficientDataError(
                f'training needs at least {minimum} rows with outcome "{what}"; there are '
                f"{count} of {profiles}",
                hint="ingest more history, widen the eligibility, or change the window or goal",
            )
