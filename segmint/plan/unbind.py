"""The plan back to a PQL syntax tree: ``to_pql(to_ast(plan))`` is the canonical text of a
definition, and binding it again gives an equal plan.

Canonical means explicit: every filter, quantifier and aggregation prints with its variable
(``select _1 from xEvent where ...``, ``sum X.v over X from xEvent``), a profile field prints
bare unless a variable or chain step would capture the name (then ``$1.name``), and windows print
as the ``occurs`` tail they came from.
"""

from __future__ import annotations

from dataclasses import dataclass

from segmint.plan import windows
from segmint.plan.functions import BUILTINS
from segmint.plan.nodes import (
    Aggregate,
    And,
    Arith,
    Call,
    Compare,
    Events,
    Filter,
    Get,
    If,
    In,
    InSegment,
    Let,
    ListOf,
    Literal,
    Neg,
    Node,
    Not,
    Occurs,
    Or,
    Period,
    Plan,
    Profile,
    Quantify,
    Sequence,
    Step,
    TimeAnchor,
    TopN,
    Truthy,
    Var,
    Window,
)
from segmint.pql import ast

_OPERATOR_CALLS = ("like", "matches")


@dataclass(frozen=True, slots=True)
class _Context:
    """What a bare name would mean here: the variables in scope and the chain step whose event
    is the implicit subject (None: the profile)."""

    names: frozenset[str] = frozenset()
    subject: str | None = None
    labels: frozenset[str] = frozenset()
    time_field: str = ""

    def binding(self, name: str) -> _Context:
        return _Context(self.names | {name}, self.subject, self.labels, self.time_field)


def to_ast(plan: Plan | Node) -> ast.Expr:
    """The syntax tree of a plan or of any node of one."""
    return _expr(plan.root if isinstance(plan, Plan) else plan, _Context())


def _expr(node: Node, ctx: _Context) -> ast.Expr:
    if isinstance(node, Literal):
        return _literal(node)
    if isinstance(node, ListOf):
        return ast.Array(tuple(_expr(item, ctx) for item in node.items))
    if isinstance(node, TimeAnchor):
        return ast.TimeWord(node.kind)
    if isinstance(node, Profile):
        return ast.Param(1)
    if isinstance(node, Events):
        return ast.Name("xEvent")
    if isinstance(node, Var):
        return ast.Name(node.name)
    if isinstance(node, Get):
        return _get(node, ctx)
    if isinstance(node, Call):
        return _call(node, ctx)
    if isinstance(node, Arith):
        return ast.Binary(node.op, _expr(node.left, ctx), _expr(node.right, ctx))
    if isinstance(node, Neg):
        return ast.Unary("-", _expr(node.operand, ctx))
    if isinstance(node, If):
        parts = (node.condition, node.then, node.otherwise)
        return ast.If(*(_expr(part, ctx) for part in parts))
    if isinstance(node, Let):
        body = _expr(node.body, ctx.binding(node.name))
        return ast.Let(node.name, _expr(node.value, ctx), body)
    return _predicate(node, ctx)


def _predicate(node: Node, ctx: _Context) -> ast.Expr:
    if isinstance(node, Compare):
        return ast.Binary(node.op, _expr(node.left, ctx), _expr(node.right, ctx))
    if isinstance(node, In):
        op = "notIn" if node.negated else "in"
        return ast.Binary(op, _expr(node.value, ctx), _expr(node.items, ctx))
    if isinstance(node, And | Or):
        op = "and" if isinstance(node, And) else "or"
        result = _expr(node.items[0], ctx)
        for item in node.items[1:]:
            result = ast.Binary(op, result, _expr(item, ctx))
        return result
    if isinstance(node, Not):
        return ast.Unary("not", _expr(node.item, ctx))
    if isinstance(node, Truthy):
        return _expr(node.value, ctx)
    if isinstance(node, Occurs):
        return ast.Occurs(_expr(node.subject, ctx), _tail(node.window, ctx))
    if isinstance(node, InSegment):
        return ast.Call("inSegment", None, (ast.String(node.ref),))
    return _collection(node, ctx)


def _collection(node: Node, ctx: _Context) -> ast.Expr:
    if isinstance(node, Filter):
        return ast.Select((_binding(node.var, node.source, node.condition, ctx),))
    if isinstance(node, Quantify):
        binding = _binding(node.var, node.source, node.condition, ctx)
        return ast.Quantifier(node.kind, (binding,))
    if isinstance(node, Aggregate):
        binding = _binding(node.var, node.source, node.condition, ctx)
        if node.value is None:
            return ast.Call("count", ast.Select((binding,)), ())
        value = _expr(node.value, ctx.binding(node.var))
        return ast.Aggregate(node.function, value, (binding,))
    if isinstance(node, TopN):
        key = ast.Lambda((node.var,), _expr(node.key, ctx.binding(node.var)))
        name = "topN" if node.largest else "bottomN"
        return ast.Call(name, _expr(node.source, ctx), (key, ast.Number(node.count)))
    if isinstance(node, Sequence):
        return _chain(node, ctx)
    raise TypeError(f"not a plan node: {node!r}")


def _literal(node: Literal) -> ast.Expr:
    value = node.value
    if value is None:
        return ast.Null()
    if isinstance(value, bool):
        return ast.Boolean(value)
    if isinstance(value, str):
        return ast.String(value)
    return ast.Number(value)


def _get(node: Get, ctx: _Context) -> ast.Expr:
    """A field; of the implicit subject it prints bare when binding the bare name finds it."""
    target = node.target
    if ctx.subject is None:
        implicit = isinstance(target, Profile)
    else:
        implicit = isinstance(target, Var) and target.name == ctx.subject
    if implicit and node.field not in ctx.names and node.field != "xEvent":
        return ast.Name(node.field)
    return ast.Field(_expr(target, ctx), node.field)


def _call(node: Call, ctx: _Context) -> ast.Expr:
    args = [_expr(arg, ctx) for arg in node.args]
    if node.function in _OPERATOR_CALLS:
        return ast.Binary(node.function, args[0], args[1])
    spec = BUILTINS[node.function]
    if spec.params and spec.params[-1] == "flag":
        flag = node.args[-1]
        if isinstance(flag, Literal) and flag.value is True:
            args.pop()
    if node.function == "datetime":
        while len(args) > 3 and args[-1] == ast.Number(0):
            args.pop()
    if not spec.method:
        return ast.Call(node.function, None, tuple(args))
    return ast.Call(node.function, args[0], tuple(args[1:]))


def _binding(var: str, source: Node, condition: Node | None, ctx: _Context) -> ast.Binding:
    inner = ctx.binding(var)
    written = None if condition is None else _expr(condition, inner)
    return ast.Binding(var, _expr(source, ctx), written)


def _tail(window: Window, ctx: _Context) -> ast.OccursTail:
    found = windows.shape(window)
    refs = [_ref(anchor, ctx) for anchor in found.anchors]
    if found.form == "distance":
        direction = "after" if found.after else "before"
        return ast.Distance(found.op, found.amount, found.unit, direction, refs[0])
    if found.form == "relation":
        return ast.Relation("after" if found.after else "before", refs[0])
    if found.form == "on":
        return ast.On(refs[0])
    return ast.Between(refs[0], refs[1])


def _ref(anchor: Node, ctx: _Context) -> ast.TimeRef:
    if isinstance(anchor, Period):
        return ast.Period(anchor.which, anchor.unit)
    if (
        isinstance(anchor, Get)
        and isinstance(anchor.target, Var)
        and anchor.target.name in ctx.labels
        and anchor.field == ctx.time_field
    ):
        return ast.Name(anchor.target.name)
    return _expr(anchor, ctx)


def _chain(node: Sequence, ctx: _Context) -> ast.Expr:
    steps: list[ast.ChainStep] = []
    outer = _Context(ctx.names, ctx.subject, ctx.labels, node.time_field)
    for step in node.steps:
        steps.append(_step(step, outer))
        outer = _Context(
            outer.names | {step.label}, ctx.subject, outer.labels | {step.label}, node.time_field
        )
    return ast.Chain(_expr(node.source, ctx), node.time_field, tuple(steps))


def _step(step: Step, outer: _Context) -> ast.ChainStep:
    inner = _Context(outer.names | {step.label}, step.label, outer.labels, outer.time_field)
    what = _expr(step.condition, inner)
    when = None if step.window is None else _tail(step.window, outer)
    return ast.ChainStep(step.label, what, when, None if step.count == 1 else step.count, None)
