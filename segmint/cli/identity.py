"""``segmint namespace``, ``merge-policy``, ``identity show`` and ``profile get``: who is who."""

from __future__ import annotations

from typing import Any

import typer
from rich.markup import escape

from segmint.cli.context import open_sandbox
from segmint.cli.output import OutputFormat, console, print_json, table
from segmint.identity.graph import Namespace
from segmint.store import catalog, identities, profiles
from segmint.store.catalog import AttributeMerge, MergePolicy, Stitching

namespace_app = typer.Typer(
    help="Identity namespaces (email, crmId, ecid, phone, ...).", no_args_is_help=True
)
policy_app = typer.Typer(
    help="Merge policies: how fragments become one profile.", no_args_is_help=True
)
identity_app = typer.Typer(help="Identity graphs.", no_args_is_help=True)
profile_app = typer.Typer(help="Merged profiles.", no_args_is_help=True)


@namespace_app.command("create")
def namespace_create(
    ctx: typer.Context,
    name: str,
    priority: int = typer.Option(100, help="Lower is stronger: picks the primary identity."),
    unique: bool = typer.Option(False, "--unique", help="A profile holds at most one value of it."),
    kind: str = typer.Option("custom", help="person, email, phone, device, cookie or custom."),
) -> None:
    """Create an identity namespace."""
    with open_sandbox(ctx) as workspace:
        catalog.add_namespace(
            workspace.con, Namespace(name, priority=priority, unique=unique, kind=kind)
        )
    console.print(f"namespace [bold]{escape(name)}[/] created")


@namespace_app.command("list")
def namespace_list(ctx: typer.Context) -> None:
    """List identity namespaces."""
    with open_sandbox(ctx) as workspace:
        rows = [(n.name, n.priority, n.unique, n.kind) for n in catalog.namespaces(workspace.con)]
    table(None, ["namespace", "priority", "unique", "kind"], rows)


@policy_app.command("create")
def policy_create(
    ctx: typer.Context,
    name: str,
    attribute_merge: AttributeMerge = typer.Option(
        AttributeMerge.TIMESTAMP,
        "--attribute-merge",
        help="timestamp: newest non-null wins; dataset: first listed dataset wins.",
    ),
    datasets: str = typer.Option(
        "", help="Comma-separated datasets in precedence order (for --attribute-merge dataset)."
    ),
    stitching: Stitching = typer.Option(
        Stitching.GRAPH,
        help="graph: merge a whole identity graph; none: each primary identity apart.",
    ),
    default: bool = typer.Option(False, "--default", help="Make it the sandbox's default."),
) -> None:
    """Create a merge policy."""
    names = tuple(part.strip() for part in datasets.split(",") if part.strip())
    with open_sandbox(ctx) as workspace, workspace.transaction():
        catalog.create_merge_policy(
            workspace.con, MergePolicy(name, attribute_merge, names, stitching)
        )
        if default:
            catalog.set_default_merge_policy(workspace.con, name)
    console.print(
        f"merge policy [bold]{escape(name)}[/] created" + (" (default)" if default else "")
    )


@policy_app.command("list")
def policy_list(ctx: typer.Context) -> None:
    """List merge policies."""
    with open_sandbox(ctx) as workspace:
        rows = [
            (
                p.name,
                p.attribute_merge,
                ", ".join(p.datasets),
                p.stitching,
                "yes" if p.is_default else "",
            )
            for p in catalog.merge_policies(workspace.con)
        ]
    table(None, ["policy", "attribute merge", "datasets", "stitching", "default"], rows)


@policy_app.command("set-default")
def policy_set_default(ctx: typer.Context, name: str) -> None:
    """Make a merge policy the sandbox's default."""
    with open_sandbox(ctx) as workspace:
        catalog.set_default_merge_policy(workspace.con, name)
    console.print(f"default merge policy is now [bold]{escape(name)}[/]")


@identity_app.command("show")
def identity_show(
    ctx: typer.Context,
    identity: str,
    output: OutputFormat = typer.Option(OutputFormat.TABLE, "--format"),
) -> None:
    """Show the identity graph an identity belongs to: members, links and conflicts kept out."""
    namespace, value = identities.parse_identity(identity)
    with open_sandbox(ctx) as workspace:
        graph = identities.graph_of(workspace.con, namespace, value)
    if output is OutputFormat.JSON:
        print_json(graph)
        return
    console.print(f"profile {graph['profileId']}: {len(graph['identities'])} identities")
    table(
        "identities",
        ["namespace", "id", "first seen"],
        [(i["namespace"], i["id"], i["firstSeen"]) for i in graph["identities"]],
    )
    table(
        "links",
        ["from", "to", "seen"],
        [(link["from"], link["to"], link["seenAt"]) for link in graph["links"]],
    )
    if graph["issues"]:
        table(
            "kept out / evicted",
            ["kind", "identity", "other", "reason"],
            [(i["kind"], i["identity"], i["other"], i["reason"]) for i in graph["issues"]],
        )


@profile_app.command("get")
def profile_get(
    ctx: typer.Context,
    identity: str = typer.Option(
        ..., "--identity", help="NAMESPACE:ID of any identity of the profile."
    ),
    merge_policy: str | None = typer.Option(
        None, "--merge-policy", help="Merge policy (default: the sandbox's default)."
    ),
    output: OutputFormat = typer.Option(OutputFormat.TABLE, "--format"),
) -> None:
    """The merged profile of an identity, its identities and recent events."""
    with open_sandbox(ctx) as workspace:
        result = profiles.profile_view(workspace.con, identity, merge_policy)
    if output is OutputFormat.JSON:
        print_json(result)
        return
    console.print(
        f"profile [bold]{result['profileId']}[/] (merge policy {escape(result['mergePolicy'])}), "
        f"{result['eventCount']:,} events"
    )
    table("attributes", ["field", "value"], _flatten(result["attributes"]))
    table(
        "identities",
        ["namespace", "id", "first seen"],
        [(i["namespace"], i["id"], i["firstSeen"]) for i in result["identities"]],
    )
    table(
        "recent events",
        ["timestamp", "eventType", "dataset", "_id"],
        [(e["timestamp"], e["eventType"], e["dataset"], e["_id"]) for e in result["recentEvents"]],
    )
    table(
        "segments",
        ["segment", "status", "last qualification", "entered"],
        [
            (m["segment"], m["status"], m["lastQualificationTime"], m["enteredAt"])
            for m in result["segments"]
        ],
    )


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(value, dict):
        rows: list[tuple[str, str]] = []
        for key, child in value.items():
            rows += _flatten(child, f"{prefix}.{key}" if prefix else key)
        return rows
    return [(prefix, str(value))]


def register(app: typer.Typer) -> None:
    app.add_typer(namespace_app, name="namespace")
    app.add_typer(policy_app, name="merge-policy")
    app.add_typer(identity_app, name="identity")
    app.add_typer(profile_app, name="profile")
