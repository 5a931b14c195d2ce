"""The PQL parser: recursive descent, one ``_parse_<rule>`` method per rule of pql.md 1.13.

Deviations from the EBNF, each forced by the examples or by ambiguity in it:

- ``expr`` also starts lambdas, so ``map((K, G) => ...)`` parses, not only a top-level head.
- A binding list continues past a comma only when ``IDENT from`` follows, so a ``select`` or
  ``exists`` can be a call argument: ``f(exists X from A where c, 2)``.
- Inside the value of ``let V = value in body`` a bare ``in`` ends the value (``x in [..]`` there
  needs parentheses), as in JavaScript's ``for (... in ...)``.
- ``sum X from A where c`` (no value, no ``over``) is the short aggregation form of pql.md 1.11.
- ``-`` directly before a number is the number's sign (``-201`` is one literal), unless a postfix
  operator follows the number (``-3.count()`` is ``-(3.count())``).
- ``x.in(a)``, ``x.notIn(a)`` and ``x.matches(r)`` are the operators, so each has one tree.
- ``^NAME`` is ``^.NAME``; ``WHEN(...)`` accepts every ``occurs`` tail (DESIGN.md 4).

Reading tokens and reporting located errors belong to ``cursor.Cursor``, which ``_Parser``
extends; this module holds the grammar.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from segmint.errors import did_you_mean
from segmint.pql import ast
from segmint.pql.cursor import COMPARISONS, PERIOD_WORDS, UNIT_SPELLINGS, Cursor
from segmint.pql.functions import OPERATOR_METHODS, SIGNATURES, suggest
from segmint.pql.tokens import Kind, Token

_T = TypeVar("_T")

_RELATIONAL_WORDS = frozenset({"notIn", "like", "matches"})
_ADDITIVE = frozenset({"+", "-"})
_MULTIPLICATIVE = frozenset({"*", "/", "%"})
_TIME_WORDS = frozenset(ast.TIME_WORDS)
_DIRECTIONS = frozenset(ast.DIRECTIONS)
_STEP_CLAUSES = ("what", "when", "count", "where")
_PRIMARY_KEYWORDS = frozenset(
    {"true", "false", "null", "select", *ast.TIME_WORDS, *ast.QUANTIFIERS, *ast.AGGREGATES}
)
_PRIMARY_OPENERS = frozenset({"(", "[", "{"})


def parse(text: str) -> ast.Expr:
    """Parse one PQL definition (``pql/text``) into its syntax tree.

    Raises ``PQLSyntaxError`` (a ``PQLError``) located at the first problem.
    """
    return _Parser(text)._parse_query()


class _Parser(Cursor):
    """One use: the grammar rules, run over the cursor of one text."""

    __slots__ = ("_no_in",)

    def __init__(self, source: str) -> None:
        super().__init__(source)
        self._no_in = False

    # Grammar rules ----------------------------------------------------------------------------

    def _parse_query(self) -> ast.Expr:
        expr = self._parse_expr()
        if self._tok.kind is not Kind.EOF:
            raise self._unexpected("an operator or the end of the definition")
        return expr

    def _parse_lambda_head(self) -> tuple[str, ...]:
        self._advance()  # "(", checked by _lambda_ahead
        params = [self._advance().text]
        while self._tok.text == ",":
            self._advance()
            params.append(self._advance().text)
        self._advance()  # ")"
        self._advance()  # "=>"
        return tuple(params)

    def _parse_expr(self) -> ast.Expr:
        self._enter()
        start = self._tok
        if start.kind is Kind.KEYWORD and start.value == "let":
            self._advance()
            name = self._expect_name('a variable name after "let"')
            self._expect_op("=", f'"=" after "let {name}"', 'write "let NAME = VALUE in BODY"')
            outer, self._no_in = self._no_in, True
            value = self._parse_expr()
            self._no_in = outer
            if not self._at_keyword("in"):
                raise self._unexpected(f'"in" after the value of "let {name}"')
            self._advance()
            body = self._parse_expr()
            result: ast.Expr = ast.Let(name, value, body, span=self._span(start))
        elif start.kind is Kind.OP and start.text == "(" and self._lambda_ahead():
            params = self._parse_lambda_head()
            body = self._parse_expr()
            result = ast.Lambda(params, body, span=self._span(start))
        else:
            result = self._parse_or_expr()
        self._depth -= 1
        return result

    def _parse_or_expr(self) -> ast.Expr:
        start = self._tok
        left = self._parse_and_expr()
        while self._at_keyword("or"):
            self._advance()
            left = ast.Binary("or", left, self._parse_and_expr(), span=self._span(start))
        return left

    def _parse_and_expr(self) -> ast.Expr:
        start = self._tok
        left = self._parse_not_expr()
        while self._at_keyword("and"):
            self._advance()
            left = ast.Binary("and", left, self._parse_not_expr(), span=self._span(start))
        return left

    def _parse_not_expr(self) -> ast.Expr:
        start = self._tok
        if self._at_keyword("not") or (start.kind is Kind.OP and start.text == "!"):
            self._advance()
            self._enter()
            operand = self._parse_not_expr()
            self._depth -= 1
            return ast.Unary("not", operand, span=self._span(start))
        return self._parse_rel_expr()

    def _parse_rel_expr(self) -> ast.Expr:
        start = self._tok
        left = self._parse_add_expr()
        tok = self._tok
        if tok.kind is Kind.OP and tok.text in COMPARISONS:
            op = self._parse_cmp_op()
            return ast.Binary(op, left, self._parse_add_expr(), span=self._span(start))
        if tok.kind is Kind.KEYWORD:
            word = str(tok.value)
            if word in _RELATIONAL_WORDS or (word == "in" and not self._no_in):
                self._advance()
                return ast.Binary(word, left, self._parse_add_expr(), span=self._span(start))
            if word == "occurs":
                self._advance()
                tail = self._parse_occurs_tail()
                return ast.Occurs(left, tail, span=self._span(start))
        return left

    def _parse_cmp_op(self) -> str:
        tok = self._tok
        if tok.kind is not Kind.OP or tok.text not in COMPARISONS:
            raise self._unexpected("a comparison (=, !=, <, >, <=, >=)")
        self._advance()
        return tok.text

    def _parse_add_expr(self) -> ast.Expr:
        start = self._tok
        left = self._parse_mul_expr()
        while self._tok.kind is Kind.OP and self._tok.text in _ADDITIVE:
            op = self._advance().text
            left = ast.Binary(op, left, self._parse_mul_expr(), span=self._span(start))
        return left

    def _parse_mul_expr(self) -> ast.Expr:
        start = self._tok
        left = self._parse_unary()
        while self._tok.kind is Kind.OP and self._tok.text in _MULTIPLICATIVE:
            op = self._advance().text
            left = ast.Binary(op, left, self._parse_unary(), span=self._span(start))
        return left

    def _parse_unary(self) -> ast.Expr:
        start = self._tok
        if start.kind is not Kind.OP or start.text != "-":
            return self._parse_postfix()
        self._advance()
        number = self._tok
        after = self._peek(1)
        if number.kind in (Kind.INT, Kind.FLOAT) and not (
            after.kind is Kind.OP and after.text in (".", "[")
        ):
            self._advance()
            assert not isinstance(number.value, str)
            return ast.Number(-number.value, span=self._span(start))
        self._enter()
        operand = self._parse_unary()
        self._depth -= 1
        return ast.Unary("-", operand, span=self._span(start))

    def _parse_postfix(self) -> ast.Expr:
        start = self._tok
        expr = self._parse_primary()
        while self._tok.kind is Kind.OP:
            tok = self._tok
            if tok.text == ".":
                self._advance()
                name = self._tok
                if name.kind is not Kind.IDENT and name.kind is not Kind.KEYWORD:
                    raise self._unexpected('a field or method name after "."')
                self._advance()
                if self._tok.kind is Kind.OP and self._tok.text == "(":
                    args = self._parse_args(self._advance(), ")")
                    expr = self._method(name, expr, args, start)
                else:
                    expr = ast.Field(expr, name.text, span=self._span(start))
            elif tok.text == "[":
                self._advance()
                condition = self._enclosed_expr()
                self._close("]", tok)
                expr = ast.Filter(expr, condition, span=self._span(start))
            else:
                break
        return expr

    def _parse_primary(self) -> ast.Expr:
        tok = self._tok
        kind = tok.kind
        if kind is Kind.IDENT:
            after = self._peek(1)
            if after.kind is Kind.OP and after.text == "(":
                if tok.text.lower() == "chain":
                    return self._parse_chain_expr()
                return self._parse_call()
            self._advance()
            return ast.Name(tok.text, span=self._span(tok))
        if kind is Kind.KEYWORD:
            word = tok.value
            if word in _TIME_WORDS:
                self._advance()
                return ast.TimeWord(str(word), span=self._span(tok))
            if word == "select":
                return self._parse_select_expr()
            if word in ast.QUANTIFIERS:
                return self._parse_quant_expr()
            if word in ast.AGGREGATES:
                return self._parse_agg_expr()
            if word not in ("true", "false", "null"):
                raise self._unexpected("an expression")
        elif kind is Kind.VAR:
            self._advance()
            return ast.Param(int(tok.value), span=self._span(tok))
        elif kind is Kind.CARET:
            return self._parent()
        elif kind is Kind.OP:
            if tok.text == "(":
                self._advance()
                expr = self._enclosed_expr()
                self._close(")", tok)
                return expr
            if tok.text not in ("[", "{"):
                raise self._unexpected("an expression")
        elif kind is Kind.EOF:
            raise self._unexpected("an expression")
        return self._parse_literal()

    def _parse_call(self) -> ast.Expr:
        name = self._advance()
        args = self._parse_args(self._advance(), ")")
        if name.text.lower() == "if":
            if len(args) != 3:
                raise self._error(
                    f'"if" takes 3 arguments, got {len(args)}',
                    name,
                    hint="write if(CONDITION, VALUE_IF_TRUE, VALUE_IF_FALSE)",
                )
            return ast.If(*args, span=self._span(name))
        signature = SIGNATURES.get(name.text)
        if signature is None:
            raise self._error(
                f'unknown function "{name.text}"', name, hint=suggest(name.text, method=False)
            )
        if signature.method:
            raise self._error(
                f'"{name.text}" is a method, not a function',
                name,
                hint=f"write VALUE.{name.text}(...)",
            )
        self._check_arity(name, len(args))
        return ast.Call(name.text, None, args, span=self._span(name))

    def _parse_args(self, opener: Token, closer: str) -> tuple[ast.Expr, ...]:
        """The comma-separated expressions after ``opener``, through ``closer``."""
        args: list[ast.Expr] = []
        if self._tok.kind is Kind.OP and self._tok.text == closer:
            self._advance()
            return ()
        args.append(self._enclosed_expr())
        while self._tok.kind is Kind.OP and self._tok.text == ",":
            self._advance()
            args.append(self._enclosed_expr())
        self._close(closer, opener)
        return tuple(args)

    def _parse_binding(self) -> ast.Binding:
        start = self._tok
        name = self._expect_name("a variable name", 'write "X from ARRAY where CONDITION"')
        if not self._at_keyword("from"):
            raise self._unexpected(f'"from" after the variable "{name}"')
        self._advance()
        source = self._parse_expr()
        condition = None
        if self._at_keyword("where") or (self._tok.kind is Kind.OP and self._tok.text == ":"):
            self._advance()
            condition = self._parse_expr()
        return ast.Binding(name, source, condition, span=self._span(start))

    def _parse_select_expr(self) -> ast.Expr:
        start = self._advance()
        return ast.Select(self._bindings(), span=self._span(start))

    def _parse_quant_expr(self) -> ast.Expr:
        start = self._advance()
        return ast.Quantifier(str(start.value), self._bindings(), span=self._span(start))

    def _parse_agg_expr(self) -> ast.Expr:
        start = self._advance()
        function = str(start.value)
        after = self._peek(1)
        if self._tok.kind is Kind.IDENT and after.kind is Kind.KEYWORD and after.value == "from":
            binding = self._parse_binding()
            return ast.Aggregate(function, None, (binding,), span=self._span(start))
        value = self._parse_expr()
        if not self._at_keyword("over"):
            raise self._unexpected(
                f'"over" after the value of "{function}"',
                f'write "{function} VALUE over X from ARRAY where CONDITION", '
                f"or ARRAY.{function}(VALUE)",
            )
        self._advance()
        return ast.Aggregate(function, value, self._bindings(), span=self._span(start))

    def _parse_occurs_tail(self) -> ast.OccursTail:
        start = self._tok
        if start.kind is Kind.OP and start.text in COMPARISONS:
            op = self._parse_cmp_op()
            amount = self._tok
            if amount.kind is not Kind.INT:
                raise self._unexpected(
                    f'a whole number of time units after "{op}"',
                    f'for example "{op} 3 days before now"',
                )
            self._advance()
            unit = self._unit()
            direction = self._parse_direction()
            ref = self._parse_time_ref()
            span = self._span(start)
            return ast.Distance(op, int(amount.value), unit, direction, ref, span=span)
        if start.kind is Kind.KEYWORD:
            if start.value in _DIRECTIONS:
                direction = self._parse_direction()
                return ast.Relation(direction, self._parse_time_ref(), span=self._span(start))
            if start.value == "between":
                self._advance()
                first = self._parse_time_ref()
                if not self._at_keyword("and"):
                    raise self._unexpected('"and" in "between ... and ..."')
                self._advance()
                last = self._parse_time_ref()
                return ast.Between(first, last, span=self._span(start))
            if start.value == "on":
                self._advance()
        return ast.On(self._parse_time_ref(), span=self._span(start))

    def _parse_time_ref(self) -> ast.TimeRef:
        tok = self._tok
        if tok.kind is Kind.IDENT and tok.text.lower() in PERIOD_WORDS:
            after = self._peek(1)
            if after.kind is Kind.IDENT and after.text.lower() in UNIT_SPELLINGS:
                self._advance()
                unit = self._unit()
                return ast.Period(tok.text.lower(), unit, span=self._span(tok))
        if not self._starts_primary(tok):
            raise self._unexpected(
                "a time",
                'for example "now", "today", "last month", "date(2024, 1, 31)" '
                "or another timestamp",
            )
        return self._parse_postfix()

    def _parse_direction(self) -> str:
        tok = self._tok
        if tok.kind is Kind.KEYWORD and tok.value in _DIRECTIONS:
            self._advance()
            return str(tok.value)
        hint = did_you_mean(tok.text.lower(), ast.DIRECTIONS) if tok.kind is Kind.IDENT else None
        raise self._unexpected('"before", "after" or "from"', hint)

    def _parse_chain_expr(self) -> ast.Expr:
        start = self._advance()
        opener = self._advance()
        shape = "write chain(xEvent, timestamp, [A: WHAT(condition), B: WHAT(...)])"
        events = self._enclosed_expr()
        self._expect_op(",", '"," after the events of "chain"', shape)
        time_field = self._expect_name("the name of the time field", shape)
        self._expect_op(",", '"," after the time field of "chain"', shape)
        bracket = self._expect_op("[", '"[" to start the steps of "chain"', shape)
        steps = [self._parse_step()]
        while self._tok.kind is Kind.OP and self._tok.text == ",":
            self._advance()
            steps.append(self._parse_step())
        self._close("]", bracket)
        self._close(")", opener)
        return ast.Chain(events, time_field, tuple(steps), span=self._span(start))

    def _parse_step(self) -> ast.ChainStep:
        start = self._tok
        label = self._expect_name("a step label", 'write "A: WHAT(condition)"')
        self._expect_op(":", f'":" after the step label "{label}"', 'write "A: WHAT(condition)"')
        self._clause("what")
        what = self._clause_body(self._parse_expr)
        when = self._clause_body(self._parse_when_spec) if self._clause("when") else None
        count = self._clause_body(self._count) if self._clause("count") else None
        where = self._clause_body(self._parse_expr) if self._clause("where") else None
        tok = self._tok
        if tok.kind in (Kind.IDENT, Kind.KEYWORD) and self._peek(1).text == "(":
            word = tok.text.lower()
            if word in _STEP_CLAUSES:
                raise self._error(
                    f'"{tok.text}" is out of place in step "{label}"',
                    hint="a step is LABEL: WHAT(...) WHEN(...) COUNT(...) WHERE(...), in that "
                    "order, each at most once",
                )
            raise self._error(
                f'unknown step clause "{tok.text}"',
                hint=did_you_mean(tok.text.upper(), ("WHAT", "WHEN", "COUNT", "WHERE")),
            )
        return ast.ChainStep(label, what, when, count, where, span=self._span(start))

    def _parse_when_spec(self) -> ast.OccursTail:
        return self._parse_occurs_tail()

    def _parse_literal(self) -> ast.Expr:
        tok = self._advance()
        if tok.kind is Kind.STRING:
            return ast.String(str(tok.value), span=self._span(tok))
        if tok.kind is Kind.INT or tok.kind is Kind.FLOAT:
            assert not isinstance(tok.value, str)
            return ast.Number(tok.value, span=self._span(tok))
        if tok.kind is Kind.KEYWORD:
            if tok.value == "null":
                return ast.Null(span=self._span(tok))
            return ast.Boolean(tok.value == "true", span=self._span(tok))
        if tok.text == "[":
            return ast.Array(self._parse_args(tok, "]"), span=self._span(tok))
        entries: list[tuple[str, ast.Expr]] = []
        while not (self._tok.kind is Kind.OP and self._tok.text == "}"):
            if entries:
                self._expect_op(",", '"," or "}" after an object entry')
            key = self._tok
            if key.kind is not Kind.STRING:
                raise self._unexpected('a quoted key, as in {"count": 1}')
            self._advance()
            self._expect_op(":", f'":" after the key {key.text}')
            entries.append((str(key.value), self._enclosed_expr()))
        self._close("}", tok)
        return ast.Object(tuple(entries), span=self._span(tok))

    # Helpers ------------------------------------------------------------------------------------

    def _enclosed_expr(self) -> ast.Expr:
        """An expression inside brackets, where ``in`` is an operator even in a let value."""
        outer, self._no_in = self._no_in, False
        expr = self._parse_expr()
        self._no_in = outer
        return expr

    def _lambda_ahead(self) -> bool:
        """Whether ``( IDENT {, IDENT} ) =>`` starts here."""
        tokens, pos = self._tokens, self._pos + 1
        while tokens[pos].kind is Kind.IDENT:
            after = tokens[pos + 1]
            if after.text == ")":
                return tokens[pos + 2].text == "=>"
            if after.text != ",":
                return False
            pos += 2
        return False

    def _bindings(self) -> tuple[ast.Binding, ...]:
        bindings = [self._parse_binding()]
        while (
            self._tok.text == ","
            and self._peek(1).kind is Kind.IDENT
            and self._peek(2).kind is Kind.KEYWORD
            and self._peek(2).value == "from"
        ):
            self._advance()
            bindings.append(self._parse_binding())
        return tuple(bindings)

    def _method(
        self, name: Token, target: ast.Expr, args: tuple[ast.Expr, ...], start: Token
    ) -> ast.Expr:
        if name.text in OPERATOR_METHODS:
            if len(args) != 1:
                raise self._error(f'"{name.text}" takes 1 argument, got {len(args)}', name)
            return ast.Binary(name.text, target, args[0], span=self._span(start))
        signature = SIGNATURES.get(name.text)
        if signature is None:
            raise self._error(
                f'unknown method "{name.text}"', name, hint=suggest(name.text, method=True)
            )
        if not signature.method:
            raise self._error(
                f'"{name.text}" is a function, not a method',
                name,
                hint=f"write {name.text}(...) without a value before it",
            )
        self._check_arity(name, len(args))
        return ast.Call(name.text, target, args, span=self._span(start))

    def _check_arity(self, name: Token, count: int) -> None:
        signature = SIGNATURES[name.text]
        if not signature.accepts(count):
            raise self._error(f'"{name.text}" takes {signature.arity()}, got {count}', name)

    def _parent(self) -> ast.Expr:
        start = self._tok
        levels = 0
        while self._tok.kind is Kind.CARET:
            levels += int(self._advance().value)
        expr: ast.Expr = ast.Parent(levels, span=self._span(start))
        if self._tok.kind is Kind.IDENT:
            expr = ast.Field(expr, self._advance().text, span=self._span(start))
        return expr

    def _unit(self) -> str:
        tok = self._tok
        unit = UNIT_SPELLINGS.get(tok.text.lower()) if tok.kind is Kind.IDENT else None
        if unit is None:
            if tok.kind is not Kind.IDENT:
                raise self._unexpected("a time unit such as days or months")
            hint = did_you_mean(tok.text.lower(), UNIT_SPELLINGS)
            raise self._error(
                f'unknown time unit "{tok.text}"',
                hint=hint or "units are " + ", ".join(ast.UNITS.values()),
            )
        self._advance()
        return unit

    def _clause(self, word: str) -> bool:
        """Consume the step clause ``word`` (WHAT is required) if it comes next."""
        tok = self._tok
        if tok.text.lower() == word:
            self._advance()
            return True
        if word != "what":
            return False
        hint = did_you_mean(tok.text.upper(), ("WHAT",)) if tok.kind is Kind.IDENT else None
        raise self._unexpected('"WHAT(...)" to start the step', hint)

    def _clause_body(self, parse: Callable[[], _T]) -> _T:
        opener = self._expect_op("(", f'"(" after "{self._prev.text}"')
        outer, self._no_in = self._no_in, False
        body = parse()
        self._no_in = outer
        self._close(")", opener)
        return body

    def _count(self) -> int:
        tok = self._tok
        if tok.kind is not Kind.INT or int(tok.value) < 1:
            raise self._unexpected("a count of at least 1", "for example COUNT(5)")
        self._advance()
        return int(tok.value)

    def _starts_primary(self, tok: Token) -> bool:
        kind = tok.kind
        if kind is Kind.KEYWORD:
            return tok.value in _PRIMARY_KEYWORDS
        if kind is Kind.OP:
            return tok.text in _PRIMARY_OPENERS
        return kind is not Kind.EOF
