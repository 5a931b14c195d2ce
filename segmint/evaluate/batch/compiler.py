"""The batch compiler: a logical plan becomes one sqlglot query over a job's relations.

Relations (set up by ``sources``): ``seg_profiles`` (``profile_id`` and the merged profile's
top-level columns), ``seg_events`` (``profile_id`` and the events with ``timestamp <= as_of``)
and ``seg_members`` (``segment``, ``profile_id``: who is realized in which segment).

Values compile to SQL expressions that may be NULL (missing); predicates compile to expressions
that are never NULL (two-valued logic, DESIGN.md section 4). Aggregates and quantifiers over
``xEvent`` become correlated subqueries on ``seg_events``, which DuckDB decorrelates into one
grouped pass; item arrays use DuckDB's list functions with lambdas. Anything that depends only
on ``as_of`` (now, today, periods, ``date(...)``) is folded to a literal here, with the shared
semantics, so every evaluator computes the same instants.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import sqlglot.expressions as sge

from segmint.errors import PQLError
from segmint.evaluate.batch import sql
from segmint.evaluate.batch.builtins import compile_call
from segmint.evaluate.batch.context import EVENTS, MEMBERS, PROFILE_ALIAS, PROFILES, Binding, row
from segmint.evaluate.batch.sequence import compile_sequence
from segmint.evaluate.batch.windows import WindowCompiler
from segmint.plan import nodes as pn
from segmint.plan import semantics
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

    # Entry point --------------------------------------------------------------------------

    def segment_query(self, plan: pn.Plan) -> sge.Select:
        """``SELECT profile_id FROM seg_profiles p WHERE <definition>``."""
        condition = self.predicate(plan.root)
        return (
            sge.select(sql.col("profile_id", PROFILE_ALIAS))
            .from_(sge.to_table(PROFILES).as_(PROFILE_ALIAS))
            .where(sql.filter_form(condition))
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

    # Predicates ---------------------------------------------------------------------------

    def predicate(self, node: pn.Node) -> sge.Expr:
        """SQL that is TRUE or FALSE, never NULL."""
        if isinstance(node, pn.And):
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
        grouped = self._grouped_compare(node)
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
            op = node.op if left_many else _MIRROR[node.op]
            test = _comparison(op, sql.ident(item), scalar)
            return self.any_item(items, item, test)
        return _comparison(node.op, left, right)

    def _in(self, node: pn.In) -> sge.Expr:
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
        if _over_events(value) and self._profile_free(value):
            var = self.fresh("_v")
            alias, query = self._event_query(value, var, None, correlated=False)
            return self._members_of(query.select(sql.col("profile_id", alias)))
        if _over_events(value):
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
        if _over_events(target):
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
        if _over_events(node.source):
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
        if _over_events(node):
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
        if _over_events(node.source):
            return self._event_quantify(node)
        items = self.value(node.source)
        item = self.fresh("x")
        with self.bound(node.var, Binding(sql.ident(item))):
            test = self.predicate(node.condition)
        if _reads_events(node.condition):
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

    def _profile_free(self, node: pn.Node) -> bool:
        """Whether a collection over events can be computed for every profile at once: it is
        not inside another variable's scope and reads nothing of the profile row."""
        return not self._scope and not _reads_profile_row(node)

    def _members_of(self, query: sge.Select, negated: bool = False) -> sge.Expr:
        """``p.profile_id [NOT] IN (query)``: a semi-join on one grouped pass over the events."""
        found = sge.In(this=sql.col("profile_id", PROFILE_ALIAS), query=sge.Subquery(this=query))
        return sge.Not(this=found) if negated else found

    def _grouped_compare(self, node: pn.Compare) -> sge.Expr | None:
        """``xEvent[...].count() >= 3``, ``sum ... > 200`` and the like as a GROUP BY ... HAVING
        over the matching events, instead of a subquery per profile. Profiles with no matching
        event get the aggregate of nothing (0 for count and sum, missing otherwise): they
        qualify exactly when that value satisfies the comparison."""
        for aggregate, other, op in ((node.left, node.right, node.op),
                                     (node.right, node.left, _MIRROR[node.op])):  # fmt: skip
            if not (
                isinstance(aggregate, pn.Aggregate)
                and _over_events(aggregate.source)
                and isinstance(other, pn.Literal)
                and isinstance(other.value, int | float)
                and not isinstance(other.value, bool)
                and self._profile_free(aggregate)
            ):
                continue
            alias, query = self._event_query(
                aggregate.source, aggregate.var, aggregate.condition, correlated=False
            )
            reduced = self._reduce(aggregate, alias)
            test = _comparison(op, reduced, sql.literal(other.value))
            empty = 0 if aggregate.function in ("count", "sum") else None
            grouped = query.select(sql.col("profile_id", alias)).group_by(
                sql.col("profile_id", alias)
            )
            if semantics.compare(op, empty, other.value):
                return self._members_of(grouped.having(sql.not_(sql.coalesce_false(test))), True)
            return self._members_of(grouped.having(test))
        return None

    def _reduce(self, node: pn.Aggregate, alias: str) -> sge.Expr:
        """The SQL aggregate of ``node`` over rows of ``alias`` (sum of nothing is 0)."""
        if node.function == "count":
            return sge.Count(this=sge.Star())
        assert node.value is not None, "only count has no value"
        with self.bound(node.var, row(alias)):
            value = self.value(node.value)
        function = {"sum": sge.Sum, "average": sge.Avg, "min": sge.Min, "max": sge.Max}[
            node.function
        ]
        reduced: sge.Expr = function(this=value)
        if node.function == "sum":
            reduced = sge.Coalesce(this=reduced, expressions=[sge.Literal.number(0)])
        return reduced

    def _event_query(
        self, source: pn.Node, var: str, condition: pn.Node | None, *, correlated: bool = True
    ) -> tuple[str, sge.Select]:
        """``FROM seg_events <alias>`` (joined to the profile row when ``correlated``), with every
        filter of ``source`` and ``condition`` applied; all their variables name the same row."""
        alias = self.fresh("e")
        event_row = row(alias)
        query = sge.select().from_(sge.to_table(EVENTS).as_(alias))
        if correlated:
            query = query.where(
                sql.col("profile_id", alias).eq(sql.col("profile_id", PROFILE_ALIAS))
            )
        tests = [(var, condition)] if condition is not None else []
        while isinstance(source, pn.Filter):
            tests.append((source.var, source.condition))
            source = source.source
        for name, test in tests:
            with self.bound(name, event_row):
                query = query.where(sql.filter_form(self.predicate(test)))
        return alias, query

    def _event_aggregate(self, node: pn.Aggregate) -> sge.Expr:
        alias, query = self._event_query(node.source, node.var, node.condition)
        return sql.subquery(query.select(self._reduce(node, alias)))

    def _event_quantify(self, node: pn.Quantify) -> sge.Expr:
        if node.kind == "exists":
            _, query = self._event_query(node.source, node.var, node.condition)
            return sql.exists(query.select(sge.Literal.number(1)))
        alias, query = self._event_query(node.source, node.var, None)
        with self.bound(node.var, row(alias)):
            failing = query.where(sql.not_(self.predicate(node.condition)))
        return sge.Not(this=sql.exists(failing.select(sge.Literal.number(1))))

    def _event_exists(self, source: pn.Node) -> sge.Expr:
        var = self.fresh("_v")
        _, query = self._event_query(source, var, None)
        return sql.exists(query.select(sge.Literal.number(1)))

    def _event_list(self, node: pn.Get) -> sge.Expr:
        """A field projected through the profile's events: the list of present values."""
        var = self.fresh("_v")
        alias, query = self._event_query(node.target, var, None)
        with self.bound(var, row(alias)):
            value = self.value(
                pn.Get(pn.Var(var, pn.type_of(node.target).item()), node.field, node.type)
            )
        listed: sge.Expr = sge.ArrayAgg(this=value)
        if self._is_array_field(node.target, node.field):
            listed = sql.fn("flatten", listed)
        gathered = sql.subquery(query.where(_present(value)).select(listed))
        return sge.Coalesce(this=gathered, expressions=[sge.Array(expressions=[])])


_MIRROR = {"=": "=", "!=": "!=", "<": ">", ">": "<", "<=": ">=", ">=": "<="}
_LIST_AGGREGATES = {"sum": "list_sum", "average": "list_avg", "min": "list_min", "max": "list_max"}


def _comparison(op: str, left: sge.Expr, right: sge.Expr) -> sge.Expr:
    classes: dict[str, type[sge.Binary]] = {
        "=": sge.EQ, "!=": sge.NEQ, "<": sge.LT, ">": sge.GT, "<=": sge.LTE, ">=": sge.GTE,
    }  # fmt: skip
    return classes[op](this=left, expression=right)


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


def _reads_events(node: pn.Node) -> bool:
    """Whether a plan subtree reads the profile's events (compiles to a subquery)."""
    if isinstance(node, pn.Events):
        return True
    return any(_reads_events(child) for child in _children_of(node))


def _children_of(node: pn.Node) -> Iterator[pn.Node]:
    for field in dataclasses.fields(node):  # every plan node is a dataclass
        value = getattr(node, field.name)
        for child in value if isinstance(value, tuple) else (value,):
            if isinstance(child, pn.Node):
                yield child


def _reads_profile_row(collection: pn.Node) -> bool:
    """Whether a collection over xEvent refers to the profile row beyond its own events: the
    profile's attributes, its memberships, or its events again (a nested collection)."""
    parts: list[pn.Node] = list(_filter_conditions(collection))
    if isinstance(collection, pn.Aggregate | pn.Quantify):
        parts += _filter_conditions(collection.source)
        parts += [
            part for part in (collection.condition, getattr(collection, "value", None)) if part
        ]
    return any(_mentions_profile(part) for part in parts)


def _mentions_profile(node: pn.Node) -> bool:
    if isinstance(node, pn.Profile | pn.InSegment | pn.Events):
        return True
    return any(_mentions_profile(child) for child in _children_of(node))


def _filter_conditions(source: pn.Node) -> list[pn.Node]:
    found = []
    while isinstance(source, pn.Filter):
        found.append(source.condition)
        source = source.source
    return found


def _over_events(node: pn.Node) -> bool:
    """Whether a collection is the profile's events (possibly filtered)."""
    while isinstance(node, pn.Filter):
        node = node.source
    return isinstance(node, pn.Events)
