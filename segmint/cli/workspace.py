"""``segmint init`` and ``segmint sandbox ...``: creating workspaces and sandboxes."""

from __future__ import annotations

import typer
from rich.markup import escape

from segmint.cli.context import settings
from segmint.cli.output import console, table
from segmint.store import catalog
from segmint.store.workspace import Workspace

sandbox_app = typer.Typer(help="Isolated namespaces of data and definitions.", no_args_is_help=True)


def init(ctx: typer.Context) -> None:
    """Create a workspace (if needed) with its default sandbox."""
    config = settings(ctx)
    with Workspace.open(config.workspace, create=True) as workspace:
        created = create_sandbox(workspace, config.sandbox)
    state = "created" if created else "already exists"
    folder = escape(str(config.workspace))
    console.print(f"workspace {folder} ready; sandbox [bold]{config.sandbox}[/] {state}")


def create_sandbox(workspace: Workspace, name: str) -> bool:
    """Create and initialise a sandbox in one transaction; False when it already exists."""
    if name in workspace.sandboxes():
        return False
    with workspace.transaction():
        workspace.create_sandbox(name)
        workspace.use(name)
        catalog.initialise(workspace.con)
    return True


@sandbox_app.command("create")
def sandbox_create(ctx: typer.Context, name: str) -> None:
    """Create a sandbox: its own schemas, datasets, identities and segments."""
    config = settings(ctx)
    with Workspace.open(config.workspace) as workspace:
        created = create_sandbox(workspace, name)
    console.print(f"sandbox [bold]{name}[/] {'created' if created else 'already exists'}")


@sandbox_app.command("list")
def sandbox_list(ctx: typer.Context) -> None:
    """List the sandboxes of the workspace."""
    with Workspace.open(settings(ctx).workspace) as workspace:
        table(None, ["sandbox"], [[name] for name in workspace.sandboxes()])


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.add_typer(sandbox_app, name="sandbox")
