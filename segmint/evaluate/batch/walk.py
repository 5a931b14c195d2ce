"""Walking a bound plan: what a subtree refers to decides which SQL shape it may take."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from segmint.plan import nodes as pn


def children_of(node: pn.Node) -> Iterator[pn.Node]:
    for field in dataclasses.fields(node):  # every plan node is a dataclass
        value = getattr(node, field.name)
        for child in value if isinstance(value, tuple) else (value,):
            if isinstance(child, pn.Node):
                yield child


def mentions_profile(node: pn.Node) -> bool:
    """Whether a subtree reads the profile row: its attributes, memberships or events."""
    if isinstance(node, pn.Profile | pn.InSegment | pn.Events):
        return True
    return any(mentions_profile(child) for child in children_of(node))


def mentions_variable(node: pn.Node, name: str) -> bool:
    if isinstance(node, pn.Var) and node.name == name:
        return True
    return any(mentions_variable(child, name) for child in children_of(node))


def profile_paths(node: pn.Node) -> frozenset[str] | None:
    """The profile paths a subtree reads (``a.b``: that field and everything under it), or
    None when it uses the profile whole: the job merges only these, as merging is most of the
    cost of the job's profile relation, per leaf merged."""
    path = _profile_path(node)
    if path is not None:
        return frozenset([path])
    if isinstance(node, pn.Profile):
        return None
    found: set[str] = set()
    for child in children_of(node):
        paths = profile_paths(child)
        if paths is None:
            return None
        found |= paths
    return frozenset(found)


def _profile_path(node: pn.Node) -> str | None:
    """``a.b`` for ``Get(Get(Profile, a), b)``, None for anything else."""
    names: list[str] = []
    while isinstance(node, pn.Get):
        names.append(node.field)
        node = node.target
    return ".".join(reversed(names)) if names and isinstance(node, pn.Profile) else None


def reads_events(node: pn.Node) -> bool:
    """Whether a plan subtree reads the profile's events (compiles to a subquery)."""
    if isinstance(node, pn.Events):
        return True
    return any(reads_events(child) for child in children_of(node))


def reads_profile_row(collection: pn.Node) -> bool:
    """Whether a collection over xEvent refers to the profile row beyond its own events: the
    profile's attributes, its memberships, or its events again (a nested collection)."""
    parts: list[pn.Node] = list(filter_conditions(collection))
    if isinstance(collection, pn.Aggregate | pn.Quantify):
        parts += filter_conditions(collection.source)
        parts += [
            part for part in (collection.condition, getattr(collection, "value", None)) if part
        ]
    return any(mentions_profile(part) for part in parts)


def filter_conditions(source: pn.Node) -> list[pn.Node]:
    found = []
    while isinstance(source, pn.Filter):
        found.append(source.condition)
        source = source.source
    return found


def over_events(node: pn.Node) -> bool:
    """Whether a collection is the profile's events (possibly filtered)."""
    while isinstance(node, pn.Filter):
        node = node.source
    return isinstance(node, pn.Events)
