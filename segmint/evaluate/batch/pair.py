"""Two-step chains ("B after A", "B within N after A") as one join or grouping instead of
nested ``EXISTS``: the form of the second step's window relative to the first picks the shape.

- No bound relative to A: some A precedes some B iff the earliest A precedes the latest B, one
  grouped pass (``min ... FILTER < max ... FILTER``).
- Only bounded from above, ``B <= A + N`` with N a fixed positive duration: the partner A of a
  B lies in ``[B - N, B)``, so in B's bucket of width N or the one before: an equi-join on
  (profile, bucket) with the exact test after it.
- Otherwise bounded from above (calendar units, N <= 0): the latest A strictly before each B
  is its best partner, an ASOF join.

A lower bound relative to A is allowed where "strictly after A" implies it (at or before A).
At 100k profiles (4.6M events, 1.6M views) "add to cart within 1 hour after a view" took 0.44 s
of CPU as a bucket join, 0.58-0.77 s as an ASOF join, and 1.3 s as nested ``EXISTS``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import sqlglot.expressions as sge

from segmint.evaluate.batch import sql
from segmint.evaluate.batch.context import EVENTS, PROFILE_ALIAS, row
from segmint.evaluate.batch.walk import mentions_variable
from segmint.plan import nodes as pn
from segmint.plan.calendar import FIXED_UNITS
from segmint.plan.types import Kind

if TYPE_CHECKING:
    from segmint.evaluate.batch.compiler import Compiler

_UNBOUNDED = pn.Window(None, None)
_BUCKET = "k"


def compile_pair(compiler: Compiler, node: pn.Sequence) -> sge.Expr | None:
    """``p.profile_id IN (...)``, or None when the chain does not have one of these forms."""
    if not _eligible(compiler, node):
        return None
    first, second = node.steps
    window = second.window or _UNBOUNDED
    start_relative = _relative(window.start, first.label)
    end_relative = _relative(window.end, first.label)
    if start_relative and not _implied_start(window.start, first.label, node.time_field):
        return None
    if end_relative and not _anchored(window.end, first.label, node.time_field):
        return None
    own = pn.Window(None if start_relative else window.start, None if end_relative else window.end)
    relative = pn.Window(
        window.start if start_relative else None, window.end if end_relative else None
    )
    pair = _Pair(compiler, node, own)
    if window.end is None or not end_relative:
        query = pair.grouped()
    else:
        query = pair.joined(relative, _width(window.end))
    found = sge.In(this=sql.col("profile_id", PROFILE_ALIAS), query=sge.Subquery(this=query))
    return sql.coalesce_false(found)


class _Pair:
    """The two steps' events of one chain, as SQL over ``seg_events``."""

    def __init__(self, compiler: Compiler, node: pn.Sequence, own: pn.Window) -> None:
        self.compiler = compiler
        self.time = node.time_field
        self.first, self.second = node.steps
        self.own = own

    def grouped(self) -> sge.Select:
        source = self.compiler.fresh("s")
        in_first, in_second = self._in_step(source, 0), self._in_step(source, 1)
        instant = sql.col(self.time, source)
        earliest = sge.Filter(this=sge.Min(this=instant), expression=sge.Where(this=in_first))
        latest = sge.Filter(this=sge.Max(this=instant), expression=sge.Where(this=in_second))
        return (
            self._events(source)
            .where(sql.or_(in_first, in_second))
            .select(sql.col("profile_id", source))
            .group_by(sql.col("profile_id", source))
            .having(sge.LT(this=earliest, expression=latest))
        )

    def joined(self, relative: pn.Window, width: int | None) -> sge.Select:
        """B rows joined to their candidate A rows: by bucket of ``width`` microseconds, or
        (None) to the latest earlier A by ASOF; then the bounds relative to A."""
        later, earlier = self.compiler.fresh("b"), self.compiler.fresh("a")
        time = self.time
        on = [
            sql.col("profile_id", earlier).eq(sql.col("profile_id", later)),
            sge.GT(this=sql.col(time, later), expression=sql.col(time, earlier)),
        ]
        if width is not None:
            on.insert(1, sql.col(_BUCKET, earlier).eq(sql.col(_BUCKET, later)))
        query = (
            sge.select(sql.col("profile_id", later))
            .from_(self._rows(1, width, both_buckets=True).subquery(later))
            .join(
                self._rows(0, width).subquery(earlier),
                on=sql.and_(*on),
                join_type="INNER" if width is not None else "ASOF",
            )
        )
        with self.compiler.bound(self.first.label, row(earlier)):
            within = self.compiler.windows.inside(sql.col(time, later), relative)
        return query.where(sql.filter_form(within))

    def _rows(self, index: int, width: int | None, both_buckets: bool = False) -> sge.Select:
        """``profile_id``, time and (with a width) the time's bucket of one step's events; a
        B row stands in its own bucket and the one before."""
        source = self.compiler.fresh("s")
        columns = [sql.col("profile_id", source), sql.col(self.time, source)]
        if width is not None:
            bucket: sge.Expr = sge.IntDiv(
                this=sql.fn("epoch_us", sql.col(self.time, source)),
                expression=sge.Literal.number(width),
            )
            if both_buckets:
                before = sge.Sub(this=bucket.copy(), expression=sge.Literal.number(1))
                bucket = sge.Explode(this=sge.Array(expressions=[bucket, before]))
            columns.append(sge.alias_(bucket, _BUCKET))
        return self._events(source).where(self._in_step(source, index)).select(*columns)

    def _events(self, source: str) -> sge.Select:
        instant = sql.col(self.time, source)
        return (
            sge.select()
            .from_(sge.to_table(EVENTS).as_(source))
            .where(sge.Not(this=sge.Is(this=instant, expression=sql.NULL)))
        )

    def _in_step(self, source: str, index: int) -> sge.Expr:
        """Whether an event satisfies step ``index`` (its condition and its own bounds)."""
        step = (self.first, self.second)[index]
        window = step.window if index == 0 else self.own
        with self.compiler.bound(step.label, row(source)):
            test = self.compiler.predicate(step.condition)
            if window is not None and window != _UNBOUNDED:
                instant = sql.col(self.time, source)
                test = sql.and_(test, self.compiler.windows.inside(instant, window))
        return sql.filter_form(test)


def _eligible(compiler: Compiler, node: pn.Sequence) -> bool:
    """Two single-event steps over all events, computable for every profile at once, the
    second step's condition not referring to the first step's event."""
    if not isinstance(node.source, pn.Events) or len(node.steps) != 2:
        return False
    first, second = node.steps
    return (
        first.count == 1
        and second.count == 1
        and compiler.independent(first, second)
        and not mentions_variable(second.condition, first.label)
    )


def _width(bound: pn.Bound) -> int | None:
    """The bucket width in microseconds for ``B <= A + N``: N, if a fixed positive duration."""
    if bound.unit not in FIXED_UNITS or bound.amount <= 0:
        return None
    return (FIXED_UNITS[bound.unit] * bound.amount) // timedelta(microseconds=1)


def _relative(bound: pn.Bound | None, label: str) -> bool:
    return bound is not None and mentions_variable(bound, label)


def _anchored(bound: pn.Bound | None, label: str, time: str) -> bool:
    """The bound is the first step's event time (an instant), shifted or not."""
    if bound is None:
        return False
    anchor = bound.anchor
    return (
        isinstance(anchor, pn.Get)
        and isinstance(anchor.target, pn.Var)
        and anchor.target.name == label
        and anchor.field == time
        and pn.type_of(anchor).kind is Kind.DATETIME
    )


def _implied_start(bound: pn.Bound | None, label: str, time: str) -> bool:
    """A lower bound at or before the first step's time, which "strictly after" implies."""
    return (
        bound is not None
        and _anchored(bound, label, time)
        and (bound.unit is None or bound.amount <= 0)
    )
