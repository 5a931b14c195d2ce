"""Errors located in PQL text, shown with the offending line and a caret under the spot."""

from __future__ import annotations

from segmint.errors import Location, PQLError


class PQLSyntaxError(PQLError):
    """A PQLError about PQL text.

    It keeps the text so that ``str()`` can quote the line and point at the column: a bare
    "line 3, col 41" is hard to find in a long definition. ``message`` stays one line, for APIs.
    """

    def __init__(
        self, message: str, *, source: str, line: int, column: int, hint: str | None = None
    ) -> None:
        super().__init__(message, location=Location(line=line, column=column), hint=hint)
        self.source = source
        self.line = line
        self.column = column

    def __str__(self) -> str:
        lines = self.source.split("\n")
        text = lines[self.line - 1].rstrip("\r") if self.line <= len(lines) else ""
        # Tabs are copied so that the caret lines up however the terminal expands them.
        pad = "".join("\t" if char == "\t" else " " for char in text[: self.column - 1])
        shown = f"{self.location}: {self.message}\n    {text}\n    {pad}^"
        return f"{shown}\n  hint: {self.hint}" if self.hint else shown
