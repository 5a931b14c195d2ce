"""Instants given on the command line, read as event timestamps are: ISO 8601, an offset
converted to UTC and none meaning UTC, as naive UTC (how they are stored). Typer's own datetime
drops the offset and takes a bare number for epoch seconds, so a mistyped date became 1970."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import typer

from segmint.ingest.values import parse_datetime
from segmint.store.catalog import now


def parse_instant(text: str) -> datetime:
    try:
        return parse_datetime(text)
    except ValueError:
        raise typer.BadParameter(
            f'"{text}" is not an ISO 8601 instant; write e.g. 2026-11-01T10:00:00Z '
            "(an offset such as +02:00 is converted to UTC; none means UTC)"
        ) from None


def instant_option(flag: str, help_text: str) -> Any:
    """An optional instant option (``None`` when not given)."""
    return typer.Option(None, flag, help=help_text, parser=parse_instant, metavar="ISO-8601")


def now_unless(given: datetime | None) -> datetime:
    """The given instant, else now (naive UTC)."""
    return given if given is not None else now()
