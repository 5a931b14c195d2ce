"""``chain(...)`` in SQL: one nested ``EXISTS`` per step, each step's event strictly after the
previous step's, exactly as the reference's backtracking search defines a match.

A step with ``COUNT(n)`` names its last event; at least ``n`` events satisfying the step (that
event included) lie after the previous step's event and no later than it. Conditions and
windows may refer to earlier labels, which are the enclosing rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlglot.expressions as sge

from segmint.evaluate.batch import sql
from segmint.evaluate.batch.context import EVENTS, PROFILE_ALIAS, row
from segmint.evaluate.batch.pair import compile_pair
from segmint.plan import nodes as pn

if TYPE_CHECKING:
    from segmint.evaluate.batch.compiler import Compiler


def compile_sequence(compiler: Compiler, node: pn.Sequence) -> sge.Expr:
    """A two-step chain as a grouping or join (``pair``) where it has such a form, else
    nested ``EXISTS``."""
    pair = compile_pair(compiler, node)
    return pair if pair is not None else _from_step(compiler, node, 0, None)


def _from_step(compiler: Compiler, node: pn.Sequence, index: int, previous: str | None) -> sge.Expr:
    if index == len(node.steps):
        return sql.TRUE
    step = node.steps[index]
    time = node.time_field
    alias, rows = _step_rows(compiler, node, step, previous)
    query = rows
    if step.count > 1:
        _, others = _step_rows(compiler, node, step, previous, within=(alias, time))
        enough = sge.GTE(
            this=sql.subquery(others.select(sge.Count(this=sge.Star()))),
            expression=sge.Literal.number(step.count),
        )
        query = query.where(enough)
    with compiler.bound(step.label, row(alias)):
        rest = _from_step(compiler, node, index + 1, alias)
    return sql.exists(query.where(rest).select(sge.Literal.number(1)))


def _step_rows(
    compiler: Compiler,
    node: pn.Sequence,
    step: pn.Step,
    previous: str | None,
    within: tuple[str, str] | None = None,
) -> tuple[str, sge.Select]:
    """Events satisfying ``step`` after the previous step's event (and, with ``within``, no
    later than the given row's time)."""
    time = node.time_field
    alias = compiler.fresh("s")
    query = (
        sge.select()
        .from_(sge.to_table(EVENTS).as_(alias))
        .where(sql.col("profile_id", alias).eq(sql.col("profile_id", PROFILE_ALIAS)))
        .where(sge.Not(this=sge.Is(this=sql.col(time, alias), expression=sql.NULL)))
    )
    if previous is not None:
        query = query.where(sge.GT(this=sql.col(time, alias), expression=sql.col(time, previous)))
    if within is not None:
        query = query.where(
            sge.LTE(this=sql.col(time, alias), expression=sql.col(within[1], within[0]))
        )
    with compiler.bound(step.label, row(alias)):
        query = query.where(sql.filter_form(compiler.predicate(step.condition)))
        if step.window is not None:
            instant = sql.col(time, alias)
            query = query.where(compiler.windows.inside(instant, step.window))
    return alias, query
