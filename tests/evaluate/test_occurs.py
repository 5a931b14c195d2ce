"""``occurs`` window boundaries, to the millisecond (DESIGN.md section 4)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.evaluate.helpers import holds

MS = timedelta(milliseconds=1)
NOW = datetime(2018, 8, 28, 15, 30)
TODAY = datetime(2018, 8, 28)


def at(moment: datetime, query: str, as_of: datetime = NOW) -> bool:
    return holds(f"createdAt occurs {query}", {"createdAt": moment}, as_of=as_of)


@pytest.mark.parametrize(
    ("moment", "tail", "expected"),
    [
        (NOW - timedelta(days=3), "<= 3 days before now", True),
        (NOW - timedelta(days=3) - MS, "<= 3 days before now", False),
        (NOW, "<= 3 days before now", True),
        (NOW - timedelta(days=3), "< 3 days before now", False),
        (NOW - timedelta(days=3) + MS, "< 3 days before now", True),
        (TODAY - timedelta(days=3), "<= 3 days before today", True),
        (TODAY - timedelta(days=3) - MS, "<= 3 days before today", False),
        (TODAY - MS, "<= 3 days before today", True),
        (TODAY, "<= 3 days before today", False),  # today is excluded
        (NOW, "<= 3 days before today", False),
        (TODAY - timedelta(days=3), "= 3 days before today", True),
        (TODAY - timedelta(days=2) - MS, "= 3 days before today", True),
        (TODAY - timedelta(days=2), "= 3 days before today", False),
        (TODAY - timedelta(days=3) - MS, "= 3 days before today", False),
        (TODAY - timedelta(days=2), "!= 3 days before today", True),
        (TODAY - timedelta(days=3) - MS, "!= 3 days before today", True),
        (TODAY - timedelta(days=3), "!= 3 days before today", False),
        (TODAY, "!= 3 days before today", False),
        (NOW - timedelta(days=3), ">= 3 days before now", True),
        (NOW - timedelta(days=3), "> 3 days before now", False),
        (NOW - timedelta(days=3) - MS, "> 3 days before now", True),
        (TODAY + timedelta(days=1), "<= 1 day after today", True),
        (TODAY + timedelta(days=1) - MS, "<= 1 day after today", False),
        (TODAY + timedelta(days=2), "<= 1 day after today", True),
        (TODAY + timedelta(days=2), "< 1 day after today", False),
        (NOW + timedelta(hours=2), "< 3 hours from now", True),
        (NOW, "before now", False),
        (NOW - MS, "before now", True),
        (NOW + MS, "after now", True),
        (TODAY - MS, "before today", True),
        (TODAY, "before today", False),
        (TODAY + timedelta(days=1), "after today", True),
        (TODAY + timedelta(days=1) - MS, "after today", False),
        (datetime(2018, 7, 1), "between date(2018, 7, 1) and date(2018, 7, 31)", True),
        (
            datetime(2018, 7, 31, 23, 59, 59, 999000),
            "between date(2018, 7, 1) and date(2018, 7, 31)",
            True,
        ),
        (datetime(2018, 8, 1), "between date(2018, 7, 1) and date(2018, 7, 31)", False),
        (
            datetime(2018, 6, 30, 23, 59, 59, 999000),
            "between date(2018, 7, 1) and date(2018, 7, 31)",
            False,
        ),
        (datetime(2018, 7, 4, 23, 59), "on date(2018, 7, 4)", True),
        (datetime(2018, 7, 5), "date(2018, 7, 4)", False),
        (datetime(2018, 8, 27, 0, 0), "yesterday", True),
        (datetime(2018, 8, 29, 1, 0), "tomorrow", True),
        (datetime(2018, 8, 28, 23, 59), "today", True),
        (datetime(2018, 7, 28), "<= 1 month before today", True),  # 28 Jul - 27 Aug
        (datetime(2018, 7, 28) - MS, "<= 1 month before today", False),
        (datetime(2018, 7, 1), "last month", True),
        (datetime(2018, 7, 31, 23, 59), "last month", True),
        (datetime(2018, 8, 1), "last month", False),
        (datetime(2018, 1, 1), "this year", True),
        (datetime(2019, 12, 31), "next year", True),
        (datetime(2018, 8, 28, 15), "this hour", True),
        (datetime(2018, 8, 28, 14, 59), "last hour", True),
    ],
)
def test_window_edges(moment: datetime, tail: str, expected: bool) -> None:
    assert at(moment, tail) is expected


def test_month_arithmetic_clamps_to_the_end_of_the_month() -> None:
    as_of = datetime(2024, 3, 31, 10, 0)
    assert at(datetime(2024, 2, 29), "<= 1 month before today", as_of)
    assert not at(datetime(2024, 2, 28, 23, 59), "<= 1 month before today", as_of)
    assert at(datetime(2023, 2, 28), "<= 13 months before today", as_of)
    assert not at(datetime(2023, 2, 27), "<= 13 months before today", as_of)


def test_last_week_is_the_previous_iso_week_across_a_year_boundary() -> None:
    as_of = datetime(2025, 1, 2, 9, 0)  # a Thursday; last week is Mon 23 - Sun 29 Dec 2024
    assert at(datetime(2024, 12, 23), "last week", as_of)
    assert at(datetime(2024, 12, 29, 23, 59, 59), "last week", as_of)
    assert not at(datetime(2024, 12, 30), "last week", as_of)
    assert not at(datetime(2024, 12, 22, 23, 59), "last week", as_of)
    assert at(datetime(2024, 12, 30), "this week", as_of)


def test_a_date_subject_counts_as_its_midnight() -> None:
    assert holds(
        "person.birthDate occurs yesterday",
        {"person.birthDate": datetime(2018, 8, 27).date()},
        as_of=NOW,
    )
    assert holds(
        "person.birthDate occurs <= 2 days before now",
        {"person.birthDate": datetime(2018, 8, 27).date()},
        as_of=NOW,
    )
    assert not holds(
        "person.birthDate occurs <= 2 days before now",
        {"person.birthDate": datetime(2018, 8, 26).date()},
        as_of=NOW,
    )


def test_time_between_two_timestamps() -> None:
    attributes = {
        "createdAt": datetime(2018, 8, 1),
        "loyalty.joinDate": datetime(2018, 8, 10).date(),
    }
    assert holds("loyalty.joinDate occurs < 2 weeks after createdAt", attributes)
    assert not holds("loyalty.joinDate occurs < 1 week after createdAt", attributes)
    assert holds("createdAt occurs before loyalty.joinDate", attributes)
