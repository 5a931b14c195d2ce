"""Files written for a user (exports, reports, demo data): each appears whole or not at all,
and a path that cannot be written is refused before any work, with what to do about it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from segmint.errors import UsageError


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` (one ``writable`` refuses is refused first), renamed
    over it when the block succeeds and removed when it fails: no reader sees half a file."""
    writable(path)
    temporary = path.with_name(f".{path.name}.partial")
    try:
        yield temporary
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def writable(path: Path) -> None:
    """Refuse (UsageError) a file path whose folder is missing or that names a folder."""
    folder = path.parent
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise UsageError(
            f"cannot write {path}: {folder} {what}",
            hint="create the folder first, or write somewhere else",
        )
    if path.is_dir():
        raise UsageError(f"cannot write {path}: it is a folder", hint="give a file name in it")


def folder_for_writing(path: Path) -> None:
    """Make the folder (and its parents) unless it exists; refuse (UsageError) a path that
    is a file."""
    if path.exists() and not path.is_dir():
        raise UsageError(f"{path} is a file, not a folder", hint="give a folder for the files")
    path.mkdir(parents=True, exist_ok=True)
