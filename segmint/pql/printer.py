"""Canonical PQL text for a syntax tree.

One spelling per tree: lower-case keywords (``notIn``, upper-case chain clauses), double-quoted
strings with JSON-style escapes, singular/plural units by amount, ``where`` rather than ``:``,
``on`` only before a timestamp that is not a time word or period, and parentheses only where the
grammar needs them (plus around the operand of ``not`` and around select-like constructs nested
in bindings, for the reader). ``parse(to_pql(tree)) == tree`` holds for every tree the parser
can produce, and printing is idempotent.
"""

from __future__ import annotations

import math

from segmint.pql import ast
from segmint.pql.tokens import Kind, tokenize

# Precedence levels, loosest first. OPEN constructs (let, lambda, select, exists, aggregations)
# run as far right as they can, so they sit below every operator.
OPEN, OR, AND, NOT, REL, ADD, MUL, UNARY, POSTFIX, PRIMARY = range(10)

_BINARY_LEVEL: dict[str, int] = {
    "or": OR,
    "and": AND,
    **dict.fromkeys(ast.RELATIONAL_OPERATORS, REL),
    "+": ADD,
    "-": ADD,
    "*": MUL,
    "/": MUL,
    "%": MUL,
}
_OPEN_NODES = (ast.Let, ast.Lambda, ast.Select, ast.Quantifier, ast.Aggregate)
_POSTFIX_NODES = (ast.Field, ast.Filter)
_ESCAPES = {
    **{code: f"\\u{code:04x}" for code in [*range(0x20), 0x7F]},
    ord("\\"): "\\\\",
    ord('"'): '\\"',
    ord("\n"): "\\n",
    ord("\r"): "\\r",
    ord("\t"): "\\t",
    ord("\b"): "\\b",
    ord("\f"): "\\f",
}


def to_pql(expr: ast.Expr) -> str:
    """The canonical PQL text of ``expr``."""
    return _emit(expr, OPEN)


def quote(text: str) -> str:
    """A PQL string literal for ``text``."""
    return '"' + text.translate(_ESCAPES) + '"'


def level(expr: ast.Expr) -> int:
    """How tightly ``expr`` binds: a child looser than its slot allows is parenthesised."""
    if isinstance(expr, ast.Binary):
        return _BINARY_LEVEL[expr.op]
    if isinstance(expr, _POSTFIX_NODES):
        return POSTFIX
    if isinstance(expr, ast.Call):
        return PRIMARY if expr.target is None else POSTFIX
    if isinstance(expr, ast.Unary):
        return NOT if expr.op == "not" else UNARY
    if isinstance(expr, ast.Occurs):
        return REL
    if isinstance(expr, _OPEN_NODES):
        return OPEN
    if isinstance(expr, ast.Number) and math.copysign(1, expr.value) < 0:
        return UNARY  # "-3.count()" would parse as -(3.count())
    return PRIMARY


def _emit(expr: ast.Expr, minimum: int) -> str:
    text = _render(expr)
    return f"({text})" if level(expr) < minimum else text


def _render(expr: ast.Expr) -> str:
    if isinstance(expr, ast.Name):
        return expr.name
    if isinstance(expr, ast.Field):
        return f"{_emit(expr.target, POSTFIX)}.{expr.name}"
    if isinstance(expr, ast.Binary):
        return _binary(expr)
    if isinstance(expr, ast.String):
        return quote(expr.value)
    if isinstance(expr, ast.Number):
        return repr(expr.value)
    if isinstance(expr, ast.Call):
        args = ", ".join(_emit(arg, OPEN) for arg in expr.args)
        if expr.target is None:
            return f"{expr.name}({args})"
        return f"{_emit(expr.target, POSTFIX)}.{expr.name}({args})"
    if isinstance(expr, ast.Boolean):
        return "true" if expr.value else "false"
    if isinstance(expr, ast.Null):
        return "null"
    if isinstance(expr, ast.Array):
        return "[" + ", ".join(_emit(item, OPEN) for item in expr.items) + "]"
    if isinstance(expr, ast.Object):
        entries = (f"{quote(key)}: {_emit(value, OPEN)}" for key, value in expr.entries)
        return "{" + ", ".join(entries) + "}"
    if isinstance(expr, ast.TimeWord):
        return expr.word
    if isinstance(expr, ast.Param):
        return f"${expr.position}"
    if isinstance(expr, ast.Parent):
        return "^" * expr.levels
    if isinstance(expr, ast.Filter):
        return f"{_emit(expr.target, POSTFIX)}[{_emit(expr.condition, OPEN)}]"
    if isinstance(expr, ast.Unary):
        return _unary(expr)
    if isinstance(expr, ast.Occurs):
        return f"{_emit(expr.subject, ADD)} occurs {_tail(expr.tail)}"
    if isinstance(expr, ast.Lambda):
        return f"({', '.join(expr.params)}) => {_emit(expr.body, OPEN)}"
    if isinstance(expr, ast.If):
        parts = (expr.condition, expr.then, expr.otherwise)
        return "if(" + ", ".join(_emit(part, OPEN) for part in parts) + ")"
    if isinstance(expr, ast.Let):
        return f"let {expr.name} = {_let_value(expr.value)} in {_emit(expr.body, OPEN)}"
    if isinstance(expr, ast.Select):
        return "select " + _bindings(expr.bindings)
    if isinstance(expr, ast.Quantifier):
        return f"{expr.kind} {_bindings(expr.bindings)}"
    if isinstance(expr, ast.Aggregate):
        if expr.value is None:
            return f"{expr.function} {_bindings(expr.bindings)}"
        return f"{expr.function} {_nested(expr.value)} over {_bindings(expr.bindings)}"
    if isinstance(expr, ast.Chain):
        steps = ", ".join(_step(step) for step in expr.steps)
        return f"chain({_emit(expr.events, OPEN)}, {expr.time_field}, [{steps}])"
    raise TypeError(f"not a PQL expression: {expr!r}")


def _binary(expr: ast.Binary) -> str:
    here = _BINARY_LEVEL[expr.op]
    if here == REL:
        return f"{_emit(expr.left, ADD)} {expr.op} {_emit(expr.right, ADD)}"
    # Walk the left spine of a left-associative chain without recursion, so that a definition
    # with hundreds of "or" terms prints.
    spine: list[ast.Binary] = []
    node: ast.Expr = expr
    while isinstance(node, ast.Binary) and _BINARY_LEVEL[node.op] == here:
        spine.append(node)
        node = node.left
    parts = [_emit(node, here)]
    for link in reversed(spine):
        parts.append(f" {link.op} {_emit(link.right, here + 1)}")
    return "".join(parts)


def _unary(expr: ast.Unary) -> str:
    if expr.op == "not":
        return f"not {_emit(expr.operand, POSTFIX)}"
    if isinstance(expr.operand, ast.Number):
        return f"-({_render(expr.operand)})"  # "-3" would be the literal -3
    return f"-{_emit(expr.operand, UNARY)}"


def _tail(tail: ast.OccursTail) -> str:
    if isinstance(tail, ast.Distance):
        unit = tail.unit if tail.amount == 1 else ast.UNITS[tail.unit]
        return f"{tail.op} {tail.amount} {unit} {tail.direction} {_ref(tail.ref)}"
    if isinstance(tail, ast.Relation):
        return f"{tail.direction} {_ref(tail.ref)}"
    if isinstance(tail, ast.Between):
        return f"between {_ref(tail.start)} and {_ref(tail.end)}"
    if isinstance(tail.ref, ast.Period | ast.TimeWord):
        return _ref(tail.ref)
    return f"on {_ref(tail.ref)}"


def _ref(ref: ast.TimeRef) -> str:
    if isinstance(ref, ast.Period):
        return f"{ref.which} {ref.unit}"
    return _emit(ref, POSTFIX)


def _bindings(bindings: tuple[ast.Binding, ...]) -> str:
    parts = []
    for binding in bindings:
        text = f"{binding.name} from {_nested(binding.source)}"
        if binding.condition is not None:
            text += f" where {_nested(binding.condition)}"
        parts.append(text)
    return ", ".join(parts)


def _nested(expr: ast.Expr) -> str:
    """An expression inside a binding list, where an open construct would swallow what follows."""
    return _emit(expr, OR)


def _let_value(value: ast.Expr) -> str:
    text = _nested(value)
    return f"({text})" if level(value) > OPEN and _bare_in(text) else text


def _bare_in(text: str) -> bool:
    """Whether ``text`` has an ``in`` outside brackets, which would end a let value early."""
    depth = 0
    for token in tokenize(text):
        if token.kind is Kind.OP:
            if token.text in "([{":
                depth += 1
            elif token.text in ")]}":
                depth -= 1
        elif depth == 0 and token.kind is Kind.KEYWORD and token.value == "in":
            return True
    return False


def _step(step: ast.ChainStep) -> str:
    text = f"{step.label}: WHAT({_emit(step.what, OPEN)})"
    if step.when is not None:
        text += f" WHEN({_tail(step.when)})"
    if step.count is not None:
        text += f" COUNT({step.count})"
    if step.where is not None:
        text += f" WHERE({_emit(step.where, OPEN)})"
    return text
