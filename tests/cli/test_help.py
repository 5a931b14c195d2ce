"""Every help text shows as written: Rich reads ``[...]`` in a help as markup and drops it
("Evaluation time [default: now]." showed as "Evaluation time ."), and keeps the line breaks of
a help's first paragraph (``segmint --help`` listed "stream" over a broken line)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import typer
from rich.text import Text

from segmint.cli.main import app


def _helps(command: Any, context: Any, path: str) -> Iterator[tuple[str, str]]:
    """Each help text of the command and of every command and option under it, with where
    it is (Typer's own click, so groups are told by what they answer)."""
    if command.help:
        yield path, command.help
    for param in command.params:
        text = getattr(param, "help", None)
        if text:
            yield f"{path} {param.name}", text
    if hasattr(command, "list_commands"):
        for name in command.list_commands(context):
            yield from _helps(command.get_command(context, name), context, f"{path} {name}")


def _all_helps() -> list[tuple[str, str]]:
    command = typer.main.get_command(app)
    with command.make_context("segmint", ["--help"], resilient_parsing=True) as context:
        helps = list(_helps(command, context, "segmint"))
    assert len(helps) > 100  # every command and option was walked
    return helps


def test_every_help_text_renders_as_written() -> None:
    eaten = {where: text for where, text in _all_helps() if Text.from_markup(text).plain != text}
    assert eaten == {}


def test_every_help_says_what_it_is_in_one_line() -> None:
    broken = {where: text for where, text in _all_helps() if "\n" in text.strip().split("\n\n")[0]}
    assert broken == {}
