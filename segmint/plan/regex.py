"""The regex subset that Python ``re``, RE2 (DuckDB) and Java (Spark) read the same way.

``matches`` and ``regexGroup`` must mean one thing on every evaluator, so a pattern is accepted
only if it stays inside the common ground: literals, ``.``, classes, anchors ``^ $ \\A \\b \\B``,
the escapes ``\\d \\D \\w \\W \\s \\S \\t \\n \\r \\f`` and ``\\xhh``, escaped punctuation,
groups ``( )`` and ``(?: )``, greedy and lazy quantifiers, alternation, and the inline flags
``i``, ``m``, ``s``. Everything else is refused with the reason.
"""

from __future__ import annotations

import re

_SAFE_ESCAPES = frozenset("dDwWsStnrfbBA")
_INLINE_FLAGS = re.compile(r"\(\?[ims]+(?:-[ims]+)?[):]")
_HEX = re.compile(r"x[0-9A-Fa-f]{2}")
_REFUSED_GROUPS = {
    "(?=": "lookahead (?=...) is",
    "(?!": "negative lookahead (?!...) is",
    "(?<=": "lookbehind (?<=...) is",
    "(?<!": "negative lookbehind (?<!...) is",
    "(?>": "atomic groups (?>...) are",
    "(?(": "conditionals (?(...) are",
    "(?P": "named groups (?P<name>...) are",
    "(?<": "named groups (?<name>...) are",
    "(?#": "comments (?#...) are",
}
_ESCAPE_REASONS = {
    "Z": "\\Z (it means different things in Python and Java) is",
    "z": "\\z (Python does not know it) is",
    "p": "Unicode classes \\p{...} are",
    "P": "Unicode classes \\P{...} are",
    "Q": "\\Q...\\E quoting is",
    "v": "\\v (a character in Python, a class in Java) is",
    "u": "\\u escapes are",
    "G": "\\G is",
}


def regex_problem(pattern: str) -> str | None:
    """Why ``pattern`` is outside the portable subset, or None if it is inside."""
    position, in_class = 0, False
    while position < len(pattern):
        char = pattern[position]
        if char == "\\":
            problem = _escape_problem(pattern[position + 1 : position + 4])
            if problem:
                return problem
            position += 4 if pattern.startswith("x", position + 1) else 2
            continue
        if in_class:
            if char == "]":
                in_class = False
            elif pattern.startswith("[:", position) or char == "[":
                return "nested classes and POSIX classes like [[:alpha:]] are not portable"
            elif pattern.startswith("&&", position):
                return "class intersection && is not portable"
        elif char == "[":
            in_class = True
            position += 2 if pattern.startswith("[^", position) else 1
            if pattern.startswith("]", position):
                return "a class cannot start with ]: write \\] for a literal ]"
            continue
        elif pattern.startswith("(?", position):
            problem = _group_problem(pattern, position)
            if problem:
                return problem
        elif char in "*+?}" and pattern.startswith("+", position + 1):
            return "possessive quantifiers (*+, ++, ?+) are not portable"
        elif pattern.startswith("{,", position):
            return "a quantifier must give its lower bound: {0,n}, not {,n}"
        position += 1
    try:
        re.compile(pattern)
    except re.error as error:
        return f"it is not a valid regex: {error}"
    return None


def _escape_problem(following: str) -> str | None:
    if not following:
        return "it ends with a lone backslash"
    char = following[0]
    if char in _SAFE_ESCAPES or (not char.isalnum() and char != "_"):
        return None
    if char == "x" and _HEX.match(following):
        return None
    if char.isdigit() or char == "k":
        return "backreferences and octal escapes are not portable"
    reason = _ESCAPE_REASONS.get(char, f"the escape \\{char} is")
    return f"{reason} not portable"


def _group_problem(pattern: str, position: int) -> str | None:
    if _INLINE_FLAGS.match(pattern, position) or pattern.startswith("(?:", position):
        return None
    for opener, name in _REFUSED_GROUPS.items():
        if pattern.startswith(opener, position):
            return f"{name} not portable"
    return "only the inline flags i, m and s are portable, as in (?i) or (?i:...)"
