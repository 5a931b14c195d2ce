"""Binding of functions, methods and the constructs that range over a list: filters, select,
exists/forall, aggregations and topN. Each becomes one core node, and several bindings nest."""

from __future__ import annotations

from abc import ABC, abstractmethod

from segmint.errors import PQLError
from segmint.plan import types as t
from segmint.plan.functions import BUILTINS
from segmint.plan.nodes import (
    Aggregate,
    Arith,
    Call,
    Filter,
    Literal,
    Node,
    Quantify,
    TopN,
    Var,
    conjunction,
)
from segmint.plan.nodes import type_of as _type_of
from segmint.plan.regex import regex_problem
from segmint.plan.scope import Scope
from segmint.plan.types import NUMERIC, TEMPORAL, Kind
from segmint.pql import ast

_ACCEPTS: dict[str, frozenset[Kind]] = {
    "string": frozenset({Kind.STRING}),
    "regex": frozenset({Kind.STRING}),
    "integer": frozenset({Kind.INTEGER}),
    "time": TEMPORAL,
    "map": frozenset({Kind.MAP}),
    "any": frozenset(Kind),
}
_WILDCARDS = (Kind.NULL, Kind.ANY)
_REGEX_HINT = (
    "Segmint accepts the regex subset that Python, DuckDB and Spark read alike: classes, "
    "groups, quantifiers, alternation, ^ $ \\b, \\d \\w \\s and the flags (?i) (?m) (?s)"
)


class CallBinder(ABC):
    """The part of the binder for calls and list constructs (see ``segmint.plan.bind``)."""

    @abstractmethod
    def value(self, expr: ast.Expr, scope: Scope) -> Node: ...

    @abstractmethod
    def condition(self, expr: ast.Expr, scope: Scope) -> Node: ...

    @abstractmethod
    def error(self, message: str, at: ast.Node, hint: str | None = None) -> PQLError: ...

    @abstractmethod
    def computed_only(self, what: str, at: ast.Node) -> PQLError: ...

    @abstractmethod
    def in_segment(self, call: ast.Call) -> Node: ...

    def call(self, expr: ast.Expr, scope: Scope) -> Node:
        assert isinstance(expr, ast.Call)
        name = expr.name
        if name in ("groupBy", "map", "mapEntry"):
            raise self.computed_only(f'"{name}"', expr)
        if name == "inSegment":
            return self.in_segment(expr)
        if name in ("count", *ast.AGGREGATES):
            return self._method_aggregate(expr, scope)
        if name in ("filter", "exists"):
            assert expr.target is not None
            return self._filtered(expr.target, expr.args[0], expr, scope, name)
        if name in ("topN", "bottomN"):
            return self._top(expr, scope)
        args = expr.args if expr.target is None else (expr.target, *expr.args)
        return self.builtin(name, args, expr, scope)

    # Built-in functions -------------------------------------------------------------------------

    def builtin(self, name: str, written: tuple[ast.Expr, ...], at: ast.Expr, scope: Scope) -> Node:
        spec = BUILTINS[name]
        args = list(written)
        classes = list(spec.params)
        tail: list[Node] = []
        if classes and classes[-1] == "flag":
            tail.append(self._case_flag(args, spec.variadic, at))
            classes = ["string"] * len(args)
        elif name == "datetime":
            tail = [Literal(0, t.INTEGER)] * (6 - len(args))
            classes = classes[: len(args)]
        nodes: list[Node] = []
        for position, (kind, arg) in enumerate(zip(classes, args, strict=True)):
            if kind == "regex":
                self._check_regex(arg, name)
            node = self.value(arg, scope)
            self._check_arg(name, kind, position, node, arg)
            nodes.append(node)
        result = spec.result(tuple(_type_of(node) for node in nodes))
        if spec.each and not spec.predicate and _type_of(nodes[0]).many:
            result = result.listed()
        return Call(name, (*nodes, *tail), result)

    def _case_flag(self, args: list[ast.Expr], variadic: bool, at: ast.Expr) -> Node:
        """The trailing case-sensitivity flag of a string method (true when left out)."""
        last = args[-1]
        if len(args) > 2 and isinstance(last, ast.Boolean):
            args.pop()
            return Literal(last.value, t.BOOLEAN)
        if len(args) > 2 and not variadic:
            raise self.error(
                "the case-sensitivity flag must be true or false", last,
                'write x.startsWith("a", false) to ignore case',
            )  # fmt: skip
        return Literal(True, t.BOOLEAN)

    def _check_regex(self, arg: ast.Expr, name: str) -> None:
        if not isinstance(arg, ast.String):
            raise self.error(
                f"the regex of {name} must be a quoted string, so it can be checked",
                arg,
                'write x.matches("^[A-Z]")',
            )
        problem = regex_problem(arg.value)
        if problem is not None:
            raise self.error(f"unsupported regex: {problem}", arg, _REGEX_HINT)

    def _check_arg(self, name: str, kind: str, position: int, node: Node, at: ast.Expr) -> None:
        found = _type_of(node)
        if found.kind in _WILDCARDS:
            return
        if kind == "list":
            if not found.many:
                raise self.error(f'"{name}" needs a list here, got {found.describe()}', at)
            return
        if found.many and kind != "any" and not (position == 0 and BUILTINS[name].each):
            raise self.error(f'"{name}" needs a single {kind} here, got {found.describe()}', at)
        if found.kind not in _ACCEPTS[kind]:
            what = "date or timestamp" if kind == "time" else kind
            raise self.error(f'"{name}" needs a {what} here, got {found.describe()}', at)

    # Lists --------------------------------------------------------------------------------------

    def _list(self, expr: ast.Expr, scope: Scope, what: str) -> Node:
        node = self.value(expr, scope)
        found = _type_of(node)
        if not found.many and found.kind not in _WILDCARDS:
            raise self.error(
                f"{what} needs a list, got {found.describe()}",
                expr,
                "apply it to an array field, xEvent, or a filter such as xEvent[...]",
            )
        return node

    def _item_scope(self, source: Node, var: str, scope: Scope, relative: bool) -> Scope:
        """The scope inside a construct over ``source``'s items; with ``relative`` bare names
        are fields of the item (filters, method arguments)."""
        item = Var(var, _type_of(source).item())
        inner = scope.with_name(var, item)
        return inner.with_subject(item) if relative else inner

    def _lambda(self, arg: ast.Expr) -> tuple[str | None, ast.Expr]:
        if not isinstance(arg, ast.Lambda):
            return None, arg
        if len(arg.params) != 1:
            raise self.error(
                f"this lambda takes {len(arg.params)} parameters; a method passes one, the item",
                arg,
                "write (X) => X.field",
            )
        return arg.params[0], arg.body

    def bracket_filter(self, expr: ast.Expr, scope: Scope) -> Node:
        assert isinstance(expr, ast.Filter)
        return self._filtered(expr.target, expr.condition, expr, scope, "filter")

    def _filtered(
        self, target: ast.Expr, arg: ast.Expr, at: ast.Expr, scope: Scope, kind: str
    ) -> Node:
        source = self._list(target, scope, "a filter" if kind == "filter" else '"exists"')
        param, body = self._lambda(arg)
        var = param or scope.fresh()
        condition = self.condition(body, self._item_scope(source, var, scope, True))
        if kind == "filter":
            return Filter(source, var, condition)
        return Quantify("exists", source, var, condition)

    def _binding(self, binding: ast.Binding, scope: Scope) -> tuple[Node, Scope, Node | None]:
        source = self._list(binding.source, scope, f'"{binding.name} from ..."')
        inner = self._item_scope(source, binding.name, scope, False)
        condition = binding.condition
        return source, inner, None if condition is None else self.condition(condition, inner)

    def select(self, expr: ast.Expr, scope: Scope) -> Node:
        assert isinstance(expr, ast.Select)
        if len(expr.bindings) > 1:
            raise self.error(
                "a select over several variables can only be used as a condition or counted",
                expr,
                "write it as the condition itself, or (select ...).count() > N",
            )
        binding = expr.bindings[0]
        source, _, condition = self._binding(binding, scope)
        return Filter(source, binding.name, condition or Literal(True, t.BOOLEAN))

    def quantifier(self, expr: ast.Expr, scope: Scope) -> Node:
        assert isinstance(expr, ast.Quantifier)
        return self.nested_quantifier(expr.kind, expr.bindings, scope)

    def nested_quantifier(self, kind: str, bindings: tuple[ast.Binding, ...], scope: Scope) -> Node:
        """``exists X from A where c, Y from B where d`` is ``exists X from A where c and
        (exists Y from B where d)``; likewise ``forall``."""
        first = bindings[0]
        source, inner, condition = self._binding(first, scope)
        parts = [] if condition is None else [condition]
        if len(bindings) > 1:
            parts.append(self.nested_quantifier(kind, bindings[1:], inner))
        return Quantify(kind, source, first.name, conjunction(parts))

    # Aggregations -------------------------------------------------------------------------------

    def long_aggregate(self, expr: ast.Expr, scope: Scope) -> Node:
        assert isinstance(expr, ast.Aggregate)
        return self.nested_aggregate(expr.function, expr.value, expr.bindings, scope, expr)

    def nested_aggregate(
        self,
        function: str,
        value: ast.Expr | None,
        bindings: tuple[ast.Binding, ...],
        scope: Scope,
        at: ast.Expr,
        present: bool = False,
    ) -> Node:
        """An aggregation over several bindings, nested: a count is a sum of counts, a sum a sum
        of sums, a min a min of mins; an average is such a sum over such a count of the tuples
        whose value is present."""
        if function == "average" and len(bindings) > 1:
            total = self.nested_aggregate("sum", value, bindings, scope, at)
            count = self.nested_aggregate("count", value, bindings, scope, at, present=True)
            return Arith("/", total, count)
        first = bindings[0]
        source, inner, condition = self._binding(first, scope)
        if len(bindings) > 1:
            nested = self.nested_aggregate(function, value, bindings[1:], inner, at, present)
            outer = "sum" if function == "count" else function
            return Aggregate(outer, source, first.name, condition, nested)
        if function == "count" and not present:
            return Aggregate("count", source, first.name, condition, None)
        item: Node = Var(first.name, _type_of(source).item())
        amount = item if value is None else self.value(value, inner)
        self._check_amount(function, amount, value or at)
        if function == "count":
            test = Call("isNotNull", (amount,), t.BOOLEAN)
            parts: list[Node] = [test] if condition is None else [condition, test]
            return Aggregate("count", source, first.name, conjunction(parts), None)
        return Aggregate(function, source, first.name, condition, amount)

    def _check_amount(self, function: str, amount: Node, at: ast.Expr) -> None:
        found = _type_of(amount)
        if found.kind not in (*NUMERIC, *_WILDCARDS):
            raise self.error(
                f"{function} needs numbers, got {found.describe()}",
                at,
                f"write {function} VALUE over X from ARRAY, or ARRAY.{function}(NUMBER_FIELD)",
            )

    def _method_aggregate(self, call: ast.Call, scope: Scope) -> Node:
        function, target = call.name, call.target
        assert target is not None
        arg = call.args[0] if call.args else None
        if isinstance(target, ast.Select) and len(target.bindings) > 1:
            if function != "count":
                raise self.error(
                    f"{function} over several variables has its own form",
                    call,
                    f"write {function} VALUE over X from A, Y from B",
                )
            return self.nested_aggregate("count", None, target.bindings, scope, call)
        node = self._list(target, scope, f'"{function}"')
        param, body = (None, None) if arg is None else self._lambda(arg)
        if isinstance(node, Filter):
            source, var = node.source, node.var
            condition = None if node.condition == Literal(True, t.BOOLEAN) else node.condition
        else:
            source, var, condition = node, param or scope.fresh(), None
        inner = self._item_scope(source, var, scope, True)
        if param is not None and param != var:
            inner = inner.with_name(param, Var(var, _type_of(source).item()))
        if function == "count":
            return Aggregate("count", source, var, condition, None)
        amount = Var(var, _type_of(source).item()) if body is None else self.value(body, inner)
        self._check_amount(function, amount, body or call)
        return Aggregate(function, source, var, condition, amount)

    def _top(self, call: ast.Call, scope: Scope) -> Node:
        assert call.target is not None
        key_arg, count = call.args
        if not isinstance(count, ast.Number) or not isinstance(count.value, int) or count.value < 0:
            raise self.error(f"{call.name} needs a whole number of items", count)
        source = self._list(call.target, scope, f'"{call.name}"')
        param, body = self._lambda(key_arg)
        var = param or scope.fresh()
        key = self.value(body, self._item_scope(source, var, scope, True))
        found = _type_of(key)
        if found.many or found.kind in (Kind.OBJECT, Kind.MAP, Kind.BOOLEAN):
            raise self.error(
                f"{call.name} sorts by a number, string or date, got {found.describe()}", body
            )
        return TopN(source, var, key, count.value, call.name == "topN")
