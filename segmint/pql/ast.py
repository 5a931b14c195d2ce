"""The PQL syntax tree: one frozen dataclass per construct of the grammar (pql.md 1.13).

Nodes compare by content only: ``span`` (where the node came from in the text) is left out of
equality, so a tree parsed from its own canonical print equals the original. The tree records
what was written, not what it means: a ``Name`` may be a variable or a field of the implicit
subject, and the binder in ``segmint.plan`` decides which.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Binary operators, loosest first within each precedence group.
LOGICAL_OPERATORS = ("or", "and")
RELATIONAL_OPERATORS = ("=", "!=", "<", ">", "<=", ">=", "in", "notIn", "like", "matches")
ARITHMETIC_OPERATORS = ("+", "-", "*", "/", "%")
UNARY_OPERATORS = ("not", "-")
COMPARISONS = ("=", "!=", "<", ">", "<=", ">=")

TIME_WORDS = ("now", "today", "yesterday", "tomorrow")
PERIOD_WORDS = ("this", "last", "next")
DIRECTIONS = ("before", "after", "from")
QUANTIFIERS = ("exists", "forall")
AGGREGATES = ("sum", "average", "min", "max")

#: Time units by canonical (singular) name, with the plural the printer uses.
UNITS: dict[str, str] = {
    "millisecond": "milliseconds",
    "second": "seconds",
    "minute": "minutes",
    "hour": "hours",
    "day": "days",
    "week": "weeks",
    "month": "months",
    "year": "years",
    "decade": "decades",
    "century": "centuries",
    "millennium": "millennia",
}


@dataclass(frozen=True, slots=True)
class Span:
    """Where a node is in the text: offsets (0-based, end exclusive) and 1-based line/column."""

    start: int
    end: int
    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True, slots=True)
class Node:
    """Base of every node; ``span`` is None for trees built in code or from JSON."""

    span: Span | None = field(default=None, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True, slots=True)
class Expr(Node):
    """Any node that has a value."""


# Literals -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class String(Expr):
    value: str


@dataclass(frozen=True, slots=True)
class Number(Expr):
    """An integer or double; a leading minus on a bare number literal belongs to the literal."""

    value: int | float


@dataclass(frozen=True, slots=True)
class Boolean(Expr):
    value: bool


@dataclass(frozen=True, slots=True)
class Null(Expr):
    pass


@dataclass(frozen=True, slots=True)
class Array(Expr):
    """``[a, b, ...]``."""

    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Object(Expr):
    """``{"key": value, ...}`` (computed-attribute object constructors)."""

    entries: tuple[tuple[str, Expr], ...]


@dataclass(frozen=True, slots=True)
class TimeWord(Expr):
    """``now``, ``today``, ``yesterday`` or ``tomorrow``."""

    word: str


# References ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Name(Expr):
    """A bare identifier: a variable, or a field of the implicit subject (profile or item)."""

    name: str


@dataclass(frozen=True, slots=True)
class Param(Expr):
    """``$1``: the n-th parameter of the query (``$1`` is the profile)."""

    position: int


@dataclass(frozen=True, slots=True)
class Parent(Expr):
    """``^`` (levels=1) or ``^^`` (levels=2): the item of an enclosing filter."""

    levels: int


@dataclass(frozen=True, slots=True)
class Field(Expr):
    """``target.name``."""

    target: Expr
    name: str


@dataclass(frozen=True, slots=True)
class Call(Expr):
    """A function ``name(args)`` (target None) or a method ``target.name(args)``."""

    name: str
    target: Expr | None
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Filter(Expr):
    """``target[condition]``: the items of an array that satisfy an item-relative condition."""

    target: Expr
    condition: Expr


# Operators ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Unary(Expr):
    """``not x`` / ``!x`` (op "not") or ``-x`` (op "-")."""

    op: str
    operand: Expr


@dataclass(frozen=True, slots=True)
class Binary(Expr):
    """Logical, relational and arithmetic operators; ``x.matches(r)`` is ``x matches r``."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Period(Node):
    """``this|last|next UNIT``: a calendar period, only valid as a time reference."""

    which: str
    unit: str


#: What an ``occurs`` tail measures against: a period, or any expression (a time word,
#: ``date(...)``, another timestamp, a chain step label).
TimeRef = Expr | Period


@dataclass(frozen=True, slots=True)
class Distance(Node):
    """``<= 3 days before now``: ``op`` compares the distance from ``ref`` with ``amount unit``."""

    op: str
    amount: int
    unit: str
    direction: str
    ref: TimeRef


@dataclass(frozen=True, slots=True)
class Relation(Node):
    """``before today``, ``after Y.timestamp``."""

    direction: str
    ref: TimeRef


@dataclass(frozen=True, slots=True)
class On(Node):
    """``[on] ref``: within the instant, day or period ``ref``."""

    ref: TimeRef


@dataclass(frozen=True, slots=True)
class Between(Node):
    """``between start and end``, inclusive."""

    start: TimeRef
    end: TimeRef


OccursTail = Distance | Relation | On | Between


@dataclass(frozen=True, slots=True)
class Occurs(Expr):
    """``subject occurs tail``."""

    subject: Expr
    tail: OccursTail


# Binding constructs -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Lambda(Expr):
    """``(P, Q) => body``."""

    params: tuple[str, ...]
    body: Expr


@dataclass(frozen=True, slots=True)
class If(Expr):
    """``if(condition, then, otherwise)``."""

    condition: Expr
    then: Expr
    otherwise: Expr


@dataclass(frozen=True, slots=True)
class Let(Expr):
    """``let name = value in body``."""

    name: str
    value: Expr
    body: Expr


@dataclass(frozen=True, slots=True)
class Binding(Node):
    """``name from source [where condition]`` (``: condition`` is the same)."""

    name: str
    source: Expr
    condition: Expr | None


@dataclass(frozen=True, slots=True)
class Select(Expr):
    """``select X from A where c, Y from B ...``: the tuples that satisfy every condition."""

    bindings: tuple[Binding, ...]


@dataclass(frozen=True, slots=True)
class Quantifier(Expr):
    """``exists ...`` or ``forall ...`` over the same bindings as ``select``."""

    kind: str
    bindings: tuple[Binding, ...]


@dataclass(frozen=True, slots=True)
class Aggregate(Expr):
    """``sum value over bindings``; without a value (``sum X from A``) exactly one binding."""

    function: str
    value: Expr | None
    bindings: tuple[Binding, ...]


@dataclass(frozen=True, slots=True)
class ChainStep(Node):
    """``LABEL: WHAT(what) [WHEN(when)] [COUNT(count)] [WHERE(where)]``."""

    label: str
    what: Expr
    when: OccursTail | None
    count: int | None
    where: Expr | None


@dataclass(frozen=True, slots=True)
class Chain(Expr):
    """``chain(events, time_field, [steps])``: events matching the steps in time order."""

    events: Expr
    time_field: str
    steps: tuple[ChainStep, ...]
