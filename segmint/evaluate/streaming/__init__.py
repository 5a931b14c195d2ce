"""Streaming evaluation: events in, membership transitions out, exits fired on time."""

from __future__ import annotations

from segmint.evaluate.streaming.processor import Clock, Processor, Transition, Trigger

__all__ = ["Clock", "Processor", "Transition", "Trigger"]
