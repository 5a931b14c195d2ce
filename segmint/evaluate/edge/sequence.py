"""``chain`` compiled: step conditions and windows compiled once, matched over the time-ordered
events by one forward pass per step where the chain's shape allows (``sequence_scan``), else by
the reference interpreter's backtracking search."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from datetime import datetime
from typing import Any

from segmint.evaluate.edge.context import UNSET, Context, Env, restore
from segmint.evaluate.edge.sequence_scan import ScanStep, relative_windows, scan
from segmint.evaluate.edge.windows import CompiledWindow, Fn
from segmint.plan.nodes import Node, Sequence

Test = Callable[[Context, Env], bool]


def compile_sequence(
    node: Sequence,
    source: Fn,
    truth: Callable[[Node], Test],
    value: Callable[[Node], Fn],
) -> Test:
    """``source`` gives the events the chain ranges over (``compiler.items``)."""
    time = node.time_field
    steps = [
        (
            step.label,
            truth(step.condition),
            CompiledWindow(step.window, value) if step.window is not None else None,
            step.count,
        )
        for step in node.steps
    ]
    relatives = relative_windows(node)
    scanned: list[ScanStep] | None = None
    if relatives is not None:
        scanned = [
            (label, condition, None if relative is not None else window, relative, count)
            for (label, condition, window, count), relative in zip(steps, relatives, strict=True)
        ]

    def holds(c: Context, e: Env, index: int, event: dict[str, Any]) -> bool:
        """A step's condition with its label bound; its window in the chain's scope."""
        label, condition, window, _ = steps[index]
        old = e.get(label, UNSET)
        e[label] = event
        matched = condition(c, e)
        restore(e, label, old)
        return matched and (window is None or window.holds(c, e, event[time]))

    def match(
        c: Context,
        e: Env,
        index: int,
        events: list[Any],
        at: list[datetime],
        after: datetime | None,
    ) -> bool:
        """Steps from ``index`` on, over the events after ``after`` (``at``: their times)."""
        if index == len(steps):
            return True
        label, _, _, count = steps[index]
        start = 0 if after is None else bisect_right(at, after)
        candidates = [event for event in events[start:] if holds(c, e, index, event)]
        times = [event[time] for event in candidates]
        for last in candidates:
            if bisect_right(times, last[time]) - 1 < count - 1:
                continue
            old = e.get(label, UNSET)
            e[label] = last
            found = match(c, e, index + 1, events, at, last[time])
            restore(e, label, old)
            if found:
                return True
        return False

    def run(c: Context, e: Env) -> bool:
        events = [
            event
            for event in source(c, e)
            if isinstance(event, dict) and isinstance(event.get(time), datetime)
        ]
        events.sort(key=lambda event: (event[time], str(event.get("_id", ""))))
        if scanned is not None:
            return scan(c, e, scanned, events, time)
        return match(c, e, 0, events, [event[time] for event in events], None)

    return run
