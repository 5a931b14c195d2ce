"""``segmint apikey ...``: keys for the REST API, one sandbox and one role each."""

from __future__ import annotations

import typer

from segmint.cli.context import settings
from segmint.cli.output import console, table
from segmint.store import apikeys
from segmint.store.apikeys import Role
from segmint.store.workspace import Workspace

apikey_app = typer.Typer(help="API keys for `segmint serve`.", no_args_is_help=True)


@apikey_app.command("create")
def create(
    ctx: typer.Context,
    sandbox: str | None = typer.Option(
        None, "--sandbox", "-s", help="The key's sandbox (default: the global --sandbox)."
    ),
    role: Role = typer.Option(
        Role.READ, "--role", help="read: GET; write: also ingestion and definitions; admin: all."
    ),
    label: str = typer.Option("", "--label", help="Who or what the key is for."),
) -> None:
    """Create a key and print its token, once: only a digest of it is stored."""
    config = settings(ctx)
    with Workspace.open(config.workspace) as workspace:
        workspace.use(sandbox or config.sandbox)  # the sandbox must exist
        key, token = apikeys.create(workspace.con, sandbox or config.sandbox, role, label)
    console.print(f"API key {key.id} ({key.role}) for sandbox [bold]{key.sandbox}[/]:")
    print(token)
    console.print("store it now: it cannot be shown again")


@apikey_app.command("list")
def list_keys(
    ctx: typer.Context,
    sandbox: str | None = typer.Option(None, "--sandbox", "-s", help="Only this sandbox's keys."),
) -> None:
    """List keys (never their tokens), revoked ones included."""
    with Workspace.open(settings(ctx).workspace) as workspace:
        found = apikeys.keys(workspace.con, sandbox)
    table(
        None,
        ["id", "sandbox", "role", "label", "created", "revoked"],
        [(k.id, k.sandbox, k.role, k.label, k.created_at, k.revoked_at) for k in found],
    )


@apikey_app.command("revoke")
def revoke(ctx: typer.Context, key_id: str) -> None:
    """Revoke a key: requests with it are refused from now on."""
    with Workspace.open(settings(ctx).workspace) as workspace:
        key = apikeys.revoke(workspace.con, key_id)
    console.print(f"API key {key.id} of sandbox [bold]{key.sandbox}[/] revoked")


def register(app: typer.Typer) -> None:
    app.add_typer(apikey_app, name="apikey")
