"""The parser's cursor over the token list: position, lookahead, spans, the nesting limit, and
located syntax errors with their hints.

It exists so that ``parser.py`` holds only grammar rules: everything here reads tokens or reports
a problem at one, and knows no rule of the grammar beyond the keywords its hints suggest.
"""

from __future__ import annotations

from segmint.errors import did_you_mean
from segmint.pql import ast
from segmint.pql.source import PQLSyntaxError
from segmint.pql.tokens import Kind, Token, tokenize

#: Deeper nesting is refused with a located error rather than a RecursionError.
MAX_DEPTH = 50

COMPARISONS = frozenset(ast.COMPARISONS)
PERIOD_WORDS = frozenset(ast.PERIOD_WORDS)
UNIT_SPELLINGS: dict[str, str] = {
    spelling: unit for unit, plural in ast.UNITS.items() for spelling in (unit, plural)
}
_OPERATOR_KEYWORDS = ("and", "or", "in", "notIn", "like", "matches", "occurs")
_LEADING_KEYWORDS = ("select", "exists", "forall", "let", "not", *ast.AGGREGATES)
_CLOSERS = {")": "(", "]": "[", "}": "{"}


class Cursor:
    """One use: the tokens of one text and the position in them; the parser subclasses it."""

    __slots__ = ("_depth", "_pos", "_prev", "_source", "_tok", "_tokens")

    def __init__(self, source: str) -> None:
        self._source = source
        self._tokens = tokenize(source)
        self._pos = 0
        self._tok = self._tokens[0]
        self._prev = self._tok
        self._depth = 0

    def _advance(self) -> Token:
        tok = self._tok
        self._prev = tok
        if tok.kind is not Kind.EOF:
            self._pos += 1
            self._tok = self._tokens[self._pos]
        return tok

    def _peek(self, ahead: int) -> Token:
        return self._tokens[min(self._pos + ahead, len(self._tokens) - 1)]

    def _at_keyword(self, word: str) -> bool:
        return self._tok.kind is Kind.KEYWORD and self._tok.value == word

    def _enter(self) -> None:
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise self._error(
                f"expression nested more than {MAX_DEPTH} levels deep",
                hint="split the definition, or use let to name parts of it",
            )

    def _span(self, start: Token) -> ast.Span:
        end = self._prev
        return ast.Span(
            start.offset, end.end, start.line, start.column, end.line, end.column + len(end.text)
        )

    def _expect_name(self, what: str, hint: str | None = None) -> str:
        tok = self._tok
        if tok.kind is not Kind.IDENT:
            if tok.kind is Kind.KEYWORD:
                hint = f'"{tok.text}" is a reserved word; choose another name'
            raise self._unexpected(what, hint)
        self._advance()
        return tok.text

    def _expect_op(self, text: str, what: str, hint: str | None = None) -> Token:
        tok = self._tok
        if tok.kind is not Kind.OP or tok.text != text:
            raise self._unexpected(what, hint)
        return self._advance()

    def _close(self, closer: str, opener: Token) -> None:
        tok = self._tok
        if tok.kind is Kind.OP and tok.text == closer:
            self._advance()
            return
        where = f"col {opener.column}"
        if opener.line != tok.line:
            where = f"line {opener.line}, {where}"
        raise self._error(
            f'expected "{closer}" to close "{opener.text}" opened at {where}, '
            f"found {tok.describe()}",
            hint=self._keyword_hint(),
        )

    def _error(
        self, message: str, tok: Token | None = None, hint: str | None = None
    ) -> PQLSyntaxError:
        tok = tok or self._tok
        return PQLSyntaxError(
            message, source=self._source, line=tok.line, column=tok.column, hint=hint
        )

    def _unexpected(self, expected: str, hint: str | None = None) -> PQLSyntaxError:
        tok = self._tok
        if hint is None:
            hint = self._keyword_hint()
        if hint is None and tok.kind is Kind.KEYWORD and tok.value == "not":
            after = self._peek(1)
            if after.kind is Kind.KEYWORD and after.value == "in":
                hint = 'write "notIn" for "not in"'
        if hint is None and tok.kind is Kind.OP:
            if tok.text in COMPARISONS:
                hint = 'comparisons do not chain: join them with "and"'
            elif tok.text in _CLOSERS:
                hint = f'this "{tok.text}" has no matching "{_CLOSERS[tok.text]}"'
        return self._error(f"expected {expected}, found {tok.describe()}", hint=hint)

    def _keyword_hint(self) -> str | None:
        """A "did you mean" for a misspelt keyword here or just before (``adn``, ``selct X``)."""
        tok, prev = self._tok, self._prev
        if tok.kind is Kind.IDENT:
            if prev.kind is Kind.IDENT and prev.text.lower() in PERIOD_WORDS:
                return did_you_mean(tok.text.lower(), UNIT_SPELLINGS)
            hint = did_you_mean(tok.text.lower(), _OPERATOR_KEYWORDS)
            if hint:
                return hint
        if prev is not tok and prev.kind is Kind.IDENT:
            return did_you_mean(prev.text.lower(), _LEADING_KEYWORDS)
        return None
