"""Segments built on segments: the ``inSegment`` reference graph, its cycles, and the order in
which to evaluate so that every segment comes after those it uses."""

from __future__ import annotations

from collections.abc import Mapping

from segmint.errors import PQLError
from segmint.plan.nodes import Plan


def dependencies(
    plans: Mapping[str, Plan], aliases: Mapping[str, str] | None = None
) -> dict[str, frozenset[str]]:
    """For each segment, the segments of ``plans`` it references."""
    return _graph({segment: plan.segments for segment, plan in plans.items()}, aliases)


def _graph(
    references: Mapping[str, frozenset[str]], aliases: Mapping[str, str] | None
) -> dict[str, frozenset[str]]:
    """A reference is a key of ``references`` or an alias of one (a segment's name for its id,
    or the reverse); references to segments not given are left out (they are inputs,
    evaluated elsewhere)."""
    aliases = aliases or {}
    graph: dict[str, frozenset[str]] = {}
    for segment, refs in references.items():
        targets = (aliases.get(ref, ref) for ref in refs)
        graph[segment] = frozenset(target for target in targets if target in references)
    return graph


def evaluation_order(
    plans: Mapping[str, Plan], aliases: Mapping[str, str] | None = None
) -> list[str]:
    """Every segment after the segments it uses (ties in name order); a cycle is a PQLError
    naming it."""
    return reference_order({segment: plan.segments for segment, plan in plans.items()}, aliases)


def reference_order(
    references: Mapping[str, frozenset[str]], aliases: Mapping[str, str] | None = None
) -> list[str]:
    """The same order from the referenced segments alone (stored definitions keep them)."""
    graph = _graph(references, aliases)
    order: list[str] = []
    state: dict[str, str] = {}  # "open" while on the current path, "done" when placed

    def visit(segment: str, path: list[str]) -> None:
        if state.get(segment) == "done":
            return
        if state.get(segment) == "open":
            cycle = [*path[path.index(segment) :], segment]
            raise PQLError(
                "segments reference each other in a cycle: " + " -> ".join(cycle),
                hint="remove one of these inSegment references",
            )
        state[segment] = "open"
        for target in sorted(graph[segment]):
            visit(target, [*path, segment])
        state[segment] = "done"
        order.append(segment)

    for segment in sorted(graph):
        visit(segment, [])
    return order
