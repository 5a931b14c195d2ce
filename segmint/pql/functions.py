"""The functions and methods PQL knows (pql.md 1.14), with their arity.

The parser rejects unknown names and wrong argument counts at once, with the closest names as a
hint, instead of leaving a typo to surface as a puzzling evaluation result.
"""

from __future__ import annotations

from dataclasses import dataclass

from segmint.errors import did_you_mean


@dataclass(frozen=True, slots=True)
class Signature:
    """A known name: a free function (``date(...)``) or a method (``x.count()``)."""

    name: str
    method: bool
    min_args: int
    max_args: int | None  # None: any number

    def arity(self) -> str:
        """The accepted argument counts, as an error message says them."""
        low, high = self.min_args, self.max_args
        if high is None:
            return f"at least {_arguments(low)}"
        if low == high:
            return _arguments(low) if low else "no arguments"
        if high == low + 1:
            return f"{low} or {_arguments(high)}"
        return f"{low} to {_arguments(high)}"

    def accepts(self, count: int) -> bool:
        return count >= self.min_args and (self.max_args is None or count <= self.max_args)


def _arguments(count: int) -> str:
    return f"{count} argument" if count == 1 else f"{count} arguments"


def _signatures() -> dict[str, Signature]:
    functions = {
        "date": (3, 3),
        "datetime": (3, 6),  # Segmint extension: date(...) plus hour, minute, second
        "inSegment": (1, 1),
        "currentMonth": (0, 0),
        "currentYear": (0, 0),
        "currentDayOfMonth": (0, 0),
        "mapEntry": (2, 2),
    }
    methods: dict[str, tuple[int, int | None]] = {
        "intersects": (1, 1),
        "intersection": (1, 1),
        "subsetOf": (1, 1),
        "supersetOf": (1, 1),
        "includes": (1, 1),
        "distinct": (0, 0),
        "groupBy": (1, 1),
        "filter": (1, 1),
        "map": (1, 1),
        "topN": (2, 2),
        "bottomN": (2, 2),
        "head": (0, 0),
        "get": (1, 1),
        "keys": (0, 0),
        "values": (0, 0),
        "exists": (1, 1),
        "startsWith": (1, 2),
        "doesNotStartWith": (1, 2),
        "endsWith": (1, 2),
        "doesNotEndWith": (1, 2),
        "contains": (1, 2),
        "doesNotContain": (1, 2),
        "equals": (1, None),  # several candidates, then an optional case-sensitivity flag
        "notEqualTo": (1, 2),
        "regexGroup": (2, 2),
        "isNull": (0, 0),
        "isNotNull": (0, 0),
        "count": (0, 0),
        "sum": (0, 1),
        "average": (0, 1),
        "min": (0, 1),
        "max": (0, 1),
        "getMonth": (0, 0),
        "getYear": (0, 0),
        "getDayOfMonth": (0, 0),
    }
    table = {name: Signature(name, False, *arity) for name, arity in functions.items()}
    table.update({name: Signature(name, True, *arity) for name, arity in methods.items()})
    return table


SIGNATURES: dict[str, Signature] = _signatures()

#: Operators that may also be written as one-argument methods: ``x.matches(r)`` is
#: ``x matches r``. The parser turns the method form into the operator, so the tree has one shape.
OPERATOR_METHODS = frozenset({"in", "notIn", "matches"})


def suggest(word: str, method: bool | None) -> str | None:
    """A "did you mean" hint among the methods, the functions, or (None) both, preferring a
    case-only slip."""
    names = [name for name, sig in SIGNATURES.items() if method in (None, sig.method)]
    if method is not False:
        names.extend(OPERATOR_METHODS)
    if method is not True:
        names.extend(("if", "chain"))
    for name in names:
        if name.lower() == word.lower():
            return f'did you mean "{name}"?'
    return did_you_mean(word, names)
