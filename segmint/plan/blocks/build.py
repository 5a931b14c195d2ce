"""Builder blocks to a plan: the nodes the binder would build for the equivalent PQL.

An event rule is ``exists`` over ``xEvent`` (at least one), a comparison of the count of
matching events (other counts, ``none`` being ``= 0``) or of an aggregate; its time constraint is
the last condition on the event's ``timestamp``. A sequence is a ``chain`` whose steps are
labelled ``A``, ``B``, ...; the first of a step's constraints (within, after, time) is its
``WHEN``, the rest are conditions on its timestamp. Invalid blocks raise ``PQLError`` located at
the JSON path of the offending key (``items[2].conditions[0].field``).
"""

from __future__ import annotations

import string

from segmint.errors import Location, PQLError
from segmint.plan import types as t
from segmint.plan.blocks.model import (
    Audience,
    Blocks,
    Condition,
    Container,
    Count,
    Event,
    Rule,
    Sequence,
    TimeConstraint,
)
from segmint.plan.blocks.model import Step as StepBlock
from segmint.plan.blocks.rules import Fields, condition_node
from segmint.plan.blocks.timing import gap_window, window_of
from segmint.plan.nodes import (
    Aggregate,
    Compare,
    Events,
    InSegment,
    Literal,
    Node,
    Not,
    Occurs,
    Or,
    Plan,
    Profile,
    Quantify,
    Step,
    Var,
    Window,
    conjunction,
)
from segmint.plan.nodes import Sequence as Chain
from segmint.schema.model import Schema

#: The variable of an event rule: the name the binder gives the item of ``xEvent[...]``.
EVENT_VAR = "_1"
TIME_FIELD = "timestamp"
_COUNTS = {"atLeast": ">=", "exactly": "=", "atMost": "<=", "none": "="}
_COMPARISONS = {
    "equals": "=",
    "doesNotEqual": "!=",
    "greaterThan": ">",
    "lessThan": "<",
    "atLeast": ">=",
    "atMost": "<=",
}


def blocks_to_plan(blocks: Blocks, profile_schema: Schema, event_schema: Schema) -> Plan:
    """The plan of a block definition, checked against the schemas."""
    builder = _Builder(profile_schema, event_schema)
    root = builder.container(blocks, "")
    return Plan(
        root,
        frozenset(builder.segments),
        frozenset(builder.events.read),
        frozenset(builder.profile.read),
    )


def _at(at: str, key: str) -> str:
    return f"{at}.{key}" if at else key


def _error(message: str, at: str, hint: str | None = None) -> PQLError:
    return PQLError(message, location=Location(field=at), hint=hint)


def _disjunction(parts: list[Node]) -> Node:
    """The flattened ``Or`` of ``parts``, as the binder joins ``a or b or c``."""
    items = [inner for part in parts for inner in (part.items if isinstance(part, Or) else (part,))]
    return items[0] if len(items) == 1 else Or(tuple(items))


class _Builder:
    """One use: builds one definition and collects the fields and segments it reads."""

    def __init__(self, profile: Schema, event: Schema) -> None:
        self.profile = Fields(profile)
        self.events = Fields(event)
        self.segments: set[str] = set()
        tops = {path.split(".")[0].removesuffix("[]") for path in event.fields}
        letters = [*string.ascii_uppercase, *(f"S{n}" for n in range(27, 100))]
        self._labels = [label for label in letters if label not in tops]

    def item(self, item: Rule, at: str) -> Node:
        if isinstance(item, Container):
            return self.container(item, at)
        if isinstance(item, Audience):
            return self.audience(item, at)
        if isinstance(item, Event):
            return self.event(item, at)
        if isinstance(item, Sequence):
            return self.sequence(item, at)
        subject = self.profile.get(Profile(), item.field, _at(at, "field"))
        return condition_node(item, subject, at)

    def container(self, container: Container, at: str) -> Node:
        if not container.items:
            raise _error("a container needs at least one rule", _at(at, "items"))
        parts = [self.item(item, _at(at, f"items[{n}]")) for n, item in enumerate(container.items)]
        joined = conjunction(parts) if container.logic == "and" else _disjunction(parts)
        return joined if container.include else Not(joined)

    def audience(self, audience: Audience, at: str) -> Node:
        if not audience.ref.strip():
            raise _error("an audience reference needs a segment id or name", _at(at, "ref"))
        self.segments.add(audience.ref)
        found = InSegment(audience.ref)
        return found if audience.include else Not(found)

    def conditions(self, conditions: list[Condition], var: Var, at: str) -> list[Node]:
        found: list[Node] = []
        for n, condition in enumerate(conditions):
            where = _at(at, f"conditions[{n}]")
            if condition.field == TIME_FIELD:
                raise _error(
                    "an event rule's time is its time constraint, not a condition",
                    _at(where, "field"),
                    'remove this condition and set "time", e.g. {"kind": "inLast", '
                    '"amount": 30, "unit": "days"}',
                )
            subject = self.events.get(var, condition.field, _at(where, "field"))
            found.append(condition_node(condition, subject, where))
        return found

    def occurs(self, var: Var, window: Window, at: str) -> Occurs:
        return Occurs(self.events.get(var, TIME_FIELD, at), window)

    def event(self, rule: Event, at: str) -> Node:
        var = Var(EVENT_VAR, t.EVENT)
        parts = self.conditions(rule.conditions, var, at)
        if rule.time is not None:
            parts.append(self.occurs(var, window_of(rule.time, _at(at, "time")), at))
        condition = conjunction(parts) if parts else None
        if rule.aggregate is not None:
            return self.aggregate(rule, var, condition, at)
        count = rule.count
        if count.operator == "none":
            if count.value is not None:
                raise _error("none counts no events", _at(at, "count.value"), "remove value")
        elif count.value is None or count.value < 1:
            raise _error(
                f"{count.operator} needs a number of events, 1 or more",
                _at(at, "count.value"),
                'for no events, write {"operator": "none"}',
            )
        if (count.operator, count.value) == ("atLeast", 1):
            return Quantify("exists", Events(), EVENT_VAR, conjunction(parts))
        counted = Aggregate("count", Events(), EVENT_VAR, condition, None)
        return Compare(_COUNTS[count.operator], counted, Literal(count.value or 0, t.INTEGER))

    def aggregate(self, rule: Event, var: Var, condition: Node | None, at: str) -> Node:
        """``sum`` (...) of a number field over the matching events, compared with a number."""
        spec = rule.aggregate
        assert spec is not None
        if rule.count != Count(value=1):
            raise _error(
                "an aggregate rule compares the aggregate, not a count",
                _at(at, "count"),
                "remove count, or remove aggregate",
            )
        where = _at(at, "aggregate.field")
        value = self.events.get(var, spec.field, where)
        if value.type.kind not in t.NUMERIC or value.type.many:
            raise _error(
                f"{spec.function} needs a number field with one value per event, "
                f"{spec.field} is {value.type.describe()}",
                where,
                'aggregate a field such as "commerce.order.priceTotal"',
            )
        total = Aggregate(spec.function, Events(), EVENT_VAR, condition, value)
        kind = t.INTEGER if isinstance(spec.value, int) else t.NUMBER
        return Compare(_COMPARISONS[spec.operator], total, Literal(spec.value, kind))

    def sequence(self, sequence: Sequence, at: str) -> Node:
        if not sequence.steps:
            raise _error("a sequence needs at least one step", _at(at, "steps"))
        if len(sequence.steps) > len(self._labels):
            raise _error(f"a sequence has at most {len(self._labels)} steps", _at(at, "steps"))
        steps: list[Step] = []
        for n, step in enumerate(sequence.steps):
            where = _at(at, f"steps[{n}]")
            if step.count < 1:
                raise _error("a step counts 1 or more events", _at(where, "count"))
            var = Var(self._labels[n], t.EVENT)
            parts = self.conditions(step.conditions, var, where)
            previous = Var(steps[-1].label, t.EVENT) if steps else None
            found = self.step_windows(step, previous, sequence.time, where, at)
            parts.extend(self.occurs(var, window, where) for window in found[1:])
            window = found[0] if found else None
            steps.append(Step(var.name, conjunction(parts), window, step.count))
        self.events.read.add(TIME_FIELD)
        return Chain(Events(), TIME_FIELD, tuple(steps))

    def step_windows(
        self,
        step: StepBlock,
        previous: Var | None,
        shared: TimeConstraint | None,
        where: str,
        at: str,
    ) -> list[Window]:
        """A step's constraints in order: within and after the previous step, then its time
        (its own, or the sequence's)."""
        found: list[Window] = []
        for kind, gap in (("within", step.within), ("after", step.after)):
            if gap is None:
                continue
            if previous is None:
                raise _error(
                    f"the first step has no previous step to be {kind}",
                    _at(where, kind),
                    f"remove {kind}; to bound when the first step happens, set its time",
                )
            if gap.amount < 1:
                raise _error(f"{kind} needs 1 or more units", _at(where, f"{kind}.amount"))
            anchor = self.events.get(previous, TIME_FIELD, where)
            found.append(gap_window(gap, kind, anchor))
        if step.time is not None and shared is not None:
            raise _error(
                "this step has its own time, and the sequence's time applies to every step",
                _at(where, "time"),
                "remove one of them",
            )
        if step.time is not None:
            found.append(window_of(step.time, _at(where, "time")))
        elif shared is not None:
            found.append(window_of(shared, _at(at, "time")))
        return found
