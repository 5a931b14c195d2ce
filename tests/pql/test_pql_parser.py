"""The parser: every example of pql.md parses, and the trees have the intended shape."""

from __future__ import annotations

from pathlib import Path

import pytest

from segmint.pql import parse, to_pql
from segmint.pql.ast import (
    Aggregate,
    Array,
    Between,
    Binary,
    Binding,
    Boolean,
    Call,
    Chain,
    ChainStep,
    Distance,
    Expr,
    Field,
    Filter,
    If,
    Lambda,
    Let,
    Name,
    Null,
    Number,
    Object,
    Occurs,
    On,
    Param,
    Parent,
    Period,
    Quantifier,
    Relation,
    Select,
    Span,
    String,
    TimeWord,
    Unary,
)

EXAMPLES = Path(__file__).parents[1] / "fixtures" / "pql" / "examples.pql"


def examples() -> list[str]:
    lines = EXAMPLES.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def test_the_fixture_holds_every_section_of_the_reference() -> None:
    assert len(examples()) > 190


@pytest.mark.parametrize("text", examples())
def test_every_reference_example_parses_and_its_print_reparses(text: str) -> None:
    tree = parse(text)
    printed = to_pql(tree)
    assert parse(printed) == tree
    assert to_pql(parse(printed)) == printed


def n(name: str) -> Name:
    return Name(name)


def path(*names: str) -> Expr:
    expr: Expr = Name(names[0])
    for name in names[1:]:
        expr = Field(expr, name)
    return expr


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        # precedence: postfix > unary minus > * > + > comparison > not > and > or
        ("a or b and c", Binary("or", n("a"), Binary("and", n("b"), n("c")))),
        ("not a = 1 and b", Binary("and", Unary("not", Binary("=", n("a"), Number(1))), n("b"))),
        ("!!a", Unary("not", Unary("not", n("a")))),
        (
            "a + b * -c.d > 2",
            Binary(
                ">", Binary("+", n("a"), Binary("*", n("b"), Unary("-", path("c", "d")))), Number(2)
            ),
        ),
        ("a - b - c", Binary("-", Binary("-", n("a"), n("b")), n("c"))),
        ("-201", Number(-201)),
        ("- 2.5 * x", Binary("*", Number(-2.5), n("x"))),
        ("-3.count()", Unary("-", Call("count", Number(3), ()))),
        ("--3", Unary("-", Number(-3))),
        (
            "x in [1, 2] or x notIn y",
            Binary(
                "or",
                Binary("in", n("x"), Array((Number(1), Number(2)))),
                Binary("notIn", n("x"), n("y")),
            ),
        ),
        ('a like "%es%"', Binary("like", n("a"), String("%es%"))),
        ('x.matches("J.hn")', Binary("matches", n("x"), String("J.hn"))),
        ("x.in([1])", Binary("in", n("x"), Array((Number(1),)))),
        (
            "true or false or null",
            Binary("or", Binary("or", Boolean(True), Boolean(False)), Null()),
        ),
        # references
        ("$2.a", Field(Param(2), "a")),
        ("^^.person.gender", Field(Field(Parent(2), "person"), "gender")),
        ("^name", Field(Parent(1), "name")),
        ("^ ^", Parent(2)),
        ("x.from.select", Field(Field(n("x"), "from"), "select")),
        (
            "xEvent[a = 1][b].count()",
            Call("count", Filter(Filter(n("xEvent"), Binary("=", n("a"), Number(1))), n("b")), ()),
        ),
        ('x.startsWith("a", false)', Call("startsWith", n("x"), (String("a"), Boolean(False)))),
        ("date(2020, 3, 14)", Call("date", None, (Number(2020), Number(3), Number(14)))),
        ("if(a, 1, 2)", If(n("a"), Number(1), Number(2))),
        ('{"n": 1, "s": x}', Object((("n", Number(1)), ("s", n("x"))))),
        ("{}", Object(())),
        ("[]", Array(())),
        # binders
        ("(P) => P.a", Lambda(("P",), Field(n("P"), "a"))),
        ("m.map((K, G) => K)", Call("map", n("m"), (Lambda(("K", "G"), n("K")),))),
        ("(a)", n("a")),
        ("let v = a in v in w", Let("v", n("a"), Binary("in", n("v"), n("w")))),
        ("let v = (a in b) in v", Let("v", Binary("in", n("a"), n("b")), n("v"))),
        ("let v = [a in b] in v", Let("v", Array((Binary("in", n("a"), n("b")),)), n("v"))),
        (
            "select X from A where X.a, Y from X.b",
            Select((Binding("X", n("A"), path("X", "a")), Binding("Y", path("X", "b"), None))),
        ),
        (
            "f.topN(select X from A, 2)",
            Call("topN", n("f"), (Select((Binding("X", n("A"), None),)), Number(2))),
        ),
        ("exists X from A : X", Quantifier("exists", (Binding("X", n("A"), n("X")),))),
        ("forall X from A where X", Quantifier("forall", (Binding("X", n("A"), n("X")),))),
        (
            "sum X from A where X > 0",
            Aggregate("sum", None, (Binding("X", n("A"), Binary(">", n("X"), Number(0))),)),
        ),
        ("MAX X.p over X from A", Aggregate("max", path("X", "p"), (Binding("X", n("A"), None),))),
        # occurs, with every tail
        (
            "t occurs <= 3 days before now",
            Occurs(n("t"), Distance("<=", 3, "day", "before", TimeWord("now"))),
        ),
        (
            "t occurs = 1 hours from today",
            Occurs(n("t"), Distance("=", 1, "hour", "from", TimeWord("today"))),
        ),
        (
            "t occurs != 2 Centuries after u.t",
            Occurs(n("t"), Distance("!=", 2, "century", "after", path("u", "t"))),
        ),
        ("t occurs before yesterday", Occurs(n("t"), Relation("before", TimeWord("yesterday")))),
        ("t occurs after tomorrow", Occurs(n("t"), Relation("after", TimeWord("tomorrow")))),
        ("t occurs LAST Month", Occurs(n("t"), On(Period("last", "month")))),
        ("t occurs this years", Occurs(n("t"), On(Period("this", "year")))),
        ("t occurs on next millennia", Occurs(n("t"), On(Period("next", "millennium")))),
        ("t occurs on u", Occurs(n("t"), On(n("u")))),
        ("t occurs last", Occurs(n("t"), On(n("last")))),
        (
            "t occurs between date(2017, 10, 1) and today and x",
            Binary(
                "and",
                Occurs(
                    n("t"),
                    Between(
                        Call("date", None, (Number(2017), Number(10), Number(1))), TimeWord("today")
                    ),
                ),
                n("x"),
            ),
        ),
        (
            "chain(xEvent, timestamp, [A: WHAT(a) WHEN(today) COUNT(2) WHERE(b), "
            "B: what(c) when(<= 1 hour after A)])",
            Chain(
                n("xEvent"),
                "timestamp",
                (
                    ChainStep("A", n("a"), On(TimeWord("today")), 2, n("b")),
                    ChainStep("B", n("c"), Distance("<=", 1, "hour", "after", n("A")), None, None),
                ),
            ),
        ),
    ],
)
def test_tree_shapes(text: str, tree: Expr) -> None:
    assert parse(text) == tree


def test_equality_ignores_spans_but_spans_locate_nodes() -> None:
    text = 'a = 1 and\n  person.name.startsWith("J")'
    tree = parse(text)
    assert isinstance(tree, Binary)
    assert tree == parse(" a=1  AND person.name.startsWith('J')")
    assert tree.span == Span(0, 39, 1, 1, 2, 30)
    call = tree.right
    assert call.span is not None
    assert text[call.span.start : call.span.end] == 'person.name.startsWith("J")'
    assert (call.span.line, call.span.column) == (2, 3)


def test_long_or_chains_parse_and_print() -> None:
    text = " or ".join(f'zip = "{i:05}"' for i in range(400))
    assert to_pql(parse(text)) == text
