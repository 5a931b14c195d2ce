"""The built-in functions a plan ``Call`` may name: parameter classes, result type and how each
applies to a projected list. One table for the binder's checks; every evaluator implements each
row (the reference interpreter in ``segmint.evaluate.builtins``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from segmint.plan import types as t
from segmint.plan.types import Type

#: Parameter classes: ``string``, ``integer``, ``time`` (date or datetime), ``list``, ``map``,
#: ``any``, ``flag`` (a Boolean literal: case sensitivity) and ``regex`` (a string literal in the
#: portable regex subset, checked when binding).
Result = Callable[[tuple[Type, ...]], Type]


@dataclass(frozen=True, slots=True)
class Builtin:
    """One row of the table. ``each``: when the receiver (first argument) is a projected list the
    function applies to every element (a predicate then holds if it holds for any element, a
    value function yields the list of present results). ``variadic``: the second parameter
    repeats (``equals("VT", "VA", ...)``)."""

    name: str
    params: tuple[str, ...]
    result: Result
    predicate: bool = False
    each: bool = False
    method: bool = True
    variadic: bool = False


def _fixed(result: Type) -> Result:
    return lambda args: result


def _receiver(args: tuple[Type, ...]) -> Type:
    return args[0]


def _first_item(args: tuple[Type, ...]) -> Type:
    return args[0].item()


_CASED = ("string", "string", "flag")
_STRING_PREDICATES = (
    "startsWith", "doesNotStartWith", "endsWith", "doesNotEndWith", "contains", "doesNotContain",
    "notEqualTo",
)  # fmt: skip
_ROWS: list[Builtin] = [
    *(Builtin(name, _CASED, _fixed(t.BOOLEAN), True, True) for name in _STRING_PREDICATES),
    Builtin("equals", _CASED, _fixed(t.BOOLEAN), True, True, variadic=True),
    Builtin("like", ("string", "string"), _fixed(t.BOOLEAN), True, True),
    Builtin("matches", ("string", "regex"), _fixed(t.BOOLEAN), True, True),
    Builtin("regexGroup", ("string", "regex", "integer"), _fixed(t.STRING), each=True),
    Builtin("isNull", ("any",), _fixed(t.BOOLEAN), True),
    Builtin("isNotNull", ("any",), _fixed(t.BOOLEAN), True),
    Builtin("intersects", ("list", "list"), _fixed(t.BOOLEAN), True),
    Builtin("subsetOf", ("list", "list"), _fixed(t.BOOLEAN), True),
    Builtin("supersetOf", ("list", "list"), _fixed(t.BOOLEAN), True),
    Builtin("includes", ("list", "any"), _fixed(t.BOOLEAN), True),
    Builtin("intersection", ("list", "list"), _receiver),
    Builtin("distinct", ("list",), _receiver),
    Builtin("head", ("list",), _first_item),
    Builtin("keys", ("map",), _fixed(t.STRING.listed()), each=True),
    Builtin("values", ("map",), _fixed(t.STRING.listed()), each=True),
    Builtin("get", ("map", "string"), _fixed(t.STRING), each=True),
    Builtin("getYear", ("time",), _fixed(t.INTEGER), each=True),
    Builtin("getMonth", ("time",), _fixed(t.INTEGER), each=True),
    Builtin("getDayOfMonth", ("time",), _fixed(t.INTEGER), each=True),
    Builtin("currentYear", (), _fixed(t.INTEGER), method=False),
    Builtin("currentMonth", (), _fixed(t.INTEGER), method=False),
    Builtin("currentDayOfMonth", (), _fixed(t.INTEGER), method=False),
    Builtin("date", ("integer",) * 3, _fixed(t.DATE), method=False),
    Builtin("datetime", ("integer",) * 6, _fixed(t.DATETIME), method=False),
]

BUILTINS: dict[str, Builtin] = {row.name: row for row in _ROWS}
