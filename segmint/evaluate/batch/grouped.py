"""Grouped event passes: event aggregates compared with a number (``xEvent[...].count() >= 3``,
``sum ... > 200``, "searched and did not buy") compiled as one GROUP BY over the matching
events per comparison, per conjunction, or per job (the shared pass), and a segment made only of
such member sets answered from the sets themselves, without a join against every profile.

Part of the batch ``Compiler`` (which holds one ``GroupedCompiler``); kept apart because these
shapes are the compiler's fast paths, measured against hand-written SQL (benchmarks/batch.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import sqlglot.expressions as sge

from segmint.evaluate.batch import sql
from segmint.evaluate.batch.context import AGGREGATES, EVENTS, PROFILE_ALIAS
from segmint.evaluate.batch.walk import over_events
from segmint.plan import nodes as pn
from segmint.plan import semantics

if TYPE_CHECKING:
    from segmint.evaluate.batch.compiler import Compiler


class GroupedCompiler:
    def __init__(self, compiler: Compiler) -> None:
        self.compiler = compiler
        #: The job's shared aggregates: each one's column of ``seg_aggregates``.
        self.shared: dict[pn.Aggregate, str] = {}

    def sets_query(self, condition: sge.Expr) -> sge.Select | None:
        """A segment's WHERE ``condition`` as the intersection of its member sets, when it is
        a conjunction of sets only."""
        sets = [_member_set(part) for part in _conjuncts(condition)]
        if None in sets:
            return None
        return self.intersection([found for found in sets if found is not None])

    def share(self, plans: list[pn.Plan]) -> sge.Select | None:
        """One grouped pass over the events for every event aggregate the plans compare with a
        number at their top level (under and, or, not), if there are two or more: one scan
        instead of one per aggregate (at 100k profiles four such segments took 0.052 s of CPU
        instead of 0.084 s). The job materialises it as ``seg_aggregates`` after preparing its
        relations; queries compiled after this read their aggregates from it."""
        found = list(dict.fromkeys(a for plan in plans for a in self._top_aggregates(plan.root)))
        self.shared = {}
        if len(found) < 2:
            return None
        alias = self.compiler.fresh("e")
        wheres, columns = [], []
        for index, aggregate in enumerate(found):
            where = self._where(alias, aggregate)
            wheres.append(where)
            columns.append(
                sge.alias_(self.compiler.reduce(aggregate, alias, only=where), f"a{index}")
            )
        self.shared = {aggregate: f"a{index}" for index, aggregate in enumerate(found)}
        return (
            sge.select(sql.col("profile_id", alias), *columns)
            .from_(sge.to_table(EVENTS).as_(alias))
            .where(sql.or_(*dict.fromkeys(wheres)))  # a filter once, however many use it
            .group_by(sql.col("profile_id", alias))
        )

    def _top_aggregates(self, node: pn.Node) -> Iterator[pn.Aggregate]:
        """The event aggregates of ``aggregate op number`` comparisons under and, or, not."""
        if isinstance(node, pn.And | pn.Or):
            for item in node.items:
                yield from self._top_aggregates(item)
        elif isinstance(node, pn.Not):
            yield from self._top_aggregates(node.item)
        elif isinstance(node, pn.Compare):
            found = self.groupable(node)
            if found is not None:
                yield found[0]

    def intersection(self, sets: list[sge.Select]) -> sge.Select:
        """The profiles in every set, read from the sets themselves: a semi-join against every
        profile costs as much as a small set (the sets hold only profiles of the job). The
        first set has each profile once if one does, else it needs DISTINCT."""
        first, *others = sorted(sets, key=lambda found: not _one_row_each(found))
        alias = self.compiler.fresh("m")
        key = sql.col("profile_id", alias)
        named = sge.TableAlias(this=sge.to_identifier(alias),
                               columns=[sge.to_identifier("profile_id")])  # fmt: skip
        tests = [sge.In(this=key, query=sge.Subquery(this=other)) for other in others]
        return (
            sge.select(key)
            .from_(sge.Subquery(this=first, alias=named))
            .where(sql.and_(sge.Not(this=sge.Is(this=key, expression=sql.NULL)), *tests))
            .distinct(distinct=not _one_row_each(first))
        )

    def _where(self, alias: str, aggregate: pn.Aggregate) -> sge.Expr:
        """The filter of the events an aggregate reads, on rows ``alias``."""
        filters = self.compiler.event_filters(
            alias, aggregate.source, aggregate.var, aggregate.condition
        )
        return sql.and_(*filters)

    def members_of(self, query: sge.Select, negated: bool = False) -> sge.Expr:
        """``p.profile_id [NOT] IN (query)``: a semi-join on one grouped pass over the events."""
        found = sge.In(this=sql.col("profile_id", PROFILE_ALIAS), query=sge.Subquery(this=query))
        return sge.Not(this=found) if negated else found

    def groupable(self, node: pn.Compare) -> tuple[pn.Aggregate, str, int | float] | None:
        """``aggregate op number`` (the aggregate over events, computable for every profile at
        once), with the comparison turned so that the aggregate is on the left."""
        for aggregate, other, op in ((node.left, node.right, node.op),
                                     (node.right, node.left, sql.MIRROR[node.op])):  # fmt: skip
            if (
                isinstance(aggregate, pn.Aggregate)
                and over_events(aggregate.source)
                and isinstance(other, pn.Literal)
                and isinstance(other.value, int | float)
                and not isinstance(other.value, bool)
                and self.compiler.profile_free(aggregate)
            ):
                return aggregate, op, other.value
        return None

    def compare(self, node: pn.Compare) -> sge.Expr | None:
        """``xEvent[...].count() >= 3``, ``sum ... > 200`` and the like as a GROUP BY ... HAVING
        over the matching events, instead of a subquery per profile. Profiles with no matching
        event get the aggregate of nothing (0 for count and sum, missing otherwise): they
        qualify exactly when that value satisfies the comparison."""
        found = self.groupable(node)
        if found is None:
            return None
        aggregate, op, number = found
        if aggregate in self.shared:
            alias = self.compiler.fresh("g")
            value = sql.col(self.shared[aggregate], alias)
            test = sql.comparison(op, value, sql.literal(number))
            rows = sge.select(sql.col("profile_id", alias)).from_(
                sge.to_table(AGGREGATES).as_(alias)
            )
            if _holds_for_none(aggregate, op, number):
                return self.members_of(rows.where(sql.not_(sql.coalesce_false(test))), True)
            return self.members_of(rows.where(test))
        alias, query = self.compiler.event_query(
            aggregate.source, aggregate.var, aggregate.condition, correlated=False
        )
        test = sql.comparison(op, self.compiler.reduce(aggregate, alias), sql.literal(number))
        grouped = query.select(sql.col("profile_id", alias)).group_by(sql.col("profile_id", alias))
        if _holds_for_none(aggregate, op, number):
            return self.members_of(grouped.having(sql.not_(sql.coalesce_false(test))), True)
        if _holds_for_some(aggregate, op, number):
            return self.members_of(grouped)  # every group qualifies: no count to keep
        return self.members_of(grouped.having(test))

    def conjunction(self, items: tuple[pn.Node, ...]) -> sge.Expr | None:
        """Several event-aggregate comparisons of one conjunction (each possibly negated) in
        one grouped pass with a FILTER per aggregate, as in "searched and did not buy": one
        scan instead of one per comparison (or the job's shared pass). A profile without any
        matching event must fail one of them (a comparison the aggregate of nothing fails), as
        it has no group."""
        parts: dict[int, tuple[pn.Aggregate, str, int | float, bool]] = {}
        for index, item in enumerate(items):
            negated = isinstance(item, pn.Not)
            inner = item.item if isinstance(item, pn.Not) else item
            found = self.groupable(inner) if isinstance(inner, pn.Compare) else None
            if found is not None:
                parts[index] = (*found, negated)
        anchored = any(
            not negated and not _holds_for_none(aggregate, op, number)
            for aggregate, op, number, negated in parts.values()
        )
        if len(parts) < 2 or not anchored:
            return None
        shared = all(aggregate in self.shared for aggregate, _, _, _ in parts.values())
        alias = self.compiler.fresh("g" if shared else "e")
        wheres, tests = [], []
        for aggregate, op, number, negated in parts.values():
            if shared:
                reduced = sql.col(self.shared[aggregate], alias)
            else:
                where = self._where(alias, aggregate)
                wheres.append(where)
                reduced = self.compiler.reduce(aggregate, alias, only=where)
            test = sql.coalesce_false(sql.comparison(op, reduced, sql.literal(number)))
            tests.append(sql.not_(test) if negated else test)
        rows = sge.select(sql.col("profile_id", alias))
        if shared:
            rows = rows.from_(sge.to_table(AGGREGATES).as_(alias)).where(sql.and_(*tests))
        else:
            rows = (
                rows.from_(sge.to_table(EVENTS).as_(alias))
                .where(sql.or_(*wheres))
                .group_by(sql.col("profile_id", alias))
                .having(sql.and_(*tests))
            )
        rest = [
            self.compiler.predicate(item) for index, item in enumerate(items) if index not in parts
        ]
        return sql.and_(self.members_of(rows), *rest)


def _one_row_each(query: sge.Select) -> bool:
    """Whether a set's query yields each profile once: it groups by profile, or reads the
    shared aggregates (one row per profile)."""
    source = query.args.get("from_")
    reads = source.this if isinstance(source, sge.From) else None
    shared = isinstance(reads, sge.Table) and reads.name == AGGREGATES
    return query.args.get("group") is not None or shared


def _conjuncts(condition: sge.Expr) -> list[sge.Expr]:
    """The parts of a WHERE condition's top-level conjunction."""
    if isinstance(condition, sge.Paren):
        return _conjuncts(condition.this)
    if isinstance(condition, sge.And):
        return _conjuncts(condition.this) + _conjuncts(condition.expression)
    return [condition]


def _member_set(condition: sge.Expr) -> sge.Select | None:
    """The query of ``p.profile_id IN (query)``, else None."""
    if (
        isinstance(condition, sge.In)
        and condition.this == sql.col("profile_id", PROFILE_ALIAS)
        and isinstance(condition.args.get("query"), sge.Subquery)
        and isinstance(condition.args["query"].this, sge.Select)
    ):
        return condition.args["query"].this
    return None


def _holds_for_none(aggregate: pn.Aggregate, op: str, number: int | float) -> bool:
    """Whether the aggregate of no events (0 for count and sum, else missing) satisfies it."""
    empty = 0 if aggregate.function in ("count", "sum") else None
    return semantics.compare(op, empty, number)


def _holds_for_some(aggregate: pn.Aggregate, op: str, number: int | float) -> bool:
    """Whether a count of one or more events always satisfies it (``> 0``, ``>= 1``)."""
    return aggregate.function == "count" and op in (">", ">=") and semantics.compare(op, 1, number)
