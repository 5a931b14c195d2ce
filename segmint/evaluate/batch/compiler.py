"""The batch compiler: a logical plan becomes one sqlglot query over a job's relations.

Relations (set up by ``sources``): ``seg_profiles`` (``profile_id`` and the merged profile's
top-level columns), ``seg_events`` (``profile_id`` and the events with ``timestamp <= as_of``)
and ``seg_members`` (``segment``, ``profile_id``: who is realized in which segment); in a
job, also ``seg_aggregates``, the event aggregates its segments share (``Compiler.share``).

Values compile to SQL expressions that may be NULL (missing); predicates compile to expressions
that are never NULL (two-valued logic, DESIGN.md section 4). Aggregates and quantifiers over
``xEvent`` become correlated subqueries on ``seg_events``, which DuckDB decorrelates into one
grouped pass; item arrays use DuckDB's list functions with lambdas. Anything that depends only
on ``as_of`` (now, today, periods, ``date(...)``) is folded to a literal here, with the shared
semantics, so every evaluator computes the same instants.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import sqlglot.expressions as sge

from segmint.errors import PQLError
from segmint.evaluate.batch import sql
from segmint.evaluate.batch.builtins import compile_call
from segmint.evaluate.batch.context import (
    EVENTS,
    MEMBERS,
    PROFILE_ALIAS,
    PROFILES,
    Binding,
    row,
)
from segmint.evaluate.batch.grouped import GroupedCompiler
from segmint.evaluate.batch.sequence import compile_sequence
from segmint.evaluate.batch.walk import (
    mentions_profile,
    over_events,
    reads_events,
    reads_profile_row,
)
from segmint.evaluate.batch.windows import WindowCompiler
from segmint.plan import nodes as pn
from segmint.plan.scope import lookup_field
from segmint.plan.types import Kind, Type
from segmint.schema.fields import Node as SchemaNode
from segmint.schema.model import Schema


class Compiler:
    """Compiles the plans of one job: fixed ``as_of`` and schemas."""

    def __init__(self, as_of: datetime, profile: Schema, event: Schema) -> None:
        self.as_of = as_of
        self.schemas = {"profile": profile, "event": event}
        self._names = itertools.count(1)
        self._scope: dict[str, Binding] = {}
        self.windows = WindowCompiler(self)
        self.grouped = GroupedCompiler(self)

    # Entry point --------------------------------------------------------------------------

    def segment_query(self, plan: pn.Plan) -> sge.Select:
        """``SELECT profile_id FROM seg_profiles p WHERE <definition>``, or, for a conjunction
        of member sets only (grouped event passes, ``inSegment``), their intersection."""
        condition = sql.filter_form(self.predicate(plan.root))
        sets = self.grouped.sets_query(condition)
        if sets is not None:
            return sets
        return (
            sge.select(sql.col("profile_id", PROFILE_ALIAS))
            .from_(sge.to_table(PROFILES).as_(PROFILE_ALIAS))
            .where(condition)
        )

    # Scopes -------------------------------------------------------------------------------

    def fresh(self, prefix: str) -> str:
        return f"{prefix}{next(self._names)}"

    @contextmanager
    def bound(self, name: str, binding: Binding) -> Iterator[None]:
        saved = self._scope.get(name)
        self._scope[name] = binding
        try:
            yield
        finally:
            if saved is None:
                del self._scope[name]
            else:
                self._scope[name] = saved

    def variable(self, name: str) -> Binding:
        return self._scope[name]

    def is_event_row(self, alias: str) -> bool:
        """Whether ``alias`` names a ``seg_events`` row some variable in scope stands for."""
        return any(binding.row == alias for binding in self._scope.values())

    # Predicates ---------------------------------------------------------------------------

    def predicate(self, node: pn.Node) -> sge.Expr:
        """SQL that is TRUE or FALSE, never NULL."""
        if isinstance(node, pn.And):
            grouped = self.grouped.conjunction(node.items)
            if grouped is not None:
                return grouped
            return sql.and_(*(self.predicate(item) for item in node.items))
        if isinstance(node, pn.Or):
            return sql.or_(*(self.predicate(item) for item in node.items))
        if isinstance(node, pn.Not):
            return sql.not_(self.predicate(node.item))
        if isinstance(node, pn.Literal) and isinstance(node.value, bool):
            return sql.TRUE if node.value else sql.FALSE
        if isinstance(node, pn.Quantify):
            return sql.coalesce_false(self._quantify(node))
        if isinstance(node, pn.Sequence):
            return compile_sequence(self, node)
        if isinstance(node, pn.InSegment):
            members = (
                sge.select(sge.column("profile_id"))
                .from_(MEMBERS)
                .where(sge.column("segment").eq(sql.literal(node.ref)))
            )
            return sge.In(
                this=sql.col("profile_id", PROFILE_ALIAS), query=sge.Subquery(this=members)
            )
        return sql.coalesce_false(self._condition(node))

    def _condition(self, node: pn.Node) -> sge.Expr:
        """A Boolean that may still be NULL where a missing value makes it so."""
        if isinstance(node, pn.Compare):
            return self._compare(node)
        if isinstance(node, pn.In):
            return self._in(node)
        if isinstance(node, pn.Truthy):
            return self._truthy(node.value)
        if isinstance(node, pn.Occurs):
            return self.windows.occurs(node)
        if isinstance(node, pn.Call):
            return compile_call(self, node)
        if isinstance(node, pn.Var | pn.Get | pn.If | pn.Let):
            return self.value(node)
        return self.predicate(node)

    def _compare(self, node: pn.Compare) -> sge.Expr:
        grouped = self.grouped.compare(node)
        if grouped is not None:
            return grouped
        left_many = pn.type_of(node.left).many
        right_many = pn.type_of(node.right).many
        left, right = self.value(node.left), self.value(node.right)
        if left_many and right_many:
            equal = sge.EQ(this=left, expression=right)
            return equal if node.op == "=" else sge.NEQ(this=left, expression=right)
        if left_many or right_many:
            items, scalar = (left, right) if left_many else (right, left)
            item = self.fresh("x")
            op = node.op if left_many else sql.MIRROR[node.op]
            test = sql.comparison(op, sql.ident(item), scalar)
            return self.any_item(items, item, test)
        return sql.comparison(node.op, left, right)

    def _in(self, node: pn.In) -> sge.Expr:
        constants = _constants(node.items)
        if constants and not pn.type_of(node.value).many:
            # ``x IN ('a', 'b')``: NULL when x is missing, which the caller makes false.
            among = sge.In(this=self.value(node.value), expressions=constants)
            return sql.not_(among) if node.negated else among
        items = self.value(node.items)
        if pn.type_of(node.value).many:
            element = self.fresh("x")
            found = sql.fn("list_contains", items, sql.ident(element))
            test = sql.not_(found) if node.negated else found
            return self.any_item(self.value(node.value), element, test)
        value = self.value(node.value)
        found = sql.fn("list_contains", items, value)
        present = sge.and_(sge.Not(this=sge.Is(this=value, expression=sql.NULL)),
                           sge.Not(this=sge.Is(this=items, expression=sql.NULL)))  # fmt: skip
        return sge.and_(present, sql.not_(found) if node.negated else found)

    def _truthy(self, value: pn.Node) -> sge.Expr:
        if over_events(value) and self.profile_free(value):
            var = self.fresh("_v")
            alias, query = self.event_query(value, var, None, correlated=False)
            return self.grouped.members_of(query.select(sql.col("profile_id", alias)))
        if over_events(value):
            return self._event_exists(value)
        return sql.not_(self.absent(self.value(value), pn.type_of(value)))

    def absent(self, value: sge.Expr, kind: Type) -> sge.Expr:
        """Whether a value is missing: NULL, an empty list or map, or an object none of whose
        fields is present (the store leaves such an object out; an item of a list stays)."""
        missing = sge.Is(this=value, expression=sql.NULL)
        if kind.many or kind.kind is Kind.MAP:
            size = sql.fn("len" if kind.many else "cardinality", value)
            return sql.or_(missing, sge.EQ(this=size, expression=sge.Literal.number(0)))
        schema = self.schemas.get(kind.scope)
        if kind.kind is not Kind.OBJECT or schema is None or kind.path.endswith("[]"):
            return missing
        children = _children(schema, kind.path)
        if children is None:
            return missing
        empty = [
            self.absent(sql.field(value, child.name), _node_type(child, kind))
            for child in children.values()
        ]
        return sql.or_(missing, sql.and_(*empty))

    def any_item(self, items: sge.Expr, item: str, test: sge.Expr) -> sge.Expr:
        """Whether some element of a list satisfies ``test`` (written over ``item``)."""
        kept = sql.fn("list_filter", items, sql.lam(item, sql.coalesce_false(test)))
        return sge.GT(this=sql.fn("len", kept), expression=sge.Literal.number(0))

    # Values -------------------------------------------------------------------------------

    def value(self, node: pn.Node) -> sge.Expr:
        if isinstance(node, pn.Literal):
            return sql.literal(node.value)
        if isinstance(node, pn.ListOf):
            constants = _constants(node)
            if constants is not None:
                return sge.Array(expressions=constants)
            items = sge.Array(expressions=[self.value(item) for item in node.items])
            kept = self.fresh("x")
            return sql.fn("list_filter", items, sql.lam(kept, _present(sql.ident(kept))))
        if isinstance(node, pn.TimeAnchor):
            return sql.literal(self.windows.anchor_value(node))
        if isinstance(node, pn.Var):
            binding = self.variable(node.name)
            if binding.row is not None:
                # An event as a value is its identity (``_id`` is unique): equal iff the same.
                return sql.col("_id", binding.row)
            return binding.expression
        if isinstance(node, pn.Get):
            return self._get(node)
        if isinstance(node, pn.Call):
            return compile_call(self, node)
        if isinstance(node, pn.Arith):
            return _arith(node.op, self.value(node.left), self.value(node.right))
        if isinstance(node, pn.Neg):
            return sge.Neg(this=sge.Paren(this=self.value(node.operand)))
        if isinstance(node, pn.If):
            return sge.If(
                this=self.predicate(node.condition),
                true=self.value(node.then),
                false=self.value(node.otherwise),
            )
        if isinstance(node, pn.Let):
            with self.bound(node.name, Binding(sge.Paren(this=self.value(node.value)))):
                return self.value(node.body)
        if isinstance(node, pn.Aggregate):
            return self._aggregate(node)
        if isinstance(node, pn.Filter):
            return self._filter_list(node)
        if isinstance(node, pn.TopN):
            return self._top(node)
        if pn.is_predicate(node):
            return self.predicate(node)
        raise PQLError(f"cannot compile {type(node).__name__} to SQL in this position")

    def _get(self, node: pn.Get) -> sge.Expr:
        target = node.target
        if isinstance(target, pn.Profile):
            return sql.col(node.field, PROFILE_ALIAS)
        if isinstance(target, pn.Var):
            binding = self.variable(target.name)
            if binding.row is not None:
                return sql.col(node.field, binding.row)
        if over_events(target):
            return self._event_list(node)
        base = self.value(target)
        if not pn.type_of(target).many:
            return sql.field(base, node.field)
        item = self.fresh("x")
        mapped = sql.fn(
            "list_transform", base, sql.lam(item, sql.field(sql.ident(item), node.field))
        )
        if self._is_array_field(target, node.field):
            mapped = sql.fn("flatten", mapped)
        kept = self.fresh("x")
        return sql.fn("list_filter", mapped, sql.lam(kept, _present(sql.ident(kept))))

    def _is_array_field(self, target: pn.Node, name: str) -> bool:
        parent = pn.type_of(target)
        schema = self.schemas.get(parent.scope)
        found = lookup_field(schema, parent, name) if schema else None
        return found is not None and found[1].endswith("[]")

    # Collections --------------------------------------------------------------------------

    def _aggregate(self, node: pn.Aggregate) -> sge.Expr:
        if over_events(node.source):
            return self._event_aggregate(node)
        items = self._list_source(node.source, node.var, node.condition)
        if node.function == "count":
            return sge.Coalesce(this=sql.fn("len", items), expressions=[sge.Literal.number(0)])
        assert node.value is not None, "only count has no value"
        item = self.fresh("x")
        with self.bound(node.var, Binding(sql.ident(item))):
            mapped = sql.fn("list_transform", items, sql.lam(item, self.value(node.value)))
        reduced = sql.fn(_LIST_AGGREGATES[node.function], mapped)
        if node.function == "sum":
            return sge.Coalesce(this=reduced, expressions=[sge.Literal.number(0)])
        return reduced

    def _list_source(self, source: pn.Node, var: str, condition: pn.Node | None) -> sge.Expr:
        items = self.value(source)
        if condition is None:
            return items
        item = self.fresh("x")
        with self.bound(var, Binding(sql.ident(item))):
            test = self.predicate(condition)
        return sql.fn("list_filter", items, sql.lam(item, test))

    def _filter_list(self, node: pn.Filter) -> sge.Expr:
        if over_events(node):
            raise PQLError(
                "a filtered xEvent can only be counted, aggregated, tested or projected",
                hint="use .count(), sum(...), exists, or a field of it",
            )
        return self._list_source(node.source, node.var, node.condition)

    def _top(self, node: pn.TopN) -> sge.Expr:
        items = self.value(node.source)
        item = self.fresh("x")
        with self.bound(node.var, Binding(sql.ident(item))):
            key = self.value(node.key)
        keyed = sql.fn("list_filter", items, sql.lam(item, _present(key)))
        position = self.fresh("i")
        rank = sql.ident(position)
        order = sge.Neg(this=rank) if node.largest else rank
        triple = sge.Struct(expressions=[
            sge.PropertyEQ(this=sge.to_identifier("k"), expression=key),
            sge.PropertyEQ(this=sge.to_identifier("i"), expression=order),
            sge.PropertyEQ(this=sge.to_identifier("v"), expression=sql.ident(item)),
        ])  # fmt: skip
        stable = sge.Lambda(
            this=triple, expressions=[sge.to_identifier(item), sge.to_identifier(position)]
        )
        pairs = sql.fn("list_transform", keyed, stable)  # ties keep their order, as a stable sort
        ordered = sql.fn("list_sort", pairs, sql.literal("DESC" if node.largest else "ASC"))
        first = sql.fn("list_slice", ordered, sge.Literal.number(1), sge.Literal.number(node.count))
        pair = self.fresh("x")
        return sql.fn("list_transform", first, sql.lam(pair, sql.field(sql.ident(pair), "v")))

    def _quantify(self, node: pn.Quantify) -> sge.Expr:
        if over_events(node.source):
            return self._event_quantify(node)
        items = self.value(node.source)
        item = self.fresh("x")
        with self.bound(node.var, Binding(sql.ident(item))):
            test = self.predicate(node.condition)
        if reads_events(node.condition):
            return self._unnest_quantify(node.kind, items, item, test)
        if node.kind == "exists":
            return self.any_item(items, item, test)
        failing = sql.fn("list_filter", items, sql.lam(item, sql.not_(test)))
        none_fail = sge.EQ(this=sql.fn("len", failing), expression=sge.Literal.number(0))
        return sge.Coalesce(this=none_fail, expressions=[sql.TRUE])

    def _unnest_quantify(self, kind: str, items: sge.Expr, item: str, test: sge.Expr) -> sge.Expr:
        """A quantifier over a list whose condition reads the events: DuckDB allows no subquery
        in a lambda, so the list becomes rows (``unnest``) of a correlated subquery."""
        rows = sge.Unnest(
            expressions=[items],
            alias=sge.TableAlias(
                this=sge.to_identifier(self.fresh("u")), columns=[sge.to_identifier(item)]
            ),
        )
        condition = test if kind == "exists" else sql.not_(test)
        found = sql.exists(sge.select(sge.Literal.number(1)).from_(rows).where(condition))
        return found if kind == "exists" else sge.Not(this=found)

    # Collections over xEvent: correlated subqueries on seg_events -------------------------

    def profile_free(self, node: pn.Node) -> bool:
        """Whether a collection over events can be computed for every profile at once: it is
        not inside another variable's scope and reads nothing of the profile row."""
        return not self._scope and not reads_profile_row(node)

    def independent(self, *parts: pn.Node) -> bool:
        """Whether plan parts can be computed for every profile at once: they are not inside
        another variable's scope and read nothing of the profile row."""
        return not self._scope and not any(mentions_profile(part) for part in parts)

    def reduce(self, node: pn.Aggregate, alias: str, only: sge.Expr | None = None) -> sge.Expr:
        """The SQL aggregate of ``node`` over rows of ``alias`` (sum of nothing is 0), over the
        rows satisfying ``only`` if given."""
        reduced: sge.Expr
        if node.function == "count":
            reduced = sge.Count(this=sge.Star())
        else:
            assert node.value is not None, "only count has no value"
            with self.bound(node.var, row(alias)):
                value = self.value(node.value)
            function = {"sum": sge.Sum, "average": sge.Avg, "min": sge.Min, "max": sge.Max}[
                node.function
            ]
            reduced = function(this=value)
        if only is not None and only != sql.TRUE:
            reduced = sge.Filter(this=reduced, expression=sge.Where(this=only))
        if node.function == "sum":
            reduced = sge.Coalesce(this=reduced, expressions=[sge.Literal.number(0)])
        return reduced

    def event_query(
        self, source: pn.Node, var: str, condition: pn.Node | None, *, correlated: bool = True
    ) -> tuple[str, sge.Select]:
        """``FROM seg_events <alias>`` (joined to the profile row when ``correlated``), with every
        filter of ``source`` and ``condition`` applied; all their variables name the same row."""
        alias = self.fresh("e")
        query = sge.select().from_(sge.to_table(EVENTS).as_(alias))
        if correlated:
            query = query.where(
                sql.col("profile_id", alias).eq(sql.col("profile_id", PROFILE_ALIAS))
            )
        for test in self.event_filters(alias, source, var, condition):
            query = query.where(test)
        return alias, query

    def event_filters(
        self, alias: str, source: pn.Node, var: str, condition: pn.Node | None
    ) -> list[sge.Expr]:
        """Every filter of ``source`` and ``condition`` over the events row ``alias``."""
        tests = [(var, condition)] if condition is not None else []
        while isinstance(source, pn.Filter):
            tests.append((source.var, source.condition))
            source = source.source
        found = []
        for name, test in tests:
            with self.bound(name, row(alias)):
                found.append(sql.filter_form(self.predicate(test)))
        return found

    def _event_aggregate(self, node: pn.Aggregate) -> sge.Expr:
        alias, query = self.event_query(node.source, node.var, node.condition)
        return sql.subquery(query.select(self.reduce(node, alias)))

    def _event_quantify(self, node: pn.Quantify) -> sge.Expr:
        if node.kind == "exists":
            _, query = self.event_query(node.source, node.var, node.condition)
            return sql.exists(query.select(sge.Literal.number(1)))
        alias, query = self.event_query(node.source, node.var, None)
        with self.bound(node.var, row(alias)):
            failing = query.where(sql.not_(self.predicate(node.condition)))
        return sge.Not(this=sql.exists(failing.select(sge.Literal.number(1))))

    def _event_exists(self, source: pn.Node) -> sge.Expr:
        var = self.fresh("_v")
        _, query = self.event_query(source, var, None)
        return sql.exists(query.select(sge.Literal.number(1)))

    def _event_list(self, node: pn.Get) -> sge.Expr:
        """A field projected through the profile's events: the list of present values."""
        var = self.fresh("_v")
        alias, query = self.event_query(node.target, var, None)
        with self.bound(var, row(alias)):
            value = self.value(
                pn.Get(pn.Var(var, pn.type_of(node.target).item()), node.field, node.type)
            )
        listed: sge.Expr = sge.ArrayAgg(this=value)
        if self._is_array_field(node.target, node.field):
            listed = sql.fn("flatten", listed)
        gathered = sql.subquery(query.where(_present(value)).select(listed))
        return sge.Coalesce(this=gathered, expressions=[sge.Array(expressions=[])])


_LIST_AGGREGATES = {"sum": "list_sum", "average": "list_avg", "min": "list_min", "max": "list_max"}


def _constants(node: pn.Node) -> list[sge.Expr] | None:
    """The items of a list of present literals (nothing to leave out), else None."""
    if not isinstance(node, pn.ListOf) or not all(
        isinstance(item, pn.Literal) and item.value is not None for item in node.items
    ):
        return None
    return [sql.literal(item.value) for item in node.items if isinstance(item, pn.Literal)]


def _arith(op: str, left: sge.Expr, right: sge.Expr) -> sge.Expr:
    """Missing propagates (SQL NULL); division and modulo by zero give missing."""
    if op in ("/", "%"):
        divisor = sge.Nullif(this=right, expression=sge.Literal.number(0))
        if op == "/":
            return sge.Div(this=sge.cast(left, "DOUBLE"), expression=divisor)
        return sge.Mod(this=left, expression=divisor)
    classes: dict[str, type[sge.Binary]] = {"+": sge.Add, "-": sge.Sub, "*": sge.Mul}
    return sge.Paren(this=classes[op](this=left, expression=right))


def _present(value: sge.Expr) -> sge.Expr:
    return sge.Not(this=sge.Is(this=value, expression=sql.NULL))


def _children(schema: Schema, path: str) -> dict[str, SchemaNode] | None:
    """The schema nodes directly under an object path (``a.b``), or None if it is unknown."""
    level = schema.tree()
    node: SchemaNode | None = None
    for name in path.split("."):
        node = level.get(name.removesuffix("[]"))
        if node is None:
            return None
        level = node.children
    return None if node is None or node.leaf is not None else node.children


def _node_type(node: SchemaNode, parent: Type) -> Type:
    """The static type of a schema node under an object of type ``parent``."""
    path = f"{parent.path}.{node.name}" + ("[]" if node.is_array else "")
    if node.leaf is not None:
        return Type(Kind(node.leaf.value), node.is_array)
    return Type(Kind.OBJECT, node.is_array, parent.scope, path)
