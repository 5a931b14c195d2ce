"""Evaluators of plans; ``reference`` is the oracle the others are tested against."""

from __future__ import annotations

from segmint.evaluate.explain import Explanation, explain
from segmint.evaluate.reference import ProfileData, evaluate

__all__ = ["ProfileData", "evaluate", "explain", "Explanation"]
