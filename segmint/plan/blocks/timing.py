"""Time constraints and sequence gaps as plan ``Window``s, and back.

Each constraint builds exactly the window the binder builds for the equivalent PQL tail
(``inLast 30 days`` is ``occurs <= 30 days before now``), through ``segmint.plan.windows``, so a
definition means the same whether it was written as blocks or as PQL. Reading a window back
guesses the constraint from its shape and accepts the guess only if it rebuilds the same window.
"""

from __future__ import annotations

import datetime as dt

from segmint.errors import Location, PQLError
from segmint.plan import types as t
from segmint.plan import windows
from segmint.plan.blocks.model import Gap, TimeConstraint, TimeKind, Unit
from segmint.plan.nodes import Call, Literal, Node, Period, TimeAnchor, Window

UNITS: dict[Unit, str] = {
    "seconds": "second",
    "minutes": "minute",
    "hours": "hour",
    "days": "day",
    "weeks": "week",
    "months": "month",
    "years": "year",
}
_PLURALS: dict[str, Unit] = {singular: plural for plural, singular in UNITS.items()}
_DAYS: dict[str, TimeKind] = {"today": "today", "yesterday": "yesterday", "tomorrow": "tomorrow"}
_PERIODS: dict[TimeKind, tuple[str, str]] = {
    "thisWeek": ("this", "week"),
    "thisMonth": ("this", "month"),
    "thisYear": ("this", "year"),
    "lastWeek": ("last", "week"),
    "lastMonth": ("last", "month"),
    "lastYear": ("last", "year"),
    "nextWeek": ("next", "week"),
    "nextMonth": ("next", "month"),
    "nextYear": ("next", "year"),
}
_KINDS_OF_PERIODS = {period: kind for kind, period in _PERIODS.items()}
_NOW = TimeAnchor("now")

#: The settings each kind takes (``before`` takes a date or an amount of units ago).
_SETTINGS: dict[str, tuple[frozenset[str], ...]] = {
    "inLast": (frozenset({"amount", "unit"}),),
    "inNext": (frozenset({"amount", "unit"}),),
    "before": (frozenset({"date"}), frozenset({"amount", "unit"})),
    "after": (frozenset({"date"}),),
    "on": (frozenset({"date"}),),
    "between": (frozenset({"start", "end"}),),
}
_SETTING_NAMES = ("amount", "unit", "date", "start", "end")
_ALIASES = {"start": "from", "end": "to"}


def window_of(time: TimeConstraint, at: str) -> Window:
    """The window of a time constraint; ``at`` is its JSON path, for errors."""
    _check_settings(time, at)
    kind = time.kind
    if kind in _DAYS:
        return windows.between(TimeAnchor(kind), TimeAnchor(kind), False)
    if kind in _PERIODS:
        period = Period(*_PERIODS[kind])
        return windows.between(period, period, False)
    if time.date is not None:
        anchor = date_node(time.date)
        if kind == "on":
            return windows.between(anchor, anchor, False)
        return windows.relation(kind == "after", anchor, False)
    if time.start is not None and time.end is not None:
        return windows.between(date_node(time.start), date_node(time.end), False)
    assert time.amount is not None and time.unit is not None
    if time.amount < 1:
        raise PQLError(
            f"{kind} needs a positive amount, got {time.amount}",
            location=Location(field=f"{at}.amount"),
            hint="count whole units, 1 or more",
        )
    op = ">=" if kind == "before" else "<="
    return windows.distance(op, time.amount, UNITS[time.unit], kind == "inNext", _NOW, True)[0]


def _check_settings(time: TimeConstraint, at: str) -> None:
    given = {name for name in _SETTING_NAMES if getattr(time, name) is not None}
    options = _SETTINGS.get(time.kind, (frozenset(),))
    closest = min(options, key=lambda option: len(option ^ given))
    surplus = sorted(given - closest)
    if surplus:
        name = _ALIASES.get(surplus[0], surplus[0])
        raise PQLError(
            f"{time.kind} takes no {name}",
            location=Location(field=f"{at}.{name}"),
            hint=f"remove {name}",
        )
    missing = [_ALIASES.get(name, name) for name in sorted(closest - given)]
    if missing:
        raise PQLError(
            f"{time.kind} needs {' and '.join(missing)}",
            location=Location(field=f"{at}.{missing[0]}"),
            hint=_EXAMPLES.get(time.kind),
        )


_EXAMPLES = {
    "inLast": '{"kind": "inLast", "amount": 30, "unit": "days"}',
    "inNext": '{"kind": "inNext", "amount": 7, "unit": "days"}',
    "before": '{"kind": "before", "date": "2024-01-31"} or {"kind": "before", "amount": 1, '
    '"unit": "years"} (more than a year ago)',
    "after": '{"kind": "after", "date": "2024-01-31"}',
    "on": '{"kind": "on", "date": "2024-01-31"}',
    "between": '{"kind": "between", "from": "2024-01-01", "to": "2024-01-31"}',
}


def gap_window(gap: Gap, kind: str, previous: Node) -> Window:
    """``within`` / ``after`` ``gap`` of the ``previous`` step's time, as ``WHEN(<= 1 hour after
    A)`` / ``WHEN(>= 1 hour after A)`` bind."""
    op = "<=" if kind == "within" else ">="
    return windows.distance(op, gap.amount, UNITS[gap.unit], True, previous, True)[0]


def date_node(day: dt.date) -> Call:
    """``date(y, m, d)``: the whole UTC day."""
    parts = (day.year, day.month, day.day)
    return Call("date", tuple(Literal(part, t.INTEGER) for part in parts), t.DATE)


# Back from windows --------------------------------------------------------------------------


def time_of(window: Window) -> TimeConstraint | None:
    """The constraint whose window is ``window``, or None when no constraint has it."""
    guess = _guess(window)
    if guess is None or window_of(guess, "") != window:
        return None
    return guess


def gap_of(window: Window, previous: Node) -> tuple[str, Gap] | None:
    """``("within" | "after", gap)`` when ``window`` is a gap after ``previous``."""
    found = windows.shape(window)
    unit = _PLURALS.get(found.unit)
    if found.form != "distance" or found.anchors != (previous,) or unit is None:
        return None
    kind = {"<=": "within", ">=": "after"}.get(found.op)
    if kind is None or found.amount < 1 or not found.after:
        return None
    gap = Gap(amount=found.amount, unit=unit)
    return (kind, gap) if gap_window(gap, kind, previous) == window else None


def _guess(window: Window) -> TimeConstraint | None:
    found = windows.shape(window)
    anchor = found.anchors[0]
    if found.form == "distance":
        unit = _PLURALS.get(found.unit)
        if anchor != _NOW or unit is None or found.amount < 1:
            return None
        kind: TimeKind = "inNext" if found.after else "before" if found.op == ">=" else "inLast"
        return TimeConstraint(kind=kind, amount=found.amount, unit=unit)
    days = [_date_of(node) for node in found.anchors]
    if found.form == "on":
        if isinstance(anchor, TimeAnchor) and anchor.kind in _DAYS:
            return TimeConstraint(kind=_DAYS[anchor.kind])
        if isinstance(anchor, Period):
            kind_of_period = _KINDS_OF_PERIODS.get((anchor.which, anchor.unit))
            return None if kind_of_period is None else TimeConstraint(kind=kind_of_period)
    if None in days:
        return None
    if found.form == "between":
        return TimeConstraint(kind="between", start=days[0], end=days[1])
    kind = "on" if found.form == "on" else "after" if found.after else "before"
    return TimeConstraint(kind=kind, date=days[0])


def _date_of(node: Node) -> dt.date | None:
    if not isinstance(node, Call) or node.function != "date":
        return None
    parts: list[int] = []
    for arg in node.args:
        if not isinstance(arg, Literal) or type(arg.value) is not int:
            return None
        parts.append(arg.value)
    try:
        return dt.date(*parts)
    except (TypeError, ValueError):
        return None
