"""Small constructors for the sqlglot nodes the compiler builds, so the compiler reads as the
semantics it implements rather than as AST plumbing. Nothing here builds SQL text."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlglot.expressions as sge

TRUE = sge.true()
FALSE = sge.false()
NULL = sge.null()


def fn(name: str, *args: sge.Expr) -> sge.Expr:
    return sge.Anonymous(this=name, expressions=list(args))


def lam(param: str, body: sge.Expr) -> sge.Expr:
    return sge.Lambda(this=body, expressions=[sge.to_identifier(param)])


def ident(name: str) -> sge.Expr:
    return sge.column(name)


def col(name: str, table: str) -> sge.Expr:
    return sge.column(name, table=table, quoted=True)


def field(value: sge.Expr, name: str) -> sge.Expr:
    return fn("struct_extract", value, sge.Literal.string(name))


def literal(value: Any) -> sge.Expr:
    """A SQL literal for a Python scalar, date or datetime."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return TRUE if value else FALSE
    if isinstance(value, int | float):
        number = sge.Literal.number(repr(value) if isinstance(value, float) else value)
        return sge.Neg(this=sge.Literal.number(-value)) if value < 0 else number
    if isinstance(value, datetime):
        return sge.cast(sge.Literal.string(value.isoformat(sep=" ")), "TIMESTAMP")
    if isinstance(value, date):
        return sge.cast(sge.Literal.string(value.isoformat()), "DATE")
    return sge.Literal.string(str(value))


def coalesce_false(predicate: sge.Expr) -> sge.Expr:
    """Two-valued logic: a predicate on a missing value is false, never NULL."""
    return sge.Coalesce(this=predicate, expressions=[FALSE])


def exists(query: sge.Select) -> sge.Expr:
    return sge.Exists(this=query)


def subquery(query: sge.Select) -> sge.Expr:
    return sge.Subquery(this=query)


def and_(*items: sge.Expr) -> sge.Expr:
    return sge.and_(*items) if items else TRUE


def or_(*items: sge.Expr) -> sge.Expr:
    return sge.or_(*items) if items else FALSE


def not_(item: sge.Expr) -> sge.Expr:
    return sge.Not(this=sge.Paren(this=item))


def filter_form(predicate: sge.Expr) -> sge.Expr:
    """A predicate for a WHERE clause, which already treats NULL as false: the outer
    ``COALESCE(x, FALSE)`` of each conjunct is dropped, so the engine can push plain column
    comparisons down to the scan (zone maps on ``timestamp``)."""
    if isinstance(predicate, sge.And):
        return sge.and_(filter_form(predicate.this), filter_form(predicate.expression))
    if isinstance(predicate, sge.Paren) and isinstance(predicate.this, sge.And | sge.Coalesce):
        return filter_form(predicate.this)
    if (
        isinstance(predicate, sge.Coalesce)
        and len(predicate.expressions) == 1
        and predicate.expressions[0] == FALSE
    ):
        return filter_form(predicate.this)
    return predicate


#: A comparison with its sides swapped.
MIRROR = {"=": "=", "!=": "!=", "<": ">", ">": "<", "<=": ">=", ">=": "<="}


def comparison(op: str, left: sge.Expr, right: sge.Expr) -> sge.Expr:
    classes: dict[str, type[sge.Binary]] = {
        "=": sge.EQ, "!=": sge.NEQ, "<": sge.LT, ">": sge.GT, "<=": sge.LTE, ">=": sge.GTE,
    }  # fmt: skip
    return classes[op](this=left, expression=right)
