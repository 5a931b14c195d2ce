"""Edge evaluation: which segments a profile is in right now, synchronously, from its data in
memory, and when that next changes on its own (a window lapsing, a day rolling over)."""

from __future__ import annotations

from segmint.evaluate.edge.evaluator import EdgeResult, EdgeSegments, Outcome

__all__ = ["EdgeResult", "EdgeSegments", "Outcome"]
