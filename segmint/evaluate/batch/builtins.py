"""SQL for the built-in functions of ``segmint.plan.functions.BUILTINS``, one rule per function,
each matching the reference implementation in ``segmint.evaluate.builtins`` (the conformance
suite holds them together): predicates are false and value functions missing on a missing
operand, and a projected receiver applies the function to each element."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import sqlglot.expressions as sge

from segmint.evaluate.batch import sql
from segmint.plan import nodes as pn
from segmint.plan.calendar import time_anchor
from segmint.plan.functions import BUILTINS

if TYPE_CHECKING:
    from segmint.evaluate.batch.compiler import Compiler

Args = list[sge.Expr]
Rule = Callable[[Args, list[pn.Node]], sge.Expr]


def _cased(test: Callable[[sge.Expr, sge.Expr], sge.Expr], negate: bool = False) -> Rule:
    def rule(args: Args, nodes: list[pn.Node]) -> sge.Expr:
        text, other = args[0], args[1]
        if not _flag(nodes[2]):
            text, other = sge.Lower(this=text), sge.Lower(this=other)
        found = test(text, other)
        return sql.not_(found) if negate else found

    return rule


def _flag(node: pn.Node) -> bool:
    """The case-sensitivity flag: a Boolean literal (the binder checks that)."""
    return not isinstance(node, pn.Literal) or bool(node.value)


def _equals(args: Args, nodes: list[pn.Node]) -> sge.Expr:
    text, candidates = args[0], args[1:-1]
    if not _flag(nodes[-1]):
        text, candidates = sge.Lower(this=text), [sge.Lower(this=c) for c in candidates]
    return sge.In(this=text, expressions=candidates)


def _like(args: Args, nodes: list[pn.Node]) -> sge.Expr:
    return sge.Escape(this=sge.Like(this=args[0], expression=args[1]), expression=sql.literal("\\"))


def _regex_group(args: Args, nodes: list[pn.Node]) -> sge.Expr:
    regex, group = nodes[1], nodes[2]
    groups = re.compile(str(regex.value)).groups if isinstance(regex, pn.Literal) else -1
    if (
        not isinstance(group, pn.Literal)
        or not isinstance(group.value, int)
        or not 0 <= group.value <= groups
    ):
        return sql.NULL
    extracted = sql.fn("regexp_extract", args[0], args[1], args[2])
    return sge.If(this=sql.fn("regexp_matches", args[0], args[1]), true=extracted, false=sql.NULL)


def _ordered_distinct(items: sge.Expr, name: str) -> sge.Expr:
    """Distinct values keeping first occurrences in order (DuckDB's list_distinct does not)."""
    first = sge.EQ(
        this=sql.fn("list_position", items, sql.ident(name)), expression=sql.ident(f"{name}_i")
    )
    keep = sge.Lambda(
        this=first, expressions=[sge.to_identifier(name), sge.to_identifier(f"{name}_i")]
    )
    return sql.fn("list_filter", items, keep)


def _none_if_empty(items: sge.Expr) -> sge.Expr:
    empty = sge.EQ(this=sql.fn("len", items), expression=sge.Literal.number(0))
    return sge.If(this=empty, true=sql.NULL, false=items)


class CallCompiler:
    """Compiles one ``Call`` node; needs the compiler for fresh lambda names and values."""

    def __init__(self, compiler: Compiler) -> None:
        self.compiler = compiler

    def compile(self, node: pn.Call) -> sge.Expr:
        spec = BUILTINS[node.function]
        if node.function in ("currentYear", "currentMonth", "currentDayOfMonth"):
            now = time_anchor("now", self.compiler.as_of)
            part = {
                "currentYear": now.year,
                "currentMonth": now.month,
                "currentDayOfMonth": now.day,
            }
            return sql.literal(part[node.function])
        nodes = list(node.args)
        args = [self.compiler.value(arg) for arg in nodes]
        receiver_many = bool(nodes) and pn.type_of(nodes[0]).many
        if spec.each and receiver_many:
            return self._each(node.function, spec.predicate, args, nodes)
        return self._apply(node.function, args, nodes)

    def _each(self, function: str, predicate: bool, args: Args, nodes: list[pn.Node]) -> sge.Expr:
        item = self.compiler.fresh("x")
        element = pn.Var(item, pn.type_of(nodes[0]).item())
        applied = self._apply(function, [sql.ident(item), *args[1:]], [element, *nodes[1:]])
        if predicate:
            return self.compiler.any_item(args[0], item, applied)
        mapped = sql.fn("list_transform", args[0], sql.lam(item, applied))
        if function in ("keys", "values"):
            mapped = sql.fn("flatten", mapped)
        kept = self.compiler.fresh("x")
        present = sge.Not(this=sge.Is(this=sql.ident(kept), expression=sql.NULL))
        return sql.fn("list_filter", mapped, sql.lam(kept, present))

    def _apply(self, function: str, args: Args, nodes: list[pn.Node]) -> sge.Expr:
        if function in _RULES:
            return _RULES[function](args, nodes)
        if function in ("isNull", "isNotNull"):
            absent = self.compiler.absent(args[0], pn.type_of(nodes[0]))
            return absent if function == "isNull" else sge.Not(this=sge.Paren(this=absent))
        if function in ("distinct", "intersection"):
            name = self.compiler.fresh("d")
            unique = _ordered_distinct(args[0], name)
            if function == "distinct":
                return unique
            shared = sql.fn(
                "list_filter",
                unique,
                sql.lam(name, sql.fn("list_contains", args[1], sql.ident(name))),
            )
            return _none_if_empty(shared)
        raise AssertionError(f"no SQL rule for built-in {function}")


_RULES: dict[str, Rule] = {
    "startsWith": _cased(lambda a, b: sql.fn("starts_with", a, b)),
    "doesNotStartWith": _cased(lambda a, b: sql.fn("starts_with", a, b), negate=True),
    "endsWith": _cased(lambda a, b: sql.fn("ends_with", a, b)),
    "doesNotEndWith": _cased(lambda a, b: sql.fn("ends_with", a, b), negate=True),
    "contains": _cased(lambda a, b: sql.fn("contains", a, b)),
    "doesNotContain": _cased(lambda a, b: sql.fn("contains", a, b), negate=True),
    "notEqualTo": _cased(lambda a, b: sge.NEQ(this=a, expression=b)),
    "equals": _equals,
    "like": _like,
    "matches": lambda args, nodes: sql.fn("regexp_matches", args[0], args[1]),
    "regexGroup": _regex_group,
    "intersects": lambda args, nodes: sql.fn("list_has_any", args[0], args[1]),
    "subsetOf": lambda args, nodes: sql.fn("list_has_all", args[1], args[0]),
    "supersetOf": lambda args, nodes: sql.fn("list_has_all", args[0], args[1]),
    "includes": lambda args, nodes: sge.and_(
        sge.Not(this=sge.Is(this=args[1], expression=sql.NULL)),
        sql.fn("list_contains", args[0], args[1]),
    ),
    # list_extract is 1-based; a sqlglot Bracket would be shifted to [2] for DuckDB
    "head": lambda args, nodes: sql.fn("list_extract", args[0], sge.Literal.number(1)),
    "keys": lambda args, nodes: sql.fn("map_keys", args[0]),
    "values": lambda args, nodes: sql.fn("map_values", args[0]),
    "get": lambda args, nodes: sql.fn("map_extract_value", args[0], args[1]),
    "getYear": lambda args, nodes: sql.fn("year", args[0]),
    "getMonth": lambda args, nodes: sql.fn("month", args[0]),
    "getDayOfMonth": lambda args, nodes: sql.fn("day", args[0]),
    "date": lambda args, nodes: sql.fn("try", sql.fn("make_date", *args)),
    "datetime": lambda args, nodes: sql.fn("try", sql.fn("make_timestamp", *args)),
}


def compile_call(compiler: Compiler, node: pn.Call) -> sge.Expr:
    return CallCompiler(compiler).compile(node)
