"""Python implementations of the built-in functions of ``segmint.plan.functions.BUILTINS``,
with the null rule: a predicate is false, and a value function missing, when an operand it
needs is missing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from segmint.plan import semantics
from segmint.plan.calendar import time_anchor
from segmint.plan.functions import BUILTINS

Impl = Callable[..., Any]


def _cased(test: Callable[[str, str], bool], negate: bool = False) -> Impl:
    """A string predicate with a trailing case-sensitivity flag; false on a missing operand."""

    def run(text: Any, other: Any, case_sensitive: bool) -> bool:
        if not isinstance(text, str) or not isinstance(other, str):
            return False
        if not case_sensitive:
            text, other = text.lower(), other.lower()
        return test(text, other) != negate

    return run


def _equals(text: Any, *rest: Any) -> bool:
    *candidates, case_sensitive = rest
    present = [c for c in candidates if isinstance(c, str)]
    if not isinstance(text, str) or not present:
        return False
    fold = (lambda s: s) if case_sensitive else str.lower
    return any(fold(text) == fold(candidate) for candidate in present)


def _strings(test: Callable[[str, str], bool]) -> Impl:
    return lambda text, pattern: (
        isinstance(text, str) and isinstance(pattern, str) and test(text, pattern)
    )


def _regex_group(text: Any, regex: str, group: Any) -> str | None:
    if not isinstance(text, str) or not isinstance(group, int):
        return None
    found = semantics.compiled(regex).search(text)
    if found is None or not 0 <= group <= (found.re.groups or 0):
        return None
    result = found.group(group)
    return result if isinstance(result, str) else None


def _lists(test: Callable[[list[Any], list[Any]], bool]) -> Impl:
    return lambda left, right: (
        isinstance(left, list) and isinstance(right, list) and test(left, right)
    )


def _contains(items: list[Any], value: Any) -> bool:
    return any(semantics.same(value, item) for item in items)


def _distinct(items: Any) -> list[Any] | None:
    if not isinstance(items, list):
        return None
    kept: list[Any] = []
    for item in items:
        if not _contains(kept, item):
            kept.append(item)
    return kept


def _intersection(left: Any, right: Any) -> list[Any] | None:
    """The shared values, in the left list's order; missing (not empty) when none is shared."""
    if not isinstance(left, list) or not isinstance(right, list):
        return None
    shared = [item for item in _distinct(left) or [] if _contains(right, item)]
    return shared or None


def _date_part(part: str) -> Impl:
    return lambda value: getattr(value, part) if isinstance(value, date) else None


def _make_date(*parts: Any) -> date | None:
    if not all(isinstance(p, int) and not isinstance(p, bool) for p in parts):
        return None
    try:
        return date(*parts) if len(parts) == 3 else datetime(*parts)
    except ValueError:
        return None


def _map_get(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if isinstance(mapping, dict) and isinstance(key, str) else None


def _map_list(part: Callable[[dict[str, Any]], Any]) -> Impl:
    return lambda mapping: list(part(mapping)) if isinstance(mapping, dict) else None


#: Functions of the evaluation instant take it as their only argument.
NOW_FUNCTIONS: dict[str, Callable[[datetime], int]] = {
    "currentYear": lambda now: time_anchor("now", now).year,
    "currentMonth": lambda now: time_anchor("now", now).month,
    "currentDayOfMonth": lambda now: time_anchor("now", now).day,
}

IMPLEMENTATIONS: dict[str, Impl] = {
    "startsWith": _cased(str.startswith),
    "doesNotStartWith": _cased(str.startswith, negate=True),
    "endsWith": _cased(str.endswith),
    "doesNotEndWith": _cased(str.endswith, negate=True),
    "contains": _cased(lambda text, part: part in text),
    "doesNotContain": _cased(lambda text, part: part in text, negate=True),
    "notEqualTo": _cased(lambda text, other: text == other, negate=True),
    "equals": _equals,
    "like": _strings(semantics.like),
    "matches": _strings(semantics.matches),
    "regexGroup": _regex_group,
    "isNull": lambda value: not semantics.truthy(value),
    "isNotNull": semantics.truthy,
    "intersects": _lists(lambda left, right: any(_contains(right, x) for x in left)),
    "subsetOf": _lists(lambda left, right: all(_contains(right, x) for x in left)),
    "supersetOf": _lists(lambda left, right: all(_contains(left, x) for x in right)),
    "includes": lambda items, value: (
        isinstance(items, list) and value is not None and _contains(items, value)
    ),
    "intersection": _intersection,
    "distinct": _distinct,
    "head": lambda items: items[0] if isinstance(items, list) and items else None,
    "keys": _map_list(dict.keys),
    "values": _map_list(dict.values),
    "get": _map_get,
    "getYear": _date_part("year"),
    "getMonth": _date_part("month"),
    "getDayOfMonth": _date_part("day"),
    "date": _make_date,
    "datetime": _make_date,
}


def call(function: str, args: list[Any], now: datetime) -> Any:
    """Apply a built-in; over a projected receiver, apply to each element (pql.md 1.3)."""
    if function in NOW_FUNCTIONS:
        return NOW_FUNCTIONS[function](now)
    spec = BUILTINS[function]
    run = IMPLEMENTATIONS[function]
    if spec.each and isinstance(args[0], list):
        results = [run(item, *args[1:]) for item in args[0]]
        if spec.predicate:
            return any(results)
        return _flatten(results)
    return run(*args)


def _flatten(results: list[Any]) -> list[Any]:
    found: list[Any] = []
    for result in results:
        if isinstance(result, list):
            found.extend(result)
        elif result is not None:
            found.append(result)
    return found
