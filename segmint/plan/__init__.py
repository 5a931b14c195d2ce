"""The logical plan: the one model of a segment (``nodes``), built by ``bind`` from PQL and
printed back by ``to_ast``; ``semantics`` holds the rules every evaluator shares."""

from __future__ import annotations

from segmint.plan.bind import bind
from segmint.plan.nodes import Plan
from segmint.plan.unbind import to_ast

__all__ = ["bind", "Plan", "to_ast"]
