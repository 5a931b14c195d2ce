"""The logical plan: the one model of a segment that every evaluator consumes.

A small, regular vocabulary of immutable nodes, normalised by the binder: every PQL spelling of
the same thing (``xEvent[c]``, ``select X from xEvent where c``, ``.filter(c)``) becomes the same
node, names are resolved (``Get`` reads a field of a known object, ``Var`` a bound variable),
types are attached where a compiler cannot recompute them (leaves), and every ``occurs`` tail is
a ``Window``. The reference interpreter, the SQL compiler, streaming and edge evaluators walk
this tree and nothing else, so every node here is one that SQL can express.
"""

from __future__ import annotations

from dataclasses import dataclass

from segmint.plan import types as t
from segmint.plan.functions import BUILTINS
from segmint.plan.types import Kind, Type

#: Python values of literals; a list literal is a ``ListOf``.
Scalar = str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class Node:
    """Base of every plan node."""


# Values -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Literal(Node):
    value: Scalar
    type: Type


@dataclass(frozen=True, slots=True)
class ListOf(Node):
    """``[a, b, ...]``; missing items are left out."""

    items: tuple[Node, ...]
    type: Type


@dataclass(frozen=True, slots=True)
class TimeAnchor(Node):
    """``now`` (the as_of instant) or the UTC day ``today``, ``yesterday``, ``tomorrow``."""

    kind: str


@dataclass(frozen=True, slots=True)
class Period(Node):
    """``this|last|next UNIT``: a calendar period relative to as_of (only as a window anchor)."""

    which: str
    unit: str


@dataclass(frozen=True, slots=True)
class Profile(Node):
    """The merged profile: the root every implicit path starts from."""


@dataclass(frozen=True, slots=True)
class Events(Node):
    """``xEvent``: the profile's events with ``timestamp <= as_of``."""


@dataclass(frozen=True, slots=True)
class Var(Node):
    """A bound variable: an item of a filter, quantifier or aggregation, a chain step's event, or
    a ``let`` value."""

    name: str
    type: Type


@dataclass(frozen=True, slots=True)
class Get(Node):
    """``target.field``; through a list it projects: the flattened list of present values."""

    target: Node
    field: str
    type: Type


@dataclass(frozen=True, slots=True)
class Call(Node):
    """A built-in function of ``segmint.plan.functions.BUILTINS``; a method's receiver is the
    first argument."""

    function: str
    args: tuple[Node, ...]
    type: Type


@dataclass(frozen=True, slots=True)
class Arith(Node):
    """``+ - * / %`` on numbers: missing propagates, division by zero is missing."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Neg(Node):
    operand: Node


@dataclass(frozen=True, slots=True)
class If(Node):
    condition: Node
    then: Node
    otherwise: Node


@dataclass(frozen=True, slots=True)
class Let(Node):
    name: str
    value: Node
    body: Node


# Predicates ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Compare(Node):
    """``= != < > <= >=``: false on a missing operand; existential over a projected list, list
    equality when both sides are lists."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class In(Node):
    """``value in items`` / ``value notIn items`` (negated); false when either side is missing."""

    value: Node
    items: Node
    negated: bool


@dataclass(frozen=True, slots=True)
class And(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not(Node):
    item: Node


@dataclass(frozen=True, slots=True)
class Truthy(Node):
    """A non-Boolean value in a Boolean position: true iff present and, for a list, non-empty."""

    value: Node


@dataclass(frozen=True, slots=True)
class Bound(Node):
    """One end of a window: the ``side`` (``lo``/``hi``) of the anchor's interval shifted by
    ``amount`` ``unit``s (calendar arithmetic; ``unit`` None: no shift).

    An anchor is an instant (``now``, a datetime) whose ``lo`` and ``hi`` coincide, or an
    interval (``today``, a ``date(...)``, ``last month``) ``[lo, hi)``."""

    anchor: Node
    side: str
    amount: int
    unit: str | None
    inclusive: bool


@dataclass(frozen=True, slots=True)
class Window(Node):
    """The instants between two bounds; a missing bound is unbounded on that side."""

    start: Bound | None
    end: Bound | None


@dataclass(frozen=True, slots=True)
class Occurs(Node):
    """The timestamp ``subject`` (a date counts as its midnight) lies in ``window``;
    existential over a list."""

    subject: Node
    window: Window


@dataclass(frozen=True, slots=True)
class InSegment(Node):
    """The profile is realized in the segment ``ref`` (an id or a name) at as_of."""

    ref: str


# Collections --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Filter(Node):
    """The items of ``source`` for which ``condition`` holds, with the item bound to ``var``."""

    source: Node
    var: str
    condition: Node


@dataclass(frozen=True, slots=True)
class Aggregate(Node):
    """``count`` (``value`` None) or ``sum``/``average``/``min``/``max`` of ``value`` over the
    items of ``source`` for which ``condition`` (if any) holds. Missing values are dropped; the
    sum of nothing is 0, the average, min and max of nothing are missing."""

    function: str
    source: Node
    var: str
    condition: Node | None
    value: Node | None


@dataclass(frozen=True, slots=True)
class Quantify(Node):
    """``exists`` / ``forall`` item of ``source`` (bound to ``var``) satisfying ``condition``."""

    kind: str
    source: Node
    var: str
    condition: Node


@dataclass(frozen=True, slots=True)
class TopN(Node):
    """The ``count`` items of ``source`` with the largest (or smallest) present ``key``."""

    source: Node
    var: str
    key: Node
    count: int
    largest: bool


@dataclass(frozen=True, slots=True)
class Step(Node):
    """One chain step: ``count`` distinct events satisfying ``condition`` (with the event bound
    to ``label``) whose time lies in ``window``; the label then names the last of them."""

    label: str
    condition: Node
    window: Window | None
    count: int


@dataclass(frozen=True, slots=True)
class Sequence(Node):
    """``chain(source, time_field, steps)``: events matching the steps in order, each step's
    events strictly after the previous step's."""

    source: Node
    time_field: str
    steps: tuple[Step, ...]


_BOOLEAN_NODES = (Compare, In, And, Or, Not, Truthy, Occurs, InSegment, Quantify, Sequence)


def type_of(node: Node) -> Type:
    """The static type of a bound node."""
    if isinstance(node, Literal | ListOf | Var | Get | Call):
        return node.type
    if isinstance(node, _BOOLEAN_NODES):
        return t.BOOLEAN
    if isinstance(node, Profile):
        return t.PROFILE
    if isinstance(node, Events):
        return t.EVENT.listed()
    if isinstance(node, TimeAnchor):
        return t.DATETIME if node.kind == "now" else t.DATE
    if isinstance(node, Arith):
        both = (type_of(node.left).kind, type_of(node.right).kind)
        integral = both == (Kind.INTEGER, Kind.INTEGER) and node.op != "/"
        return t.INTEGER if integral else t.NUMBER
    if isinstance(node, Neg):
        return type_of(node.operand)
    if isinstance(node, If):
        return t.unify(type_of(node.then), type_of(node.otherwise)) or t.ANY
    if isinstance(node, Let):
        return type_of(node.body)
    if isinstance(node, Filter | TopN):
        return type_of(node.source)
    if isinstance(node, Aggregate):
        return _aggregate_type(node)
    raise TypeError(f"not a value node: {node!r}")


def _aggregate_type(node: Aggregate) -> Type:
    if node.function == "count":
        return t.INTEGER
    if node.function == "average" or node.value is None:
        return t.NUMBER
    kind = type_of(node.value).kind
    return t.INTEGER if kind is Kind.INTEGER else t.NUMBER


def conjunction(parts: list[Node]) -> Node:
    """The flattened ``And`` of ``parts``: the one part itself, or true when there are none."""
    items: list[Node] = []
    for part in parts:
        items.extend(part.items if isinstance(part, And) else (part,))
    if not items:
        return Literal(True, t.BOOLEAN)
    return items[0] if len(items) == 1 else And(tuple(items))


def is_predicate(node: Node) -> bool:
    """Whether ``node`` always yields True or False (never a missing value)."""
    if isinstance(node, Call):
        return BUILTINS[node.function].predicate
    return isinstance(node, _BOOLEAN_NODES)


@dataclass(frozen=True, slots=True)
class Plan:
    """A bound definition: the root predicate plus what it depends on.

    ``segments`` are the ``inSegment`` references, ``event_fields`` and ``profile_fields`` the
    schema paths it reads (batch scans and streaming state keep only those)."""

    root: Node
    segments: frozenset[str] = frozenset()
    event_fields: frozenset[str] = frozenset()
    profile_fields: frozenset[str] = frozenset()
