"""Explanations drawn as trees: each clause, whether it held, and the events behind it."""

from __future__ import annotations

from rich.markup import escape
from rich.tree import Tree

from segmint.evaluate.explain import Explanation


def render(explanation: Explanation, tree: Tree | None = None) -> Tree:
    """An explanation as a Rich tree: each clause, whether it held, the events behind it."""
    mark = "[green]✓[/]" if explanation.held else "[red]✗[/]"
    shown = ", ".join(explanation.events[:5]) + ("…" if len(explanation.events) > 5 else "")
    events = f" [dim](events: {escape(shown)})[/]" if explanation.events else ""
    label = f"{mark} {escape(explanation.text)}{events}"
    node = Tree(label) if tree is None else tree.add(label)
    for child in explanation.children:
        render(child, node)
    return node
