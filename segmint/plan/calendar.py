"""Calendar arithmetic in UTC: shifting instants by units, calendar periods, time anchors.

Months and longer units use calendar arithmetic clamped to the end of the month (31 March minus
1 month is 28 or 29 February); results beyond what a datetime can hold saturate at
``datetime.min`` / ``datetime.max`` instead of failing, so a "3 millennia before now" window is
simply unbounded in practice.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from typing import NamedTuple

FIXED_UNITS: dict[str, timedelta] = {
    "millisecond": timedelta(milliseconds=1),
    "second": timedelta(seconds=1),
    "minute": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
}
MONTH_UNITS: dict[str, int] = {
    "month": 1,
    "year": 12,
    "decade": 120,
    "century": 1200,
    "millennium": 12000,
}
_PERIOD_OFFSETS = {"last": -1, "this": 0, "next": 1}
_DAY = timedelta(days=1)


class Interval(NamedTuple):
    """``[lo, hi)`` for a day or a period; an instant has ``lo == hi`` and ``point`` set."""

    lo: datetime
    hi: datetime
    point: bool


def shift(instant: datetime, amount: int, unit: str) -> datetime:
    """``instant`` moved by ``amount`` units (negative: back in time), saturating."""
    step = FIXED_UNITS.get(unit)
    if step is not None:
        try:
            return instant + step * amount
        except OverflowError:
            return datetime.max if amount > 0 else datetime.min
    months = instant.year * 12 + instant.month - 1 + amount * MONTH_UNITS[unit]
    year, month = divmod(months, 12)
    if year < 1:
        return datetime.min
    if year > 9999:
        return datetime.max
    day = min(instant.day, calendar.monthrange(year, month + 1)[1])
    return instant.replace(year=year, month=month + 1, day=day)


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


def as_instant(value: date) -> datetime:
    """A timestamp operand as an instant: a date counts as its midnight (UTC)."""
    return value if isinstance(value, datetime) else midnight(value)


def interval_of(value: date) -> Interval:
    """A datetime is an instant; a date is the whole UTC day."""
    if isinstance(value, datetime):
        return Interval(value, value, True)
    start = midnight(value)
    return Interval(start, shift(start, 1, "day"), False)


def time_anchor(kind: str, as_of: datetime) -> date:
    """``now`` is as_of itself; ``today``, ``yesterday`` and ``tomorrow`` are UTC days."""
    if kind == "now":
        return as_of
    offset = {"today": 0, "yesterday": -1, "tomorrow": 1}[kind]
    try:
        return as_of.date() + _DAY * offset
    except OverflowError:
        return date.max if offset > 0 else date.min


def period(which: str, unit: str, as_of: datetime) -> Interval:
    """``this|last|next UNIT``: the calendar period containing as_of, or the one before/after.
    Weeks are ISO weeks (Monday to Sunday); decades, centuries and millennia start at years
    divisible by 10, 100 and 1000."""
    start = _truncate(as_of, unit)
    lo = shift(start, _PERIOD_OFFSETS[which], unit)
    return Interval(lo, shift(lo, 1, unit), False)


def _truncate(instant: datetime, unit: str) -> datetime:
    if unit == "millisecond":
        return instant.replace(microsecond=instant.microsecond // 1000 * 1000)
    if unit == "second":
        return instant.replace(microsecond=0)
    if unit == "minute":
        return instant.replace(second=0, microsecond=0)
    if unit == "hour":
        return instant.replace(minute=0, second=0, microsecond=0)
    day = midnight(instant)
    if unit == "day":
        return day
    if unit == "week":
        return day - _DAY * day.weekday()
    if unit == "month":
        return day.replace(day=1)
    size = {"year": 1, "decade": 10, "century": 100, "millennium": 1000}[unit]
    return day.replace(year=max(1, day.year // size * size), month=1, day=1)
