"""The reference interpreter: the oracle every other evaluator is tested against.

Plain, obvious Python over one profile and its events: a tree walk over the plan with missing
values as None, the rules of ``segmint.plan.semantics`` applied as written. Slow on purpose.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from segmint.evaluate import builtins
from segmint.plan import calendar, semantics
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
    Plan,
    Profile,
    Quantify,
    Sequence,
    Step,
    TimeAnchor,
    TopN,
    Truthy,
    Var,
)

Env = dict[str, Any]
Event = dict[str, Any]


@dataclass(frozen=True, slots=True)
class ProfileData:
    """One merged profile as an evaluator sees it.

    ``attributes`` are nested dicts (a missing value is an absent key); each event is a nested
    dict with ``_id``, a naive-UTC ``timestamp`` and ``eventType``, arrays of objects as lists of
    dicts; ``segments`` holds the ids and names of the segments the profile is realized in."""

    attributes: dict[str, Any] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    segments: frozenset[str] = frozenset()


def evaluate(plan: Plan | Node, profile: ProfileData, as_of: datetime) -> bool:
    """Whether ``profile`` belongs to the segment at ``as_of`` (only events up to as_of exist)."""
    root = plan.root if isinstance(plan, Plan) else plan
    return Interpreter(profile, as_of).truth(root, {})


class Interpreter:
    """Evaluates plan nodes for one profile at one instant."""

    def __init__(self, profile: ProfileData, as_of: datetime) -> None:
        self.profile = profile
        self.as_of = as_of
        self.events = [
            event
            for event in profile.events
            if isinstance(event.get("timestamp"), datetime) and event["timestamp"] <= as_of
        ]
        self._event_ids = {id(event) for event in self.events}
        #: When set, the ``_id`` of every event that satisfies a condition ranging over events.
        self.trace: list[str] | None = None
        self._values: dict[type[Node], Callable[[Any, Env], Any]] = {
            Literal: lambda node, env: node.value,
            ListOf: self._list_of,
            TimeAnchor: lambda node, env: calendar.time_anchor(node.kind, self.as_of),
            Profile: lambda node, env: self.profile.attributes,
            Events: lambda node, env: self.events,
            Var: lambda node, env: env[node.name],
            Get: lambda node, env: semantics.project(self.value(node.target, env), node.field),
            Call: self._call,
            Arith: lambda node, env: semantics.arith(
                node.op, self.value(node.left, env), self.value(node.right, env)
            ),
            Neg: self._neg,
            If: lambda node, env: self.value(
                node.then if self.truth(node.condition, env) else node.otherwise, env
            ),
            Let: lambda node, env: self.value(
                node.body, {**env, node.name: self.value(node.value, env)}
            ),
            Filter: self._filter,
            Aggregate: self._aggregate,
            TopN: self._top,
        }
        self._truths: dict[type[Node], Callable[[Any, Env], bool]] = {
            Compare: self._compare,
            In: self._in,
            And: lambda node, env: all(self.truth(item, env) for item in node.items),
            Or: lambda node, env: any(self.truth(item, env) for item in node.items),
            Not: lambda node, env: not self.truth(node.item, env),
            Truthy: lambda node, env: semantics.truthy(self.value(node.value, env)),
            Occurs: self._occurs,
            InSegment: lambda node, env: node.ref in self.profile.segments,
            Quantify: self._quantify,
            Sequence: lambda node, env: self.match(node, env) is not None,
        }

    def value(self, node: Node, env: Env) -> Any:
        handler = self._values.get(type(node))
        return self.truth(node, env) if handler is None else handler(node, env)

    def truth(self, node: Node, env: Env) -> bool:
        """``node`` in a Boolean position: only a present true is true."""
        handler = self._truths.get(type(node))
        return self.value(node, env) is True if handler is None else handler(node, env)

    # Values -------------------------------------------------------------------------------------

    def _list_of(self, node: ListOf, env: Env) -> list[Any]:
        values = (self.value(item, env) for item in node.items)
        return [value for value in values if value is not None]

    def _call(self, node: Call, env: Env) -> Any:
        args = [self.value(arg, env) for arg in node.args]
        return builtins.call(node.function, args, self.as_of)

    def _neg(self, node: Neg, env: Env) -> Any:
        value = self.value(node.operand, env)
        return semantics.arith("-", 0, value) if value is not None else None

    def items(self, source: Node, env: Env) -> list[Any]:
        value = self.value(source, env)
        if value is None:
            return []
        return value if isinstance(value, list) else [value]

    def holds(self, condition: Node, env: Env, var: str, item: Any) -> bool:
        """``condition`` with ``var`` bound to ``item``; traces the events it holds for."""
        result = self.truth(condition, {**env, var: item})
        if result and self.trace is not None and id(item) in self._event_ids:
            self.trace.append(str(item.get("_id")))
        return result

    def _filter(self, node: Filter, env: Env) -> list[Any]:
        items = self.items(node.source, env)
        return [item for item in items if self.holds(node.condition, env, node.var, item)]

    def _aggregate(self, node: Aggregate, env: Env) -> Any:
        items = [
            item
            for item in self.items(node.source, env)
            if node.condition is None or self.holds(node.condition, env, node.var, item)
        ]
        if node.value is None:
            return len(items)
        values: list[Any] = []
        for item in items:
            value = self.value(node.value, {**env, node.var: item})
            values.extend(value if isinstance(value, list) else [value])
        return semantics.aggregate(node.function, values)

    def _top(self, node: TopN, env: Env) -> list[Any]:
        keyed = []
        for item in self.items(node.source, env):
            key = self.value(node.key, {**env, node.var: item})
            if key is not None:
                keyed.append((key, item))
        keyed.sort(key=lambda pair: pair[0], reverse=node.largest)
        return [item for _, item in keyed[: node.count]]

    # Predicates ---------------------------------------------------------------------------------

    def _compare(self, node: Compare, env: Env) -> bool:
        left, right = self.value(node.left, env), self.value(node.right, env)
        if isinstance(left, list) and isinstance(right, list):
            return node.op in ("=", "!=") and semantics.compare_lists(node.op, left, right)
        if isinstance(left, list):
            return any(semantics.compare(node.op, item, right) for item in left)
        if isinstance(right, list):
            return any(semantics.compare(node.op, left, item) for item in right)
        return semantics.compare(node.op, left, right)

    def _in(self, node: In, env: Env) -> bool:
        value, items = self.value(node.value, env), self.value(node.items, env)
        candidates = value if isinstance(value, list) else [value]
        for candidate in candidates:
            found = semantics.member(candidate, items)
            if found is not None and found != node.negated:
                return True
        return False

    def resolver(self, env: Env) -> semantics.Resolve:
        """Window anchors that are expressions, evaluated in ``env`` at any as_of."""

        def resolve(anchor: Node, at: datetime) -> date | None:
            here = self if at == self.as_of else Interpreter(self.profile, at)
            value = here.value(anchor, env)
            return value if isinstance(value, date) else None

        return resolve

    def _occurs(self, node: Occurs, env: Env) -> bool:
        subject = self.value(node.subject, env)
        moments = subject if isinstance(subject, list) else [subject]
        resolve = self.resolver(env)
        return any(
            isinstance(moment, date)
            and semantics.in_window(node.window, moment, self.as_of, resolve)
            for moment in moments
        )

    def _quantify(self, node: Quantify, env: Env) -> bool:
        items = self.items(node.source, env)
        results = [self.holds(node.condition, env, node.var, item) for item in items]
        return any(results) if node.kind == "exists" else all(results)

    # Sequences ----------------------------------------------------------------------------------

    def match(self, node: Sequence, env: Env) -> list[list[Event]] | None:
        """The events chosen for each step of a chain, or None when it does not match."""
        time = node.time_field
        events = [
            event
            for event in self.items(node.source, env)
            if isinstance(event, dict) and isinstance(event.get(time), datetime)
        ]
        events.sort(key=lambda event: (event[time], str(event.get("_id", ""))))
        return self._match_from(node, 0, events, None, env)

    def _match_from(
        self, node: Sequence, index: int, events: list[Event], after: datetime | None, env: Env
    ) -> list[list[Event]] | None:
        """Backtracking search: try every event as the one completing step ``index``."""
        if index == len(node.steps):
            return []
        step, time = node.steps[index], node.time_field
        candidates = [
            event
            for event in events
            if (after is None or event[time] > after) and self._step_holds(step, event, time, env)
        ]
        for last in candidates:
            others = [e for e in candidates if e is not last and e[time] <= last[time]]
            if len(others) < step.count - 1:
                continue
            chosen = [*others[len(others) - (step.count - 1) :], last]
            rest = self._match_from(node, index + 1, events, last[time], {**env, step.label: last})
            if rest is not None:
                return [chosen, *rest]
        return None

    def _step_holds(self, step: Step, event: Event, time: str, env: Env) -> bool:
        if not self.truth(step.condition, {**env, step.label: event}):
            return False
        return step.window is None or semantics.in_window(
            step.window, event[time], self.as_of, self.resolver(env)
        )
