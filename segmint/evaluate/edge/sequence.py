"""``chain`` compiled: step conditions and windows compiled once, matched over the time-ordered
events by one forward pass per step where the chain's shape allows (``sequence_scan``), else by
the reference interpreter's backtracking search. In a streaming profile's kept index, each
step's passing times are kept as events arrive, so a pass reads times instead of testing every
event again."""

from __future__ import annotations

from bisect import bisect_right, insort
from collections.abc import Callable
from datetime import datetime
from typing import Any

from segmint.evaluate.edge.context import UNSET, Context, Env, Test, restore
from segmint.evaluate.edge.sequence_scan import (
    ScanStep,
    Times,
    relative_windows,
    scan,
    scan_kept,
)
from segmint.evaluate.edge.types import reads
from segmint.evaluate.edge.windows import CompiledWindow, Fn, depends_on_time
from segmint.plan.nodes import Events, Node, Sequence


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

    types = _kept_types(node, scanned)
    name = f"kept:{node!r}"

    def kept_times(c: Context, e: Env, types: frozenset[str]) -> list[Times]:
        """Per step, the sorted times of the visible events passing its condition, kept in the
        index and brought up to date with the events that arrived since."""
        index = c.index
        kept = index.memo.get(name)
        if kept is None:
            kept = index.memo[name] = _KeptTimes(len(steps))
        kept.seen, arrived = index.arrived(kept.seen, types)
        for _, event in arrived:
            for (label, condition, _, _), times in zip(steps, kept.times, strict=True):
                old = e.get(label, UNSET)
                e[label] = event
                if condition(c, e):
                    insort(times, event[time])
                restore(e, label, old)
        return [Times(times, 0, bisect_right(times, c.as_of)) for times in kept.times]

    def run(c: Context, e: Env) -> bool:
        if scanned is not None and types is not None and c.kept is not None:
            c.note(c.upcoming)
            return scan_kept(c, e, scanned, kept_times(c, e, types))
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


class _KeptTimes:
    """Per step of a chain, the sorted times of the events passing its condition, and how
    many of the index's events have been looked at (``EventIndex.arrived``)."""

    __slots__ = ("seen", "times")

    def __init__(self, steps: int) -> None:
        self.times: list[list[datetime]] = [[] for _ in range(steps)]
        self.seen = 0


def _kept_types(node: Sequence, scanned: list[ScanStep] | None) -> frozenset[str] | None:
    """The event types a scanned chain over ``xEvent`` on ``timestamp`` reads, when each
    step's condition reads only its event and not the time: then which events pass it never
    changes, and the kept index can keep them (None: not)."""
    types = reads(node)
    if (
        scanned is None
        or types is None
        or not isinstance(node.source, Events)
        or node.time_field != "timestamp"
        or any(depends_on_time(step.condition) for step in node.steps)
    ):
        return None
    return types
