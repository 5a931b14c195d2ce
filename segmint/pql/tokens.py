"""The PQL tokenizer: text to a list of located tokens, ending with an EOF token."""

from __future__ import annotations

import enum
import math
import re
from typing import NamedTuple

from segmint.pql.source import PQLSyntaxError


class Kind(enum.Enum):
    """What a token is; keywords are told apart from identifiers here, case-insensitively."""

    IDENT = "identifier"
    KEYWORD = "keyword"
    STRING = "string"
    INT = "integer"
    FLOAT = "number"
    VAR = "parameter"
    CARET = "^"
    OP = "operator"
    EOF = "end of input"


#: Reserved words, by lower-case spelling, with their canonical spelling. Other words that PQL
#: gives a meaning to (chain, if, date, WHAT, units, last ...) only mean it in context, so they stay
#: usable as field names.
KEYWORDS: dict[str, str] = {
    word.lower(): word
    for word in (
        "and", "or", "not", "in", "notIn", "like", "matches", "occurs",
        "true", "false", "null", "let", "select", "from", "where", "exists", "forall",
        "over", "sum", "average", "min", "max", "between", "before", "after", "on",
        "now", "today", "yesterday", "tomorrow",
    )
}  # fmt: skip


class Token(NamedTuple):
    """One token. ``value`` is the decoded string, the number, the canonical keyword, the
    parameter position or the number of carets; ``column`` is 1-based, ``offset`` 0-based.
    A named tuple rather than a dataclass: tokens are made by the thousand, and this is faster.
    """

    kind: Kind
    text: str
    value: str | int | float
    line: int
    column: int
    offset: int

    @property
    def end(self) -> int:
        """Offset just past the token."""
        return self.offset + len(self.text)

    def describe(self) -> str:
        """The token as an error message names it."""
        if self.kind is Kind.EOF:
            return "end of input"
        return f"string {self.text}" if self.kind is Kind.STRING else f'"{self.text}"'


_TOKEN = re.compile(
    r"""(?P<space>\s+)
    |(?P<number>(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?)
    |(?P<word>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<var>\$\d*)
    |(?P<caret>\^+)
    |(?P<op>=>|!=|<=|>=|==|&&|\|\||<>|[=<>+\-*/%!()\[\]{},.:])
    |(?P<quote>["'])""",
    re.VERBOSE,
)
_STRINGS = {
    '"': re.compile(r'"((?:[^"\\\n]|\\.)*)"'),
    "'": re.compile(r"'((?:[^'\\\n]|\\.)*)'"),
}
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)")
_ESCAPES = {
    '"': '"',
    "'": "'",
    "\\": "\\",
    "/": "/",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "b": "\b",
    "f": "\f",
}
_WRONG_OPERATORS = {
    "==": 'PQL compares with a single "="',
    "&&": 'write "and"',
    "||": 'write "or"',
    "<>": 'write "!=" for "not equal"',
}


def tokenize(source: str) -> list[Token]:
    """Split PQL text into tokens; raise a located PQLSyntaxError on text that is not PQL."""
    tokens: list[Token] = []
    append = tokens.append
    match = _TOKEN.match
    line, line_start, offset, size = 1, 0, 0, len(source)
    while offset < size:
        found = match(source, offset)
        column = offset - line_start + 1
        if found is None:
            char = source[offset]
            raise PQLSyntaxError(
                f'unexpected character "{char}"',
                source=source,
                line=line,
                column=column,
                hint=_character_hint(char),
            )
        group = found.lastgroup
        text = found.group()
        if group == "space":
            newlines = text.count("\n")
            if newlines:
                line += newlines
                line_start = offset + text.rindex("\n") + 1
        elif group == "word":
            keyword = KEYWORDS.get(text.lower())
            if keyword is None:
                append(Token(Kind.IDENT, text, text, line, column, offset))
            else:
                append(Token(Kind.KEYWORD, text, keyword, line, column, offset))
        elif group == "op":
            if text in _WRONG_OPERATORS:
                raise PQLSyntaxError(
                    f'"{text}" is not a PQL operator',
                    source=source,
                    line=line,
                    column=column,
                    hint=_WRONG_OPERATORS[text],
                )
            append(Token(Kind.OP, text, text, line, column, offset))
        elif group == "number":
            append(_number(text, source, line, column, offset))
        elif group == "quote":
            found = _STRINGS[text].match(source, offset)
            if found is None:
                raise PQLSyntaxError(
                    "unterminated string",
                    source=source,
                    line=line,
                    column=column,
                    hint=f"close it with {text} on the same line; write \\n for a line break",
                )
            text = found.group()
            value = _unescape(found.group(1), source, line, column + 1)
            append(Token(Kind.STRING, text, value, line, column, offset))
        elif group == "var":
            append(_parameter(text, source, line, column, offset))
        else:
            append(Token(Kind.CARET, text, len(text), line, column, offset))
        offset = found.end()
    append(Token(Kind.EOF, "", "", line, offset - line_start + 1, offset))
    return tokens


def _number(text: str, source: str, line: int, column: int, offset: int) -> Token:
    if not any(char in text for char in ".eE"):
        return Token(Kind.INT, text, int(text), line, column, offset)
    value = float(text)
    if math.isinf(value):
        raise PQLSyntaxError(f"number {text} is too large", source=source, line=line, column=column)
    return Token(Kind.FLOAT, text, value, line, column, offset)


def _parameter(text: str, source: str, line: int, column: int, offset: int) -> Token:
    if text == "$" or int(text[1:]) == 0:
        raise PQLSyntaxError(
            f'"{text}" is not a parameter',
            source=source,
            line=line,
            column=column,
            hint="parameters are numbered from 1: $1 is the profile",
        )
    return Token(Kind.VAR, text, int(text[1:]), line, column, offset)


def _unescape(body: str, source: str, line: int, column: int) -> str:
    """Decode backslash escapes; ``column`` is that of the first character of ``body``."""
    if "\\" not in body:
        return body

    def replace(escape: re.Match[str]) -> str:
        code = escape.group(1)
        if len(code) == 5:
            return chr(int(code[1:], 16))
        if code in _ESCAPES:
            return _ESCAPES[code]
        hint = f'write "\\\\{code}" for a backslash followed by "{code}" (as in regexes)'
        if code == "u":
            hint = "write \\u and four hex digits, as in \\u00e9"
        raise PQLSyntaxError(
            f'unknown escape "\\{code}" in string',
            source=source,
            line=line,
            column=column + escape.start(),
            hint=hint,
        )

    return _ESCAPE.sub(replace, body)


def _character_hint(char: str) -> str | None:
    if char == "&":
        return 'write "and"'
    if char == "|":
        return 'write "or"'
    if char == "`":
        return 'strings are quoted with "'
    if char == ";":
        return "a definition is one expression; join conditions with and/or"
    return None
