"""Bad PQL: each error says what is wrong, exactly where, and how to fix it."""

from __future__ import annotations

import pytest

from segmint.errors import PQLError
from segmint.pql import PQLSyntaxError, parse

CASES = [
    # (text, message, line, column, hint)
    (
        'person.name.startsWith("a" and x',
        'expected ")" to close "(" opened at col 23, found end of input',
        1, 33, None,
    ),
    (
        "(a\n and\n (b or c)",
        'expected ")" to close "(" opened at line 1, col 1, found end of input',
        3, 10, None,
    ),
    ("[1, 2 3]", 'expected "]" to close "[" opened at col 1, found "3"', 1, 7, None),
    ("x occurs <= 3 dyas before now", 'unknown time unit "dyas"', 1, 15,
     'did you mean "days" or "years"?'),
    ("x occurs <= 3 days befor now", 'expected "before", "after" or "from", found "befor"', 1, 20,
     'did you mean "before"?'),
    ("x occurs last dya", 'expected an operator or the end of the definition, found "dya"', 1, 15,
     'did you mean "day"?'),
    ('x.startWith("a")', 'unknown method "startWith"', 1, 3,
     'did you mean "startsWith" or "doesNotStartWith"?'),
    ('inSegmnt("x")', 'unknown function "inSegmnt"', 1, 1, 'did you mean "inSegment"?'),
    ('INSEGMENT("x")', 'unknown function "INSEGMENT"', 1, 1, 'did you mean "inSegment"?'),
    ("a = 1 adn b = 2", 'expected an operator or the end of the definition, found "adn"', 1, 7,
     'did you mean "and"?'),
    ("selct X from xEvent where X.a", "expected an operator or the end of the definition, "
     'found "X"', 1, 7, 'did you mean "select"?'),
    ("a = 1 = 2", 'expected an operator or the end of the definition, found "="', 1, 7,
     'comparisons do not chain: join them with "and"'),
    ("a = 1)", 'expected an operator or the end of the definition, found ")"', 1, 6,
     'this ")" has no matching "("'),
    ("a notIn b and c NOT IN d", 'expected an operator or the end of the definition, found "NOT"',
     1, 17, 'write "notIn" for "not in"'),
    ('x.startsWith("a", true, 3)', '"startsWith" takes 1 or 2 arguments, got 3', 1, 3, None),
    ("orders.count(1)", '"count" takes no arguments, got 1', 1, 8, None),
    ("count(x)", '"count" is a method, not a function', 1, 1, "write VALUE.count(...)"),
    ("if(a, b)", '"if" takes 3 arguments, got 2', 1, 1,
     "write if(CONDITION, VALUE_IF_TRUE, VALUE_IF_FALSE)"),
    ("select X xEvent", 'expected "from" after the variable "X", found "xEvent"', 1, 10, None),
    ("select from X", 'expected a variable name, found "from"', 1, 8,
     '"from" is a reserved word; choose another name'),
    ("let x = 1 x", 'expected "in" after the value of "let x", found "x"', 1, 11, None),
    ("sum X.a from xEvent", 'expected "over" after the value of "sum", found "from"', 1, 9,
     'write "sum VALUE over X from ARRAY where CONDITION", or ARRAY.sum(VALUE)'),
    ("chain(xEvent, timestamp, [A: WAHT(a)])",
     'expected "WHAT(...)" to start the step, found "WAHT"', 1, 30, 'did you mean "WHAT"?'),
    ("chain(xEvent, timestamp, [A: WHAT(a) WHN(today)])", 'unknown step clause "WHN"', 1, 38,
     'did you mean "WHEN"?'),
    ("chain(xEvent, timestamp,\n  [A: WHAT(a) COUNT(2) WHEN(today)])",
     '"WHEN" is out of place in step "A"', 2, 24,
     "a step is LABEL: WHAT(...) WHEN(...) COUNT(...) WHERE(...), in that order, each at most "
     "once"),
    ("x occurs <= 1.5 hours before now",
     'expected a whole number of time units after "<=", found "1.5"', 1, 13,
     'for example "<= 3 days before now"'),
    ("x occurs between today or now",
     'expected "and" in "between ... and ...", found "or"', 1, 24, None),
    ("x occurs", "expected a time, found end of input", 1, 9,
     'for example "now", "today", "last month", "date(2024, 1, 31)" or another timestamp'),
    ('a = "abc', "unterminated string", 1, 5,
     "close it with \" on the same line; write \\n for a line break"),
    ('a = "a\\w"', 'unknown escape "\\w" in string', 1, 7,
     'write "\\\\w" for a backslash followed by "w" (as in regexes)'),
    ("a && b", '"&&" is not a PQL operator', 1, 3, 'write "and"'),
    ("", "expected an expression, found end of input", 1, 1, None),
    ('x."a"', 'expected a field or method name after ".", found string "a"', 1, 3, None),
    ("{a: 1}", 'expected a quoted key, as in {"count": 1}, found "a"', 1, 2, None),
    ("(" * 60 + "a" + ")" * 60, "expression nested more than 50 levels deep", 1, 51,
     "split the definition, or use let to name parts of it"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message", "line", "column", "hint"), CASES)
def test_error_message_and_location(
    text: str, message: str, line: int, column: int, hint: str | None
) -> None:
    with pytest.raises(PQLError) as caught:
        parse(text)
    error = caught.value
    assert (error.message, error.hint) == (message, hint)
    assert error.location is not None
    assert (error.location.line, error.location.column) == (line, column)


def test_str_quotes_the_line_with_a_caret_under_the_spot() -> None:
    with pytest.raises(PQLSyntaxError) as caught:
        parse('a = 1 and\n\tperson.name.startWith("J")')
    assert str(caught.value) == (
        'line 2, col 14: unknown method "startWith"\n'
        '    \tperson.name.startWith("J")\n'
        "    \t            ^\n"
        '  hint: did you mean "startsWith" or "doesNotStartWith"?'
    )


def test_str_points_past_the_end_for_missing_text() -> None:
    with pytest.raises(PQLSyntaxError) as caught:
        parse("a =")
    assert str(caught.value).splitlines()[1:] == ["    a =", "       ^"]
