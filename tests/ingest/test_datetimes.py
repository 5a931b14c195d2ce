"""Datetime parsing: the fast path for a trailing "Z" answers what the general one does."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segmint.ingest.values import parse_datetime

FRAGMENTS = ["2026", "-", "01", "12", "T", " ", "Z", "z", "+", ":", "00", "30", ".", "5", "W"]


def general(text: str) -> datetime | str:
    """The general path: an aware datetime converted to naive UTC."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        return "rejected"
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


def parsed(text: str) -> datetime | str:
    try:
        return parse_datetime(text)
    except ValueError:
        return "rejected"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-05-01T12:00:00Z", datetime(2026, 5, 1, 12)),
        ("2026-05-01T12:00:00.25Z ", datetime(2026, 5, 1, 12, 0, 0, 250000)),
        ("2026-05-01T14:00:00+02:00", datetime(2026, 5, 1, 12)),
        ("2026-05-01", datetime(2026, 5, 1)),
        ("2026-05-01Z", "rejected"),
        ("2026-05-01T12:00:00+00:00Z", "rejected"),
        ("2026-05-01T12:00:00ZZ", "rejected"),
    ],
)
def test_datetimes_are_naive_utc(text: str, expected: datetime | str) -> None:
    assert parsed(text) == expected == general(text)


@given(st.lists(st.sampled_from(FRAGMENTS), max_size=14).map("".join))
def test_the_z_fast_path_agrees_with_the_general_one(text: str) -> None:
    assert parsed(text) == general(text)
