"""A plan back to builder blocks, by recognising the shapes ``build`` makes (and the equivalent
shapes PQL written by hand binds to, such as ``count() > 2`` or ``.equals(v)``).

The result is in normal form, the form ``blocks_to_plan`` and this module agree on:

- a container holds two or more items, except a root or excluded container; an included
  container never sits in a container of the same logic (the binder flattens it), and a
  one-item container has logic ``and``;
- an excluded audience is an audience with ``include`` false, not an excluded container;
- a root container holding only an excluded container is that container as the root;
- adjacent ``atLeast a``, ``atMost b`` on one number field in an ``and`` are ``between [a, b]``;
- an ``in`` that ignores case lists two or more values;
- a time ``between`` one day and the same day is ``on`` that day;
- a time every step of a sequence shares is the sequence's time.

Anything else raises ``PQLError`` naming the construct that has no block form.
"""

from __future__ import annotations

from dataclasses import fields

from segmint.errors import PQLError
from segmint.plan import types as t
from segmint.plan.blocks.build import TIME_FIELD
from segmint.plan.blocks.model import (
    Aggregation,
    Attribute,
    Audience,
    Blocks,
    Comparison,
    Condition,
    Container,
    Count,
    CountOperator,
    Event,
    Gap,
    Rule,
    Sequence,
    Step,
    TimeConstraint,
)
from segmint.plan.blocks.rules import pair_betweens, path_of, read_condition
from segmint.plan.blocks.timing import gap_of, time_of
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
    InSegment,
    Let,
    Literal,
    Neg,
    Node,
    Not,
    Occurs,
    Or,
    Plan,
    Profile,
    Quantify,
    TopN,
    Var,
    Window,
    type_of,
)
from segmint.plan.nodes import Sequence as Chain

_COUNTS: dict[str, CountOperator] = {
    ">=": "atLeast",
    "=": "exactly",
    "<=": "atMost",
}
_COMPARISONS: dict[str, Comparison] = {
    "=": "equals",
    "!=": "doesNotEqual",
    ">": "greaterThan",
    "<": "lessThan",
    ">=": "atLeast",
    "<=": "atMost",
}
_CONSTRUCTS: dict[type[Node], str] = {
    Let: "`let`",
    If: "`if`",
    Arith: "arithmetic",
    Neg: "arithmetic",
    TopN: "`topN`",
    Filter: "a filtered list",
}


def plan_to_blocks(plan: Plan) -> Blocks:
    """The blocks of a plan, in normal form."""
    root = plan.root
    if isinstance(root, Not) and not isinstance(root.item, InSegment):
        return _container(root.item, include=False)
    return _container(root, include=True)


def _container(node: Node, include: bool) -> Container:
    if isinstance(node, And):
        items = [_item(part) for part in pair_betweens(node.items, Profile())]
        return Container(logic="and", include=include, items=items)
    if isinstance(node, Or):
        return Container(logic="or", include=include, items=[_item(part) for part in node.items])
    return Container(include=include, items=[_item(node)])


def _item(node: Node) -> Rule:
    if isinstance(node, InSegment):
        return Audience(ref=node.ref)
    if isinstance(node, Not):
        if isinstance(node.item, InSegment):
            return Audience(ref=node.item.ref, include=False)
        return _container(node.item, include=False)
    if isinstance(node, Chain):
        return _sequence(node)
    event = _event(node)
    if event is not None:
        return event
    condition = read_condition(node, Profile())
    if condition is not None:
        return Attribute(**condition.model_dump())
    if isinstance(node, And | Or):
        return _container(node, include=True)
    raise no_block(node)


# Events -------------------------------------------------------------------------------------


def _event(node: Node) -> Event | None:
    """An event rule: ``exists`` over the events, or a count or aggregate of them compared
    with a number."""
    if isinstance(node, Quantify) and node.kind == "exists" and node.source == Events():
        return _event_rule(node.var, node.condition, Count(value=1), None)
    if not isinstance(node, Compare) or not isinstance(node.left, Aggregate):
        return None
    total, amount = node.left, node.right
    if total.source != Events() or not isinstance(amount, Literal):
        return None
    if total.function == "count":
        count = _count(node.op, amount.value)
        return None if count is None else _event_rule(total.var, total.condition, count, None)
    if total.value is None or type_of(total.value).many:
        return None
    value = amount.value
    field = path_of(total.value, Var(total.var, t.EVENT))
    if field is None or not isinstance(value, int | float) or isinstance(value, bool):
        return None
    spec = Aggregation(
        function=total.function, field=field, operator=_COMPARISONS[node.op], value=value
    )
    return _event_rule(total.var, total.condition, Count(value=1), spec)


def _count(op: str, value: object) -> Count | None:
    """The count a comparison of the number of events with ``value`` asks for."""
    if type(value) is not int:
        return None
    if op == ">":
        op, value = ">=", value + 1
    elif op == "<":
        op, value = "<=", value - 1
    if value == 0 and op in ("=", "<="):
        return Count(operator="none")
    if value < 1 or op not in _COUNTS:
        return None
    return Count(operator=_COUNTS[op], value=value)


def _event_rule(
    var: str, condition: Node | None, count: Count, aggregate: Aggregation | None
) -> Event:
    conditions, found = _conditions(condition, Var(var, t.EVENT))
    if len(found) > 1:
        raise PQLError(
            "an event rule with two time constraints has no Segment Builder block; "
            "edit this definition as PQL"
        )
    time = _time(found[0]) if found else None
    return Event(conditions=conditions, count=count, time=time, aggregate=aggregate)


def _conditions(condition: Node | None, var: Var) -> tuple[list[Condition], list[Window]]:
    """The field conditions of an event's condition, and the windows of its timestamp."""
    if condition is None or condition == Literal(True, t.BOOLEAN):
        return [], []
    items = condition.items if isinstance(condition, And) else (condition,)
    stamp = Get(var, TIME_FIELD, t.DATETIME)
    conditions: list[Condition] = []
    found: list[Window] = []
    for item in pair_betweens(items, var):
        if isinstance(item, Occurs) and item.subject == stamp:
            found.append(item.window)
            continue
        read = read_condition(item, var)
        if read is None:
            raise no_block(item, "`or` among an event's conditions" if isinstance(item, Or) else
                           "this condition")  # fmt: skip
        conditions.append(read)
    return conditions, found


def _time(window: Window) -> TimeConstraint:
    time = time_of(window)
    if time is None:
        raise PQLError(
            "this time window has no Segment Builder block; edit this definition as PQL",
            hint="the builder's times are in last/next N units, before/after/on a date, "
            "between two dates, today, yesterday and this/last/next week, month or year",
        )
    return time


def _sequence(chain: Chain) -> Sequence:
    if chain.source != Events() or chain.time_field != TIME_FIELD:
        raise no_block(chain, "a chain over something other than xEvent by timestamp")
    steps: list[Step] = []
    for n, step in enumerate(chain.steps):
        conditions, found = _conditions(step.condition, Var(step.label, t.EVENT))
        if step.window is not None:
            found.insert(0, step.window)
        gaps: dict[str, Gap] = {}
        times: list[TimeConstraint] = []
        for window in found:
            gap = None
            if n:
                previous = Var(chain.steps[n - 1].label, t.EVENT)
                gap = gap_of(window, Get(previous, TIME_FIELD, t.DATETIME))
            if gap is None:
                times.append(_time(window))
            elif gap[0] not in gaps:
                gaps[gap[0]] = gap[1]
            else:
                times.append(_time(window))
        if len(times) > 1:
            raise PQLError(
                "a chain step with two time constraints has no Segment Builder block; "
                "edit this definition as PQL"
            )
        time = times[0] if times else None
        within, after = gaps.get("within"), gaps.get("after")
        steps.append(Step(conditions=conditions, count=step.count, within=within, after=after,
                          time=time))  # fmt: skip
    shared = steps[0].time
    if shared is not None and all(step.time == shared for step in steps):
        steps = [step.model_copy(update={"time": None}) for step in steps]
        return Sequence(steps=steps, time=shared)
    return Sequence(steps=steps)


# Errors -------------------------------------------------------------------------------------


def no_block(node: Node, fallback: str = "this condition") -> PQLError:
    """The error for a plan with no block form, naming the construct to blame."""
    return PQLError(
        f"{_blame(node) or fallback} has no Segment Builder block; edit this definition as PQL",
        hint="blocks express field conditions, event rules (counts, time, sum/average/min/max), "
        "sequences, audiences and and/or/exclude containers",
    )


def _blame(node: Node) -> str | None:
    """The innermost construct in ``node`` that no block can express (depth first)."""
    name = _CONSTRUCTS.get(type(node))
    if name is not None:
        return name
    if isinstance(node, Call) and node.function not in _CALLS:
        return f"the function `{node.function}`"
    for child in fields(node):
        value = getattr(node, child.name)
        for part in value if isinstance(value, tuple) else (value,):
            found = _blame(part) if isinstance(part, Node) else None
            if found is not None:
                return found
    if isinstance(node, Quantify):
        return "`forall`" if node.kind == "forall" else "`exists` over an array"
    if isinstance(node, Aggregate) and node.source != Events():
        return f"`{node.function}` over an array"
    return None


_CALLS = frozenset(
    {"contains", "doesNotContain", "startsWith", "doesNotStartWith", "endsWith",
     "doesNotEndWith", "equals", "notEqualTo", "matches", "like", "isNull", "isNotNull", "date"}
)  # fmt: skip
