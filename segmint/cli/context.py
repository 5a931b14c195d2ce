"""What every command needs: the resolved settings and an open workspace on the chosen sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from segmint.config import Settings
from segmint.store.workspace import Workspace


def settings(ctx: typer.Context) -> Settings:
    root = ctx.find_root()
    assert isinstance(root.obj, Settings), "the main callback stores the settings"
    return root.obj


@contextmanager
def open_sandbox(ctx: typer.Context) -> Iterator[Workspace]:
    """The workspace, pointed at the sandbox named by --sandbox; closed (and unlocked) after."""
    config = settings(ctx)
    with Workspace.open(config.workspace) as workspace:
        workspace.use(config.sandbox)
        yield workspace
