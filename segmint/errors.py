"""The one error tree of Segmint.

Every error a user can cause says what went wrong, where (file:line:col or field), and how to fix
it. The CLI prints it without a traceback; the API turns it into problem-details JSON with
``http_status``.

    SegmintError
    ├── UsageError            bad command-line or API arguments
    ├── WorkspaceError        workspace missing, or in use by another process
    ├── NotFoundError         a named thing (dataset, segment, profile, ...) does not exist
    ├── ConflictError         a name is taken, or an action would break a reference
    ├── SchemaError           a schema file or field change is invalid
    ├── ValidationError       records that do not match the schema (with every located problem)
    ├── IdentityError         identity maps that cannot be used
    └── PQLError              a PQL definition that does not parse, bind or type-check
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """Where a problem is: a file position, a field, or both."""

    file: str | None = None
    line: int | None = None
    column: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        if self.file is None and self.line is not None:
            place = f"line {self.line}" + (f", col {self.column}" if self.column else "")
        else:
            place = ":".join(
                str(part) for part in (self.file, self.line, self.column) if part is not None
            )
        if self.field is None:
            return place
        return f"{place}: field {self.field}" if place else f"field {self.field}"


class SegmintError(Exception):
    """Base of every error Segmint reports to a user."""

    http_status = 400
    title = "Invalid request"

    def __init__(
        self, message: str, *, location: Location | None = None, hint: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}" if self.location else self.message
        return f"{text}\n  hint: {self.hint}" if self.hint else text


class UsageError(SegmintError):
    title = "Invalid arguments"


class WorkspaceError(SegmintError):
    http_status = 409
    title = "Workspace unavailable"


class NotFoundError(SegmintError):
    http_status = 404
    title = "Not found"


class ConflictError(SegmintError):
    http_status = 409
    title = "Conflict"


class SchemaError(SegmintError):
    title = "Invalid schema"


class IdentityError(SegmintError):
    title = "Invalid identity"


class PQLError(SegmintError):
    title = "Invalid PQL"


@dataclass(frozen=True)
class Problem:
    """One located problem in one input record."""

    location: Location
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class ValidationError(SegmintError):
    """Input records that do not match their schema; carries every problem found."""

    title = "Invalid records"

    def __init__(self, problems: Sequence[Problem], *, hint: str | None = None) -> None:
        shown = "\n".join(str(problem) for problem in problems[:20])
        more = f"\n... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(
            f"{len(problems)} invalid record(s):\n{shown}{more}",
            hint=hint
            or "fix the records, or use --on-error skip to load the valid ones and quarantine "
            "the rest",
        )
        self.problems = list(problems)


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """A hint naming the closest candidates to a misspelt word, or None when nothing is close."""
    close = difflib.get_close_matches(word, list(candidates), n=3, cutoff=0.6)
    if not close:
        return None
    return "did you mean " + " or ".join(f'"{name}"' for name in close) + "?"
