"""The Segment Builder's JSON model: Pydantic models the REST API and the web UI use directly.

A definition is a root ``Container`` of rules: attribute conditions, event rules (with a count,
a time constraint or an aggregate), sequences of events, audience references and nested
containers. JSON uses camelCase (``caseSensitive``); every model is frozen and rejects unknown
keys, so a typo in a saved definition is an error rather than a silently ignored option.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

Scalar: TypeAlias = str | int | float | bool
Value: TypeAlias = Scalar | list[Scalar] | None

#: Units of time constraints, plural as the builder shows them.
Unit: TypeAlias = Literal["seconds", "minutes", "hours", "days", "weeks", "months", "years"]

#: Operators of attribute and event-field conditions; which apply depends on the field's type.
Operator: TypeAlias = Literal[
    "equals", "doesNotEqual", "contains", "doesNotContain", "startsWith", "doesNotStartWith",
    "endsWith", "doesNotEndWith", "in", "notIn", "matches", "like",
    "greaterThan", "lessThan", "atLeast", "atMost", "between",
    "isTrue", "isFalse", "exists", "doesNotExist",
    "inLast", "inNext", "before", "after", "on", "today", "yesterday", "tomorrow",
    "thisWeek", "thisMonth", "thisYear", "lastWeek", "lastMonth", "lastYear",
    "nextWeek", "nextMonth", "nextYear",
]  # fmt: skip

#: Kinds of time constraint: the date operators above that are not about presence.
TimeKind: TypeAlias = Literal[
    "inLast", "inNext", "before", "after", "on", "between", "today", "yesterday", "tomorrow",
    "thisWeek", "thisMonth", "thisYear", "lastWeek", "lastMonth", "lastYear",
    "nextWeek", "nextMonth", "nextYear",
]  # fmt: skip

CountOperator: TypeAlias = Literal["atLeast", "exactly", "atMost", "none"]
Comparison: TypeAlias = Literal[
    "equals", "doesNotEqual", "greaterThan", "lessThan", "atLeast", "atMost"
]


class Model(BaseModel):
    """Base of the builder's models: camelCase JSON, frozen, no unknown keys."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


class Condition(Model):
    """``field operator value`` on a profile attribute, or on an event field in an event rule.

    ``value`` is one value, a list (``in``, ``notIn``, ``between``) or nothing (``exists``,
    ``isTrue``, ``today`` ...); dates are ISO strings; ``inLast``/``inNext`` (and ``before``
    with a number) count ``unit``s back or forward from now."""

    field: str
    operator: Operator
    value: Value = None
    unit: Unit | None = None
    case_sensitive: bool = True


class Attribute(Condition):
    type: Literal["attribute"] = "attribute"


class Count(Model):
    """How many matching events: ``atLeast``/``exactly``/``atMost`` ``value`` (1 or more), or
    ``none``."""

    operator: CountOperator = "atLeast"
    value: int | None = None


class TimeConstraint(Model):
    """When events happen (or a date attribute lies): ``inLast``/``inNext`` ``amount``
    ``unit``s, ``before``/``after``/``on`` a ``date`` (``before`` also ``amount`` ``unit``s
    ago), ``between`` ``from`` and ``to`` (whole days, inclusive), or a named day or period."""

    kind: TimeKind
    amount: int | None = None
    unit: Unit | None = None
    date: dt.date | None = None
    start: dt.date | None = Field(default=None, alias="from")
    end: dt.date | None = Field(default=None, alias="to")


class Aggregation(Model):
    """``function`` of a numeric event ``field`` over the matching events, compared with
    ``value`` ("sum of order totals over 90 days > 200")."""

    function: Literal["sum", "average", "min", "max"]
    field: str
    operator: Comparison
    value: int | float


class Event(Model):
    """Events matching every condition, counted (default at least one) or aggregated, within an
    optional time constraint."""

    type: Literal["event"] = "event"
    conditions: list[Condition] = []
    count: Count = Count(value=1)
    time: TimeConstraint | None = None
    aggregate: Aggregation | None = None


class Gap(Model):
    amount: int
    unit: Unit


class Step(Model):
    """One step of a sequence: ``count`` events matching the conditions, each step's events
    after the previous step's; ``within`` / ``after`` bound the time since the previous step,
    ``time`` places this step's events relative to now."""

    conditions: list[Condition] = []
    count: int = 1
    within: Gap | None = None
    after: Gap | None = None
    time: TimeConstraint | None = None


class Sequence(Model):
    """Events in order (view, then add to cart, then checkout); ``time`` applies to every
    step."""

    type: Literal["sequence"] = "sequence"
    steps: list[Step]
    time: TimeConstraint | None = None


class Audience(Model):
    """Membership (or, with ``include`` false, non-membership) of another segment."""

    type: Literal["audience"] = "audience"
    ref: str
    include: bool = True


class Container(Model):
    """Rules joined by ``logic``; an excluded container (``include`` false) is negated."""

    type: Literal["container"] = "container"
    logic: Literal["and", "or"] = "and"
    include: bool = True
    items: list[Item]


Item: TypeAlias = Annotated[
    Attribute | Event | Sequence | Audience | Container, Field(discriminator="type")
]
Rule: TypeAlias = Attribute | Event | Sequence | Audience | Container

#: A whole definition: its root container.
Blocks: TypeAlias = Container

Container.model_rebuild()
