"""Why a profile is in a segment or not: the Boolean structure of the plan, each clause with
its canonical PQL, whether it held, and the ``_id``s of the events that satisfied it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from segmint.evaluate.reference import Env, Interpreter, ProfileData
from segmint.plan.nodes import And, Let, Node, Not, Or, Plan, Sequence
from segmint.plan.unbind import to_ast
from segmint.pql import ast
from segmint.pql.printer import to_pql


@dataclass(frozen=True, slots=True)
class Explanation:
    """One clause: ``text`` is its canonical PQL; ``events`` the events that satisfied it (for
    a chain step, the events matched to that step)."""

    text: str
    held: bool
    events: tuple[str, ...] = ()
    children: tuple[Explanation, ...] = ()


def explain(plan: Plan | Node, profile: ProfileData, as_of: datetime) -> Explanation:
    """The explanation tree of evaluating ``plan`` for ``profile`` at ``as_of``."""
    root = plan.root if isinstance(plan, Plan) else plan
    return _explain(Interpreter(profile, as_of), root, {})


def _explain(interpreter: Interpreter, node: Node, env: Env) -> Explanation:
    text = to_pql(to_ast(node))
    if isinstance(node, And | Or):
        children = tuple(_explain(interpreter, item, env) for item in node.items)
        verdicts = [child.held for child in children]
        held = all(verdicts) if isinstance(node, And) else any(verdicts)
        return Explanation(text, held, (), children)
    if isinstance(node, Not):
        child = _explain(interpreter, node.item, env)
        return Explanation(text, not child.held, (), (child,))
    if isinstance(node, Let):
        bound = {**env, node.name: interpreter.value(node.value, env)}
        child = _explain(interpreter, node.body, bound)
        return Explanation(text, child.held, (), (child,))
    if isinstance(node, Sequence):
        return _sequence(interpreter, node, env, text)
    interpreter.trace = []
    held = interpreter.truth(node, env)
    events = tuple(dict.fromkeys(interpreter.trace))
    interpreter.trace = None
    return Explanation(text, held, events)


def _sequence(interpreter: Interpreter, node: Sequence, env: Env, text: str) -> Explanation:
    matched = interpreter.match(node, env)
    if matched is None:
        return Explanation(text, False)
    chain = to_ast(node)
    assert isinstance(chain, ast.Chain)
    steps = tuple(
        Explanation(
            to_pql(ast.Chain(chain.events, chain.time_field, (written,))),
            True,
            tuple(str(event.get("_id")) for event in events),
        )
        for written, events in zip(chain.steps, matched, strict=True)
    )
    return Explanation(text, True, (), steps)
