"""``chain`` matched in one forward pass per step instead of by backtracking, where its shape
allows it: every step's condition reads only its own event (no other label, attribute or
segment), and every WHEN either reads no label or bounds the step's time by the previous
step's time alone (then with COUNT 1).

Which events can complete step k then depends only on the times of the events that can complete
step k-1 (the feasible ones). With no relative WHEN and COUNT c, an event completes step k when
at least c candidates lie after the earliest feasible previous time, up to and including its
own. With a relative WHEN, both bounds move forward as the previous time does, so the previous
times admitting an event form a run of the sorted feasible times: the latest one before the event
that passes the start bound is the one to test against the end bound. The chain holds when its
last step has a feasible event: O(steps * n log n) where backtracking is O(n ** steps).

Every reading the backtracking search could make is either made here or cannot change the result
until one made here does, so the change hints noted stay safe.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from datetime import datetime
from typing import Any

from segmint.evaluate.edge.context import UNSET, Context, Env, Test, restore
from segmint.evaluate.edge.memo import free_names
from segmint.evaluate.edge.windows import CompiledWindow
from segmint.plan import calendar
from segmint.plan.nodes import Bound, Get, Sequence, Var, Window

#: A compiled step: label, condition, its WHEN when that reads no label, its relative WHEN,
#: and COUNT.
ScanStep = tuple[str, Test, CompiledWindow | None, Window | None, int]


def relative_windows(node: Sequence) -> list[Window | None] | None:
    """Per step, its WHEN when that is relative to the previous step (else None); None when
    the chain's shape needs the backtracking search."""
    found: list[Window | None] = []
    previous: str | None = None
    for step in node.steps:
        reads = free_names(step.condition)
        if reads is None or not reads <= {step.label}:
            return None
        relative = None
        if step.window is not None:
            labels = free_names(step.window)
            if labels is None:
                return None
            if labels:
                bounds = [b for b in (step.window.start, step.window.end) if b is not None]
                timed = all(_on_time_of(b, previous, node.time_field) for b in bounds)
                if previous is None or step.count != 1 or not timed:
                    return None
                relative = step.window
        found.append(relative)
        previous = step.label
    return found


def _on_time_of(bound: Bound, label: str | None, time: str) -> bool:
    anchor = bound.anchor
    return (
        isinstance(anchor, Get)
        and anchor.field == time
        and isinstance(anchor.target, Var)
        and anchor.target.name == label
    )


def scan(
    c: Context, e: Env, steps: list[ScanStep], events: list[dict[str, Any]], time: str
) -> bool:
    """Whether the time-ordered ``events`` match every step, step by step."""
    at = [event[time] for event in events]

    def passing(index: int, after: datetime | None) -> list[datetime]:
        label, condition, window, _, _ = steps[index]
        start = 0 if after is None else bisect_right(at, after)
        old = e.get(label, UNSET)
        times: list[datetime] = []
        for event in events[start:]:
            e[label] = event
            if condition(c, e) and (window is None or window.holds(c, e, event[time])):
                times.append(event[time])
        restore(e, label, old)
        return times

    return _feasible(steps, passing)


def scan_kept(c: Context, e: Env, steps: list[ScanStep], times: list[list[datetime]]) -> bool:
    """``scan`` given, for each step, the sorted times of the visible events passing its
    condition (kept as events arrive, ``sequence``): only WHENs reading no label are left to
    test, on times alone."""

    def passing(index: int, after: datetime | None) -> list[datetime]:
        found = times[index]
        start = 0 if after is None else bisect_right(found, after)
        window = steps[index][2]
        if window is None:
            return found[start:]
        return [t for t in found[start:] if window.holds(c, e, t)]

    return _feasible(steps, passing)


def _feasible(
    steps: list[ScanStep], passing: Callable[[int, datetime | None], list[datetime]]
) -> bool:
    """Step by step, the times that can complete each step: ``passing(k, after)`` gives the
    times after ``after`` (None: all) of the events that can complete step k on their own."""
    feasible: list[datetime] | None = None
    for index, (_, _, _, relative, count) in enumerate(steps):
        times = passing(index, None if feasible is None else feasible[0])
        if relative is not None:
            assert feasible is not None
            times = _admitted(relative, feasible, times)
        elif count > 1:
            candidates = times
            times = [t for t in candidates if bisect_right(candidates, t) >= count]
        if not times:
            return False
        feasible = times
    return True


def _admitted(
    window: Window, previous: list[datetime], candidates: list[datetime]
) -> list[datetime]:
    """The candidate times that some previous time before them has inside its relative
    window. Both bounds move forward with the previous time, so their instants over the sorted
    previous times are sorted too: the latest previous time passing the start bound is found by
    bisect, and is the one to test against the end bound."""
    if not candidates:  # commonly: the later step's events have not come yet
        return []
    starts, ends = _instants(window.start, previous), _instants(window.end, previous)
    kept = []
    for instant in candidates:
        last = bisect_left(previous, instant)
        if window.start is not None:
            passing = (bisect_right if window.start.inclusive else bisect_left)(starts, instant)
            last = min(last, passing)
        if last == 0:
            continue
        if window.end is not None:
            end = ends[last - 1]
            if not (instant <= end if window.end.inclusive else instant < end):
                continue
        kept.append(instant)
    return kept


def _instants(bound: Bound | None, previous: list[datetime]) -> list[datetime]:
    """The bound's instant for each previous time it is anchored on (as
    ``semantics.bound_instant`` resolves an anchor on an instant)."""
    if bound is None or bound.unit is None:
        return previous
    return [calendar.shift(instant, bound.amount, bound.unit) for instant in previous]
