"""``occurs`` in SQL: window bounds as literals when they depend only on as_of (now, today,
periods: computed with the shared calendar), as SQL calendar arithmetic when they depend on data
(a ``date(...)`` of fields, another event's timestamp, a chain label's time)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlglot.expressions as sge

from segmint.evaluate.batch import sql
from segmint.plan import calendar
from segmint.plan import nodes as pn
from segmint.plan.calendar import FIXED_UNITS, MONTH_UNITS
from segmint.plan.types import Kind

if TYPE_CHECKING:
    from segmint.evaluate.batch.compiler import Compiler

_SQL_UNITS = {
    "millisecond": ("MILLISECOND", 1),
    "second": ("SECOND", 1),
    "minute": ("MINUTE", 1),
    "hour": ("HOUR", 1),
    "day": ("DAY", 1),
    "week": ("DAY", 7),
}


class WindowCompiler:
    def __init__(self, compiler: Compiler) -> None:
        self.compiler = compiler

    def anchor_value(self, anchor: pn.TimeAnchor) -> date:
        return calendar.time_anchor(anchor.kind, self.compiler.as_of)

    def occurs(self, node: pn.Occurs) -> sge.Expr:
        subject = self.compiler.value(node.subject)
        is_day = pn.type_of(node.subject).kind is Kind.DATE
        if pn.type_of(node.subject).many:
            item = self.compiler.fresh("x")
            test = self.inside(_instant(sql.ident(item), is_day), node.window)
            return self.compiler.any_item(subject, item, test)
        return self.inside(_instant(subject, is_day), node.window)

    def inside(self, instant: sge.Expr, window: pn.Window) -> sge.Expr:
        """Whether ``instant`` lies in the window (NULL when a data anchor is missing)."""
        tests: list[sge.Expr] = []
        if window.start is not None:
            start = self.bound(window.start)
            tests.append(
                (sge.GTE if window.start.inclusive else sge.GT)(this=instant, expression=start)
            )
        if window.end is not None and not self._always_before(instant, window.end):
            end = self.bound(window.end)
            tests.append(
                (sge.LTE if window.end.inclusive else sge.LT)(this=instant, expression=end)
            )
        return sql.and_(*tests)

    def _always_before(self, instant: sge.Expr, end: pn.Bound) -> bool:
        """Whether an event's own time surely lies at or before ``end``: the job's events end
        at as_of, so "up to now" needs no test (which costs a comparison per event row)."""
        return (
            end.inclusive
            and self._fixed(end) == self.compiler.as_of
            and isinstance(instant, sge.Column)
            and instant.name == "timestamp"
            and self.compiler.is_event_row(instant.table)
        )

    def _fixed(self, bound: pn.Bound) -> datetime | None:
        """The instant of a bound that depends only on as_of (now, today, periods), else None."""
        anchor = bound.anchor
        if not isinstance(anchor, pn.Period | pn.TimeAnchor):
            return None
        interval = (
            calendar.period(anchor.which, anchor.unit, self.compiler.as_of)
            if isinstance(anchor, pn.Period)
            else calendar.interval_of(self.anchor_value(anchor))
        )
        near = interval.lo if bound.side == "lo" else interval.hi
        return near if bound.unit is None else calendar.shift(near, bound.amount, bound.unit)

    def bound(self, bound: pn.Bound) -> sge.Expr:
        fixed = self._fixed(bound)
        if fixed is not None:
            return sql.literal(fixed)
        anchor = bound.anchor
        value = self.compiler.value(anchor)
        is_day = pn.type_of(anchor).kind is Kind.DATE
        edge = _instant(value, is_day)
        if is_day and bound.side == "hi":
            edge = sge.Add(this=edge, expression=_interval(1, "day"))
        if bound.unit is None or bound.amount == 0:
            return edge
        return sge.Add(this=edge, expression=_interval(bound.amount, bound.unit))


def _instant(value: sge.Expr, is_day: bool) -> sge.Expr:
    """A timestamp operand as an instant: a date counts as its midnight (UTC)."""
    return sge.cast(value, "TIMESTAMP") if is_day else value


def _interval(amount: int, unit: str) -> sge.Expr:
    if unit in FIXED_UNITS:
        name, factor = _SQL_UNITS[unit]
    else:
        name, factor = "MONTH", MONTH_UNITS[unit]
    return sge.Interval(this=sge.Literal.string(str(amount * factor)), unit=sge.Var(this=name))
