"""The tokenizer: kinds, values, positions, and located errors."""

from __future__ import annotations

import pytest

from segmint.errors import PQLError
from segmint.pql.tokens import Kind, tokenize


def kinds_and_values(text: str) -> list[tuple[Kind, object]]:
    return [(token.kind, token.value) for token in tokenize(text)[:-1]]


def test_keywords_are_case_insensitive_and_canonical() -> None:
    assert kinds_and_values("AND Or nOt NOTIN notIn Select") == [
        (Kind.KEYWORD, "and"),
        (Kind.KEYWORD, "or"),
        (Kind.KEYWORD, "not"),
        (Kind.KEYWORD, "notIn"),
        (Kind.KEYWORD, "notIn"),
        (Kind.KEYWORD, "select"),
    ]


def test_contextual_words_stay_identifiers() -> None:
    assert kinds_and_values("chain if date last WHAT days xEvent _luma") == [
        (Kind.IDENT, word)
        for word in ("chain", "if", "date", "last", "WHAT", "days", "xEvent", "_luma")
    ]


def test_numbers() -> None:
    assert kinds_and_values("412 0 3.14 .45 2.02E12 2.02E-12 1e+3") == [
        (Kind.INT, 412),
        (Kind.INT, 0),
        (Kind.FLOAT, 3.14),
        (Kind.FLOAT, 0.45),
        (Kind.FLOAT, 2.02e12),
        (Kind.FLOAT, 2.02e-12),
        (Kind.FLOAT, 1000.0),
    ]


def test_a_dot_after_a_number_starts_a_method() -> None:
    assert kinds_and_values("3.count") == [(Kind.INT, 3), (Kind.OP, "."), (Kind.IDENT, "count")]


def test_strings_in_both_quotes_with_escapes() -> None:
    text = r""" "a\"b" 'it\'s' "\\w+" "\n\t\u00e9\/" '"' "'" """
    assert [token.value for token in tokenize(text)[:-1]] == [
        'a"b',
        "it's",
        "\\w+",
        "\n\t\u00e9/",
        '"',
        "'",
    ]


def test_parameters_carets_and_operators() -> None:
    assert kinds_and_values("$1 $12 ^ ^^ => != <= >= ( ) [ ] { } , . : ! %") == [
        (Kind.VAR, 1),
        (Kind.VAR, 12),
        (Kind.CARET, 1),
        (Kind.CARET, 2),
        *[(Kind.OP, op) for op in ("=>", "!=", "<=", ">=", "(", ")", "[", "]", "{", "}")],
        *[(Kind.OP, op) for op in (",", ".", ":", "!", "%")],
    ]


def test_positions_count_lines_and_columns_from_one() -> None:
    tokens = tokenize('a =\n  "x" and\r\n\tb')
    assert [(t.text, t.line, t.column, t.offset) for t in tokens] == [
        ("a", 1, 1, 0),
        ("=", 1, 3, 2),
        ('"x"', 2, 3, 6),
        ("and", 2, 7, 10),
        ("b", 3, 2, 16),
        ("", 3, 3, 17),
    ]


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ('a = "abc', "unterminated string", 5),
        ("a = 'abc\n'", "unterminated string", 5),
        ('"a\\w"', 'unknown escape "\\w" in string', 3),
        ('"\\u12"', 'unknown escape "\\u" in string', 2),
        ("a # b", 'unexpected character "#"', 3),
        ("a == 1", '"==" is not a PQL operator', 3),
        ("a || b", '"||" is not a PQL operator', 3),
        ("$x", '"$" is not a parameter', 1),
        ("$0", '"$0" is not a parameter', 1),
        ("1e999", "number 1e999 is too large", 1),
    ],
)
def test_errors_are_located(text: str, message: str, column: int) -> None:
    with pytest.raises(PQLError) as caught:
        tokenize(text)
    assert caught.value.message == message
    assert caught.value.location is not None
    assert (caught.value.location.line, caught.value.location.column) == (1, column)
