"""Hypothesis strategies for random PQL syntax trees of every node type.

The trees are the ones the parser can produce: names are identifiers that are not reserved,
field names may be reserved words, chains have 1-3 steps, an aggregation without a value has one
binding, and ``in``/``notIn``/``matches`` appear as operators (the parser folds their method form).
"""

from __future__ import annotations

from typing import TypeVar

from hypothesis import strategies as st

from segmint.pql import ast
from segmint.pql.functions import SIGNATURES
from segmint.pql.tokens import KEYWORDS

T = TypeVar("T")

# Words that mean something in context only: the printer must keep them unambiguous as names.
_TRICKY = ["last", "this", "next", "day", "days", "chain", "if", "date", "WHAT", "COUNT", "e5"]

identifiers = st.one_of(
    st.sampled_from([*_TRICKY, "X", "xEvent", "person", "_luma"]),
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,5}", fullmatch=True),
).filter(lambda word: word.lower() not in KEYWORDS)
field_names = identifiers | st.sampled_from(sorted(KEYWORDS.values()))

numbers = st.builds(
    ast.Number,
    st.integers(-(10**12), 10**12) | st.floats(allow_nan=False, allow_infinity=False),
)
leaves = st.one_of(
    st.builds(ast.String, st.text(max_size=8)),
    numbers,
    st.builds(ast.Boolean, st.booleans()),
    st.just(ast.Null()),
    st.builds(ast.TimeWord, st.sampled_from(ast.TIME_WORDS)),
    st.builds(ast.Name, identifiers),
    st.builds(ast.Param, st.integers(1, 3)),
    st.builds(ast.Parent, st.integers(1, 3)),
)
_BINARY_OPS = [*ast.LOGICAL_OPERATORS, *ast.RELATIONAL_OPERATORS, *ast.ARITHMETIC_OPERATORS]
_SIGNATURES = sorted(SIGNATURES.values(), key=lambda signature: signature.name)


def _tuples(
    children: st.SearchStrategy[T], low: int, high: int
) -> st.SearchStrategy[tuple[T, ...]]:
    return st.lists(children, min_size=low, max_size=high).map(tuple)


@st.composite
def _calls(draw: st.DrawFn, children: st.SearchStrategy[ast.Expr]) -> ast.Call:
    signature = draw(st.sampled_from(_SIGNATURES))
    high = signature.min_args + 2 if signature.max_args is None else signature.max_args
    args = draw(_tuples(children, signature.min_args, high))
    target = draw(children) if signature.method else None
    return ast.Call(signature.name, target, args)


def _refs(children: st.SearchStrategy[ast.Expr]) -> st.SearchStrategy[ast.TimeRef]:
    periods = st.builds(
        ast.Period, st.sampled_from(ast.PERIOD_WORDS), st.sampled_from(list(ast.UNITS))
    )
    return periods | children


def _tails(children: st.SearchStrategy[ast.Expr]) -> st.SearchStrategy[ast.OccursTail]:
    refs = _refs(children)
    directions = st.sampled_from(ast.DIRECTIONS)
    return st.one_of(
        st.builds(
            ast.Distance,
            st.sampled_from(ast.COMPARISONS),
            st.integers(0, 100),
            st.sampled_from(list(ast.UNITS)),
            directions,
            refs,
        ),
        st.builds(ast.Relation, directions, refs),
        st.builds(ast.On, refs),
        st.builds(ast.Between, refs, refs),
    )


def _bindings(children: st.SearchStrategy[ast.Expr], high: int) -> st.SearchStrategy:
    binding = st.builds(ast.Binding, identifiers, children, st.none() | children)
    return st.lists(binding, min_size=1, max_size=high).map(tuple)


@st.composite
def _aggregates(draw: st.DrawFn, children: st.SearchStrategy[ast.Expr]) -> ast.Aggregate:
    function = draw(st.sampled_from(ast.AGGREGATES))
    value = draw(st.none() | children)
    return ast.Aggregate(function, value, draw(_bindings(children, 1 if value is None else 2)))


def _chains(children: st.SearchStrategy[ast.Expr]) -> st.SearchStrategy[ast.Chain]:
    step = st.builds(
        ast.ChainStep,
        identifiers,
        children,
        st.none() | _tails(children),
        st.none() | st.integers(1, 9),
        st.none() | children,
    )
    return st.builds(
        ast.Chain, children, identifiers, st.lists(step, min_size=1, max_size=3).map(tuple)
    )


def _extend(children: st.SearchStrategy[ast.Expr]) -> st.SearchStrategy[ast.Expr]:
    return st.one_of(
        st.builds(ast.Binary, st.sampled_from(_BINARY_OPS), children, children),
        st.builds(ast.Unary, st.sampled_from(ast.UNARY_OPERATORS), children),
        st.builds(ast.Field, children, field_names),
        _calls(children),
        st.builds(ast.Filter, children, children),
        st.builds(ast.Array, _tuples(children, 0, 3)),
        st.builds(ast.Object, _tuples(st.tuples(st.text(max_size=4), children), 0, 2)),
        st.builds(ast.Occurs, children, _tails(children)),
        st.builds(ast.Lambda, st.lists(identifiers, min_size=1, max_size=3).map(tuple), children),
        st.builds(ast.If, children, children, children),
        st.builds(ast.Let, identifiers, children, children),
        st.builds(ast.Select, _bindings(children, 2)),
        st.builds(ast.Quantifier, st.sampled_from(ast.QUANTIFIERS), _bindings(children, 2)),
        _aggregates(children),
        _chains(children),
    )


trees: st.SearchStrategy[ast.Expr] = st.recursive(leaves, _extend, max_leaves=12)
