"""Console output: Rich tables for people, JSON for machines, errors without tracebacks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import orjson
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, ProgressColumn
from rich.table import Table

from segmint.errors import SegmintError

console = Console(soft_wrap=True)
errors = Console(stderr=True)


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


#: Columns of numbers that name something rather than count it: shown as they are written
#: elsewhere (profile 1003, never "1,003"), so they can be copied into the next command.
IDENTIFIER_COLUMNS = frozenset({"profile_id", "profileId", "profile"})


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    view = Table(title=escape(title) if title else None, title_justify="left")
    for column in columns:
        view.add_column(column, overflow="fold")
    identifiers = [column in IDENTIFIER_COLUMNS for column in columns]
    for row in rows:
        view.add_row(*(_cell(value, kind) for value, kind in zip(row, identifiers, strict=True)))
    console.print(view)


def _cell(value: Any, identifier: bool) -> str:
    if value is None:
        return ""
    if identifier:
        return escape(str(value))
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return escape(str(value))


def print_json(data: Any) -> None:
    """Plain JSON on stdout (no colour, no wrapping), so machines can read it."""
    print(orjson.dumps(data, default=_default, option=orjson.OPT_INDENT_2).decode())


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def error(problem: SegmintError) -> None:
    """The error's own words (location, message, caret, hint), never a traceback."""
    errors.print(f"[bold red]error:[/] {escape(str(problem))}", highlight=False, soft_wrap=True)


def progress(*columns: ProgressColumn | str) -> Progress:
    """A transient progress display for long work; silent when output is not a terminal."""
    return Progress(*columns, console=console, transient=True, disable=not console.is_terminal)
