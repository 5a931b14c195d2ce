"""THE semantics every evaluator shares (DESIGN.md section 4), as plain functions over Python
values: time windows for a given as_of and when their truth can next change, the null rules of
comparisons, arithmetic and aggregates, Boolean coercion, projection, ``like`` and ``matches``.

The reference interpreter calls these directly; the SQL, streaming and edge evaluators are tested
against it, so a rule changed here changes everywhere.
"""

from __future__ import annotations

import functools
import math
import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from segmint.plan import calendar
from segmint.plan.calendar import Interval
from segmint.plan.nodes import Bound, Node, Period, TimeAnchor, Window

#: Evaluates a window anchor that is an expression (a timestamp field, ``date(...)``, a chain
#: label's time) at a given as_of; None when it is missing.
Resolve = Callable[[Node, datetime], date | None]

_TICK = timedelta(microseconds=1)


# Windows ------------------------------------------------------------------------------------


def anchor_interval(anchor: Node, as_of: datetime, resolve: Resolve) -> Interval | None:
    """The instant or interval an anchor denotes at as_of."""
    if isinstance(anchor, Period):
        return calendar.period(anchor.which, anchor.unit, as_of)
    if isinstance(anchor, TimeAnchor):
        return calendar.interval_of(calendar.time_anchor(anchor.kind, as_of))
    value = resolve(anchor, as_of)
    return None if value is None else calendar.interval_of(value)


def bound_instant(bound: Bound, as_of: datetime, resolve: Resolve) -> datetime | None:
    interval = anchor_interval(bound.anchor, as_of, resolve)
    if interval is None:
        return None
    edge = interval.lo if bound.side == "lo" else interval.hi
    return edge if bound.unit is None else calendar.shift(edge, bound.amount, bound.unit)


def after_start(window: Window, instant: datetime, as_of: datetime, *, resolve: Resolve) -> bool:
    """Whether ``instant`` is not before the window's start (false if its anchor is missing)."""
    if window.start is None:
        return True
    start = bound_instant(window.start, as_of, resolve)
    if start is None:
        return False
    return start <= instant if window.start.inclusive else start < instant


def before_end(window: Window, instant: datetime, as_of: datetime, *, resolve: Resolve) -> bool:
    """Whether ``instant`` is not after the window's end (false if its anchor is missing)."""
    if window.end is None:
        return True
    end = bound_instant(window.end, as_of, resolve)
    if end is None:
        return False
    return instant <= end if window.end.inclusive else instant < end


def in_window(window: Window, moment: date, as_of: datetime, resolve: Resolve) -> bool:
    """Whether the timestamp ``moment`` (a date counts as its midnight) lies in the window."""
    instant = calendar.as_instant(moment)
    return after_start(window, instant, as_of, resolve=resolve) and before_end(
        window, instant, as_of, resolve=resolve
    )


def next_change(window: Window, moment: date, as_of: datetime, resolve: Resolve) -> datetime | None:
    """The first instant after as_of at which ``moment in window`` differs from its value at
    as_of, or None if it never changes (a streaming evaluator sets a timer there).

    Every bound is non-decreasing as as_of advances (now, today and periods move forward; fixed
    timestamps stand still), so "not before the start" can only turn false and "not after the
    end" only true: each flips at most once, found by a doubling then halving search to the
    microsecond, and the truth can only change at one of those flips.
    """
    instant = calendar.as_instant(moment)
    truth = in_window(window, instant, as_of, resolve)
    flips = [
        _flip(functools.partial(check, window, instant, resolve=resolve), as_of)
        for check in (after_start, before_end)
    ]
    for flip in sorted(f for f in flips if f is not None):
        if in_window(window, instant, flip, resolve) != truth:
            return flip
    return None


def _flip(holds: Callable[[datetime], bool], as_of: datetime) -> datetime | None:
    """The first instant after as_of where the monotone ``holds`` changes, or None."""
    initial = holds(as_of)
    same, step = as_of, _TICK
    while True:
        probe = datetime.max if datetime.max - same <= step else same + step
        if holds(probe) != initial:
            break
        if probe == datetime.max:
            return None
        same, step = probe, step * 2
    while probe - same > _TICK:
        middle = same + (probe - same) // 2
        if holds(middle) != initial:
            probe = middle
        else:
            same = middle
    return probe


# Values and nulls ---------------------------------------------------------------------------


def truthy(value: Any) -> bool:
    """A value in a Boolean position: true iff present and, for a list, non-empty."""
    if isinstance(value, list):
        return bool(value)
    return value is not None


def project(value: Any, field: str) -> Any:
    """``value.field``: through a list, the flattened list of present values."""
    if isinstance(value, list):
        found: list[Any] = []
        for item in value:
            got = project(item, field)
            if isinstance(got, list):
                found.extend(got)
            elif got is not None:
                found.append(got)
        return found
    return value.get(field) if isinstance(value, dict) else None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def same(left: Any, right: Any) -> bool:
    """Equality that never confuses a Boolean with a number or a date with a datetime."""
    if isinstance(left, bool) != isinstance(right, bool):
        return False
    if isinstance(left, datetime) != isinstance(right, datetime):
        return False
    return bool(left == right)


_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}


def compare(op: str, left: Any, right: Any) -> bool:
    """One comparison of two present-or-missing scalars: false when either is missing, so
    ``!=`` is not the negation of ``=``; ordering needs two numbers."""
    if left is None or right is None:
        return False
    if op == "=":
        return same(left, right)
    if op == "!=":
        return not same(left, right)
    return _is_number(left) and _is_number(right) and _ORDER[op](left, right)


def compare_lists(op: str, left: list[Any], right: list[Any]) -> bool:
    """``=`` / ``!=`` between two lists: element-wise, in order."""
    equal = len(left) == len(right) and all(map(same, left, right))
    return equal if op == "=" else not equal


def member(value: Any, items: Any) -> bool | None:
    """``value in items``; None when either side is missing (then ``in`` and ``notIn`` both
    fail)."""
    if value is None or not isinstance(items, list):
        return None
    return any(same(value, item) for item in items)


def arith(op: str, left: Any, right: Any) -> Any:
    """Arithmetic on numbers; a missing operand or a division by zero gives missing. ``%``
    takes the sign of the dividend, as SQL does."""
    if not (_is_number(left) and _is_number(right)):
        return None
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if right == 0:
        return None
    if op == "/":
        return left / right
    if isinstance(left, int) and isinstance(right, int):
        rest = abs(left) % abs(right)
        return rest if left >= 0 else -rest
    return math.fmod(left, right)


@dataclass(frozen=True, slots=True)
class Partial:
    """An aggregate over the values seen so far: how many numbers, and their sum (a left fold in
    order, so that more values extend it exactly) or their minimum or maximum (0 before any)."""

    count: int = 0
    total: Any = 0


def accumulate(function: str, partial: Partial, values: Iterable[Any]) -> Partial:
    """``partial`` extended by the present numbers of ``values``: the same as accumulating all
    of them at once, so a running aggregate never has to start over while values only
    arrive."""
    numbers = [value for value in values if _is_number(value)]
    if not numbers:
        return partial
    if function in ("sum", "average"):
        total = functools.reduce(operator.add, numbers, partial.total)
    else:
        pick = min if function == "min" else max
        total = pick([partial.total, *numbers] if partial.count else numbers)
    return Partial(partial.count + len(numbers), total)


def finish(function: str, partial: Partial) -> Any:
    """The aggregate's value: the sum of nothing is 0, the others of nothing are missing."""
    if function == "sum":
        return partial.total
    if not partial.count:
        return None
    return partial.total / partial.count if function == "average" else partial.total


def aggregate(function: str, values: Iterable[Any]) -> Any:
    """``sum``/``average``/``min``/``max`` over the present numbers of ``values``."""
    return finish(function, accumulate(function, Partial(), values))


# Patterns -----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)
def like_regex(pattern: str) -> re.Pattern[str]:
    """SQL LIKE: ``%`` is any run of characters, ``_`` exactly one, ``\\`` escapes the next."""
    parts: list[str] = []
    escaped = False
    for char in pattern:
        if escaped:
            parts.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            parts.append({"%": ".*", "_": "."}.get(char) or re.escape(char))
    if escaped:
        parts.append(re.escape("\\"))
    return re.compile("".join(parts), re.DOTALL)


def like(text: str, pattern: str) -> bool:
    return like_regex(pattern).fullmatch(text) is not None


@functools.lru_cache(maxsize=1024)
def compiled(regex: str) -> re.Pattern[str]:
    return re.compile(regex)


def matches(text: str, regex: str) -> bool:
    """``matches`` finds the regex anywhere in the text (unanchored), like RE2 and Java's find."""
    return compiled(regex).search(text) is not None
