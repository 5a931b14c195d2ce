"""Which event types can change a segment: an event of another type is invisible to it, so the
processor skips re-evaluating it.

Events matter only where the plan reads ``xEvent``. Read through a filter, a count or sum with a
condition, an ``exists``, or a chain whose every step tests ``eventType`` against literals, only
those types matter; read any other way (``forall``, ``xEvent.count()``, a projection), all do.
The edge evaluator narrows its reads by the same rule (``edge.types``).
"""

from __future__ import annotations

from segmint.evaluate.edge.types import Types, read_types
from segmint.plan.nodes import Node


def event_types(root: Node) -> Types:
    """The event types that can change the truth of ``root``."""
    return read_types(root)
