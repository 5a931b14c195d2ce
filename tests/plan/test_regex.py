"""The portable regex subset, and ``like``/``matches`` semantics."""

from __future__ import annotations

import pytest

from segmint.plan.regex import regex_problem
from segmint.plan.semantics import like, matches


@pytest.mark.parametrize(
    "pattern",
    ["(?i)^John", "@(\\w+)", "[a-z]+\\.com$", "[^0-9]{2,3}?", "a|b(?:c)", "\\x41\\b", "(?is:x.y)"],
)
def test_portable_patterns_are_accepted(pattern: str) -> None:
    assert regex_problem(pattern) is None


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("a(?<=b)", "lookbehind (?<=...) is not portable"),
        ("(?>a)", "atomic groups (?>...) are not portable"),
        ("(a)?(?(1)b)", "conditionals (?(...) are not portable"),
        ("a++", "possessive quantifiers (*+, ++, ?+) are not portable"),
        ("end\\z", "\\z (Python does not know it) is not portable"),
        ("[[:digit:]]", "nested classes and POSIX classes like [[:alpha:]] are not portable"),
        ("(?x) a", "only the inline flags i, m and s are portable, as in (?i) or (?i:...)"),
        ("\\p{Lu}", "Unicode classes \\p{...} are not portable"),
        ("a{,2}", "a quantifier must give its lower bound: {0,n}, not {,n}"),
        ("(", "it is not a valid regex: missing ), unterminated subpattern at position 0"),
    ],
)
def test_other_patterns_are_refused_with_the_reason(pattern: str, problem: str) -> None:
    assert regex_problem(pattern) == problem


def test_matches_finds_anywhere() -> None:
    assert matches("Johnny", "^John") and matches("UpJohn", "J.hn") and not matches("JOHN", "John")


def test_like_wildcards_and_escapes() -> None:
    assert like("Cannes", "C_nn%") and not like("Cannes", "C_nn")
    assert like("100%", "100\\%") and not like("1000", "100\\%")
    assert like("a\nb", "a%b")
